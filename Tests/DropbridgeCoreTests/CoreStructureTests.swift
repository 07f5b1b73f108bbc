import DropbridgeCore
import XCTest

/// The single places the contract's shapes come from: the JSON of every contract file, the
/// state directory's layout, the folder settings and the claim ranking.
final class CoreStructureTests: XCTestCase {
    private struct Sample: Encodable {
        var path = "receipts/unmatched/x.json"
        var count = 1
        var absent: Int?
    }

    func testContractJSONIsSortedPrettyUnescapedAndEndsInANewline() throws {
        let text = String(decoding: try ContractJSON.encode(Sample()), as: UTF8.self)
        XCTAssertEqual(text, "{\n  \"count\" : 1,\n  \"path\" : \"receipts/unmatched/x.json\"\n}\n")
    }

    func testTheStateLayoutNamesEveryPartUnderTheStateDirectory() {
        let state = BridgeConfig(root: "/srv/drop").state
        XCTAssertEqual(state.directory, "/srv/drop/.dropbridge")
        XCTAssertEqual(state.temporary, "/srv/drop/.dropbridge/tmp")
        XCTAssertEqual(state.work, "/srv/drop/.dropbridge/work")
        XCTAssertEqual(state.ledger, "/srv/drop/.dropbridge/ledger.sqlite")
        XCTAssertEqual(state.lock, "/srv/drop/.dropbridge/lock")
    }

    func testFolderSettingsCarryTheConfiguredModesAndAGroupWritableOutbox() {
        var config = BridgeConfig(root: "/srv/drop")
        config.fileMode = 0o600
        config.folderMode = 0o2700
        let settings = config.folderSettings
        XCTAssertEqual(settings.folders, config.folders)
        XCTAssertEqual(settings.state, config.state)
        XCTAssertEqual(settings.fileMode, 0o600)
        XCTAssertEqual(settings.folderMode, 0o2700)
        XCTAssertEqual(settings.outboxFolderMode, 0o2720)
    }

    func testTheClaimRankPutsTheDocumentFirstAndTheSidecarLast() {
        let ranked = DropFileKind.allCases.sorted { $0.claimRank < $1.claimRank }
        XCTAssertEqual(ranked, [.document, .gzDocument, .appRec, .sidecar])
        XCTAssertEqual(Set(DropFileKind.allCases.map(\.claimRank)).count, DropFileKind.allCases.count, "no two kinds tie")
    }
}
