import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

final class SchemaSetTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("xmlcheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    private func schema(_ namespace: String, element: String, body: String = "") -> String {
        """
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="\(namespace)" elementFormDefault="qualified">
        \(body)<xs:element name="\(element)" type="xs:string"/>
        </xs:schema>
        """
    }

    func testProjectSchemasCoverTheKITHNamespaces() {
        XCTAssertEqual(projectSchemas.namespaces, [
            KITHNamespace.msgHead, KITHNamespace.dialog11, KITHNamespace.appRec11,
            "http://www.kith.no/xmlstds/base64container",
        ])
    }

    func testFirstFileWinsPerNamespace() throws {
        try write("a-first.xsd", schema("urn:test:one", element: "First"))
        try write("b-second.xsd", schema("urn:test:one", element: "Second"))
        try write("c-other.xsd", schema("urn:test:two", element: "Other"))
        try write("notes.txt", "not a schema")
        let set = try SchemaSet.compile(directory: folder.path)
        XCTAssertEqual(set.namespaces, ["urn:test:one", "urn:test:two"])
        XCTAssertTrue(set.files["urn:test:one"]?.hasSuffix("a-first.xsd") ?? false)
        let validator = XMLValidator(schemas: set, requireSchema: true)
        XCTAssertNil(validator.check(utf8(#"<First xmlns="urn:test:one">x</First>"#)).failure)
        XCTAssertNotNil(validator.check(utf8(#"<Second xmlns="urn:test:one">x</Second>"#)).failure)
        XCTAssertNil(validator.check(utf8(#"<Other xmlns="urn:test:two">x</Other>"#)).failure)
    }

    func testMalformedSchemaErrorNamesFileAndLine() throws {
        try write("good.xsd", schema("urn:test:good", element: "Good"))
        try write("broken.xsd", "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n<xs:element name=\"x\">\n</xs:schema>\n")
        XCTAssertThrowsError(try SchemaSet.compile(directory: folder.path)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("broken.xsd"), text)
            XCTAssertTrue(text.contains("broken.xsd:3"), text)
        }
    }

    func testInvalidSchemaContentErrorNamesFileAndLine() throws {
        try write("bad-type.xsd", schema("urn:test:bad", element: "Bad", body: "\n<xs:element name=\"Oops\" type=\"xs:noSuchType\"/>\n"))
        XCTAssertThrowsError(try SchemaSet.compile(directory: folder.path)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("bad-type.xsd:3"), text)
            XCTAssertTrue(text.contains("noSuchType"), text)
        }
    }

    func testNetworkImportIsNeverFetched() throws {
        // The import points at a loopback port nothing listens on; with the network closed to
        // libxml2 the import is skipped and the reference to its type fails to resolve.
        let body = """
        <xs:import namespace="urn:test:remote" schemaLocation="http://127.0.0.1:9/remote.xsd"/>
        <xs:element name="Uses" xmlns:r="urn:test:remote" type="r:RemoteType"/>

        """
        try write("local.xsd", schema("urn:test:local", element: "Local", body: body))
        let (outcome, seconds) = timed { Result { try SchemaSet.compile(directory: folder.path) } }
        XCTAssertLessThan(seconds, 2)
        guard case let .failure(error) = outcome else { return XCTFail("compiled despite a missing import") }
        XCTAssertTrue(String(describing: error).contains("local.xsd"), String(describing: error))
    }

    func testEmptyOrMissingFolderRefused() {
        XCTAssertThrowsError(try SchemaSet.compile(directory: folder.path)) { error in
            XCTAssertTrue(String(describing: error).contains("no *.xsd"), String(describing: error))
        }
        XCTAssertThrowsError(try SchemaSet.compile(directory: folder.appendingPathComponent("missing").path))
    }

    func testNonSchemaXSDFileRefused() throws {
        try write("fake.xsd", "<notASchema/>")
        XCTAssertThrowsError(try SchemaSet.compile(directory: folder.path)) { error in
            XCTAssertTrue(String(describing: error).contains("fake.xsd"))
        }
    }
}

final class SchemaImportTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("xmlcheck-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, namespace: String, body: String) throws {
        let text = """
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="\(namespace)" elementFormDefault="qualified">
        \(body)
        <xs:element name="E" type="xs:string"/>
        </xs:schema>
        """
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    /// libxml2 only warns about an import it could not find and compiles the rest; references
    /// into that namespace would then fail at validation time, per document.
    func testAnImportOfAMissingNamespaceFailsNamingIt() throws {
        try write("a.xsd", namespace: "urn:test:a", body: #"<xs:import namespace="urn:test:missing" schemaLocation="missing.xsd"/>"#)
        XCTAssertThrowsError(try SchemaSet.compile(directory: folder.path)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("urn:test:missing"), text)
            XCTAssertTrue(text.contains("a.xsd"), text)
        }
    }

    /// An import whose file is elsewhere is fine when the folder provides the namespace.
    func testAnImportOfANamespaceTheSetHasIsFine() throws {
        try write("a.xsd", namespace: "urn:test:a", body: #"<xs:import namespace="urn:test:b" schemaLocation="elsewhere/b.xsd"/>"#)
        try write("b.xsd", namespace: "urn:test:b", body: "")
        let set = try SchemaSet.compile(directory: folder.path)
        XCTAssertEqual(set.namespaces, ["urn:test:a", "urn:test:b"])
    }
}
