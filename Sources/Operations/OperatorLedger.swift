import DropbridgeCore
import Foundation
import Glibc
import Ledger

/// The ledger opened for a command that changes it (`retry`, `release`, `pause`, …). Only the
/// ledger's owner may: SQLite would create a missing `-wal`/`-shm` as the caller, and a
/// root-owned one locks the daemon out of its own ledger.
package enum OperatorLedger {
    package enum OpenError: Error, CustomStringConvertible {
        case missing(String)
        case otherOwner(path: String, owner: UInt32, caller: UInt32)
        case unusable(String, String)

        package var description: String {
            switch self {
            case .missing(let path): "no ledger at \(path): dropbridge has not run with this root yet"
            case .otherOwner(let path, let owner, let caller):
                "\(path) belongs to uid \(owner), this command runs as uid \(caller): run it as dropbridge's user (e.g. `sudo -u \(Self.userName(owner)) dropbridge …`) so that no file of the ledger gets another owner"
            case .unusable(let path, let reason): "cannot open the ledger \(path): \(reason)"
            }
        }

        static func userName(_ uid: UInt32) -> String {
            guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "#\(uid)" }
            return String(cString: name)
        }
    }

    package static func open(_ config: BridgeConfig) throws -> Ledger {
        let path = StatusReporter.ledgerPath(config)
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == EACCES, stat(config.state.directory, &info) == 0, info.st_uid != geteuid() {
                // `.dropbridge/` is its owner's alone (0700): the same answer as for its ledger.
                throw OpenError.otherOwner(path: config.state.directory, owner: info.st_uid, caller: geteuid())
            }
            guard errno == ENOENT else { throw OpenError.unusable(path, String(cString: strerror(errno))) }
            // No ledger yet: created only in a state directory of the caller's own.
            guard stat(config.state.directory, &info) == 0 else { throw OpenError.missing(path) }
        }
        guard info.st_uid == geteuid() else {
            throw OpenError.otherOwner(path: path, owner: info.st_uid, caller: geteuid())
        }
        do {
            return try Ledger(path: path)
        } catch {
            throw OpenError.unusable(path, "\(error)")
        }
    }

    /// The name recorded with an operator request.
    package static func callerName() -> String {
        OpenError.userName(geteuid())
    }
}
