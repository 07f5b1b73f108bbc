import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

/// Errors are collected per call, so documents checked at the same time never see each
/// other's diagnostics.
final class ConcurrencyTests: XCTestCase {
    private enum Expectation: Sendable {
        case valid(msgId: String)
        case invalidElement(String)
        case notWellFormed(line: Int)
    }

    private static func document(_ index: Int) -> (bytes: [UInt8], expectation: Expectation) {
        switch index % 3 {
        case 0:
            return (utf8(msgHead(msgId: "ok-\(index)")), .valid(msgId: "ok-\(index)"))
        case 1:
            let element = "Unexpected\(index)"
            return (utf8(msgHead(msgId: "bad-\(index)", infoExtra: "    <\(element)/>\n")), .invalidElement(element))
        default:
            let padding = String(repeating: "\n", count: index % 17)
            return (utf8("<a>\(padding)<b></a>"), .notWellFormed(line: 1 + index % 17))
        }
    }

    func testConcurrentChecksKeepTheirOwnErrors() async throws {
        let validator = strictValidator
        let mismatches = await withTaskGroup(of: [String].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var problems: [String] = []
                    for round in 0..<30 {
                        let index = worker * 30 + round
                        let (bytes, expectation) = Self.document(index)
                        let result = validator.check(bytes)
                        switch expectation {
                        case let .valid(msgId):
                            if result.failure != nil || result.document?.msgHead?.msgId != msgId {
                                problems.append("\(index): expected valid \(msgId), got \(String(describing: result.failure))")
                            }
                        case let .invalidElement(name):
                            let errors = result.failure?.errors ?? []
                            if errors.isEmpty || !errors.allSatisfy({ $0.message.contains(name) }) {
                                problems.append("\(index): expected errors about \(name), got \(errors)")
                            }
                        case let .notWellFormed(line):
                            let errors = result.failure?.errors ?? []
                            if errors.isEmpty || errors.contains(where: { $0.line != line }) {
                                problems.append("\(index): expected line \(line), got \(errors)")
                            }
                        }
                    }
                    return problems
                }
            }
            var all: [String] = []
            for await problems in group { all += problems }
            return all
        }
        XCTAssertEqual(mismatches, [], mismatches.prefix(5).joined(separator: "\n"))
    }
}
