import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

final class ValidDocumentTests: XCTestCase {
    func testValidSamplesPassAgainstProjectSchemas() throws {
        let expected: [(String, Int)] = [
            ("01-dialog-helsefaglig.xml", 8094866), ("02-dialog-foresporsel.xml", 8143025),
            ("03-dialog-latin1-tromso.xml", 8094866), ("04-dialog-with-attachment.xml", 8143060),
        ]
        for (name, receiver) in expected {
            let result = strictValidator.check(try sampleBytes(name))
            XCTAssertNil(result.failure, "\(name): \(String(describing: result.failure))")
            let head = try XCTUnwrap(result.document?.msgHead, name)
            XCTAssertEqual(head.senderHerId, 8143060, name)
            XCTAssertEqual(head.receiverHerId, receiver, name)
            XCTAssertEqual(head.messageType, "DIALOG_HELSEFAGLIG", name)
            XCTAssertEqual(result.document?.rootName, "MsgHead")
            XCTAssertEqual(result.document?.rootNamespace, KITHNamespace.msgHead)
        }
    }

    func testMsgHeadFieldsExtracted() throws {
        let result = strictValidator.check(try sampleBytes("01-dialog-helsefaglig.xml"))
        let head = try XCTUnwrap(result.document?.msgHead)
        XCTAssertEqual(head.msgId, "6f1b2c3d-0001-4a00-9000-000000000001")
        XCTAssertEqual(head.genDate, "2026-01-15T09:30:00")
        XCTAssertNil(result.document?.appRec)
        XCTAssertNil(result.document?.originalEncoding)
    }

    func testInnermostHerIdsThroughNestedOrganisationAndProfessionalWithLeadingSpace() throws {
        // Top level HER, then a nested organisation with ENH before HER, then a professional
        // whose TypeId says " HER" (leading space, seen in real messages).
        let sender = """
            <Sender><Organisation><OrganisationName>Toppnivå</OrganisationName>
              <Ident><Id>7000001</Id><TypeId V="HER"/></Ident>
              <Organisation><OrganisationName>Avdeling</OrganisationName>
                <Ident><Id>999888777</Id><TypeId V="ENH"/></Ident>
                <Ident><Id>8143060</Id><TypeId V=" HER" S="2.16.578.1.12.4.1.1.9051"/></Ident>
              </Organisation>
            </Organisation></Sender>
        """
        let receiver = """
            <Receiver><Organisation><OrganisationName>Sykehus</OrganisationName>
              <Ident><Id>7000002</Id><TypeId V="HER"/></Ident>
              <Organisation><OrganisationName>Klinikk</OrganisationName>
                <Ident><Id>7000003</Id><TypeId V="HER"/></Ident>
                <HealthcareProfessional><FamilyName>Fiktiv</FamilyName>
                  <Ident><Id>1234567</Id><TypeId V="HPR"/></Ident>
                  <Ident><Id>8094866</Id><TypeId V=" HER "/></Ident>
                </HealthcareProfessional>
              </Organisation>
            </Organisation></Receiver>
        """
        let result = strictValidator.check(utf8(msgHead(msgId: "  spaced-id  ", sender: sender, receiver: receiver)))
        XCTAssertNil(result.failure, String(describing: result.failure))
        let head = try XCTUnwrap(result.document?.msgHead)
        XCTAssertEqual(head.senderHerId, 8143060)
        XCTAssertEqual(head.receiverHerId, 8094866)
        XCTAssertEqual(head.msgId, "spaced-id")
    }

