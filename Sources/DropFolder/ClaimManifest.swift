import DropbridgeCore
import Foundation

/// `<work>/<claimId>/.claim`: what a claim holds, written before the first file moves so that a
/// crash at any point can be finished or undone. Names are hex because they may not be UTF-8.
struct ClaimManifest: Codable, Sendable, Equatable {
    struct File: Codable, Sendable, Equatable {
        var kind: String
        /// The entry name in the outbox, hex-encoded.
        var original: String
    }

    struct Release: Codable, Sendable, Equatable {
        var directory: String
        var name: String
    }

    static let fileName = ".claim"

    /// NAME, hex-encoded.
    var name: String
    /// In claim order: document first, sidecar last.
    var files: [File]
    /// Set once a release has chosen its final name, so a release finished after a crash uses
    /// the same name for every file.
    var release: Release?

    var dropName: DropName { DropName(bytes: Self.unhex(name)) }

    func kind(of file: File) -> DropFileKind? { DropFileKind(rawValue: file.kind) }

    func originalName(of file: File) -> [UInt8] { Self.unhex(file.original) }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    static func decode(_ bytes: [UInt8]) throws -> ClaimManifest {
        try JSONDecoder().decode(ClaimManifest.self, from: Data(bytes))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }

    static func unhex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8?
        for char in text.utf8 {
            let nibble: UInt8
            switch char {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = char - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = char - UInt8(ascii: "A") + 10
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = char - UInt8(ascii: "a") + 10
            default: continue
            }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}

extension DropFileKind {
    /// The file's name inside a claim directory: plain ASCII whatever NAME is, so readers need no
    /// byte-path handling.
    package var claimedFileName: String {
        switch self {
        case .document: "document.xml"
        case .gzDocument: "document.xml.gz"
        case .sidecar: "sidecar.json"
        case .appRec: "apprec.json"
        }
    }
}