    func testHerIdsMatchByNamespaceNotPrefix() throws {
        let text = msgHead()
            .replacingOccurrences(of: #"<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">"#,
                                  with: #"<mh:MsgHead xmlns:mh="http://www.kith.no/xmlstds/msghead/2006-05-24">"#)
            .replacingOccurrences(of: "</MsgHead>", with: "</mh:MsgHead>")
        // Children keep no prefix, so they are in no namespace: the extractor must not find them.
        let result = XMLValidator(schemas: nil, requireSchema: false).check(utf8(text))
        XCTAssertNil(result.failure)
        XCTAssertNotNil(result.document?.msgHead)
        XCTAssertNil(result.document?.msgHead?.msgId)
        XCTAssertNil(result.document?.msgHead?.senderHerId)
    }

    func testAppRecExtraction() throws {
        let text = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ar:AppRec xmlns:ar="http://www.kith.no/xmlstds/apprec/2012-02-15">
          <ar:MsgType V="APPREC"/>
          <ar:MIGversion>v1.1 2012-02-15</ar:MIGversion>
          <ar:GenDate>2026-01-15T12:00:00</ar:GenDate>
          <ar:Id>apprec-0001</ar:Id>
          <ar:Sender><ar:Role V="PRIM"/><ar:HCP><ar:Inst><ar:Name>Fiktiv</ar:Name><ar:Id>8094866</ar:Id><ar:TypeId V="HER"/></ar:Inst></ar:HCP></ar:Sender>
          <ar:Receiver><ar:Role V="AVS"/><ar:HCP><ar:Inst><ar:Id>8143060</ar:Id><ar:TypeId V="HER"/></ar:Inst></ar:HCP></ar:Receiver>
          <ar:Status V="2" DN="Avvist"/>
          <ar:Error V="E21" DN="Mottaker finnes ikke"/>
          <ar:Error V=" T02 "/>
          <ar:OriginalMsgId>
            <ar:MsgType V="DIALOG_HELSEFAGLIG"/>
            <ar:IssueDate>2026-01-15T09:30:00</ar:IssueDate>
            <ar:Id>6f1b2c3d-0001-4a00-9000-000000000001</ar:Id>
          </ar:OriginalMsgId>
        </ar:AppRec>
        """
        let result = strictValidator.check(utf8(text))
        XCTAssertNil(result.failure, String(describing: result.failure))
        let appRec = try XCTUnwrap(result.document?.appRec)
        XCTAssertEqual(appRec, AppRecInfo(
            id: "apprec-0001", originalMsgId: "6f1b2c3d-0001-4a00-9000-000000000001", status: "2",
            errorCodes: ["E21", "T02"]))
        XCTAssertNil(result.document?.msgHead)
    }

    func testAppRec10IsExtractedWithoutSchemaWhenNotRequired() throws {
        let text = """
        <AppRec xmlns="http://www.kith.no/xmlstds/apprec/2004-11-21"><Id>r-10</Id><Status V="73"/>
        <OriginalMsgId><Id>m-10</Id></OriginalMsgId></AppRec>
        """
        let result = XMLValidator(schemas: projectSchemas, requireSchema: false).check(utf8(text))
        XCTAssertNil(result.failure)
        XCTAssertEqual(result.document?.appRec, AppRecInfo(id: "r-10", originalMsgId: "m-10", status: "73"))
        // The same document is refused when a schema is required: 1.0 is not in the project set.
        let strict = strictValidator.check(utf8(text))
        XCTAssertEqual(strict.failure?.stage, .validation)
        XCTAssertTrue(strict.failure?.reason.contains(KITHNamespace.appRec10) ?? false)
    }

    /// NHN wants UTF-8 that declares it: the BOM goes and a declaration comes, nothing else changes.
    func testUTF8WithBOMAndWithoutDeclarationGetsADeclarationInsteadOfTheBOM() throws {
        let body = msgHead(declaration: "<!-- ingen deklarasjon -->")
        let result = strictValidator.check([0xEF, 0xBB, 0xBF] + utf8(body))
        XCTAssertNil(result.failure, String(describing: result.failure))
        XCTAssertEqual(result.document?.utf8, utf8(#"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + body))
        XCTAssertNil(result.document?.originalEncoding)
    }

    func testWellFormednessOnlyWithoutSchemas() throws {
        let validator = XMLValidator(schemas: nil, requireSchema: false)
        let result = validator.check(utf8(#"<x:Anything xmlns:x="urn:example:whatever"><b/></x:Anything>"#))
        XCTAssertNil(result.failure)
        XCTAssertEqual(result.document?.rootName, "Anything")
        XCTAssertEqual(result.document?.rootNamespace, "urn:example:whatever")
        XCTAssertTrue(WellFormedness.errors(in: utf8("<a><b/></a>")).isEmpty)
        XCTAssertFalse(WellFormedness.errors(in: utf8("<a><b></a>")).isEmpty)
    }
}
