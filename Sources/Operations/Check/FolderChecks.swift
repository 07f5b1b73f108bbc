import CLinuxSys
import DropbridgeCore
import Foundation
import Glibc

/// The local half of `check`: folders, lock, free space, inotify. Reads metadata only; creates
/// nothing (a missing folder is one `run` creates, if its parent lets it).
enum FolderChecks {
    static func all(_ config: BridgeConfig) -> [CheckLine] {
        folders(config) + [lock(config), freeSpace(config), inotify(config)]
    }

    struct Seen {
        var path: String
        var info: stat
        var exists: Bool
    }

    /// The folder, or (missing) its nearest existing parent, which decides the filesystem.
    static func look(_ path: String) -> Seen? {
        var info = stat()
        if stat(path, &info) == 0 { return Seen(path: path, info: info, exists: true) }
        var parent = (path as NSString).deletingLastPathComponent
        while !parent.isEmpty {
            if stat(parent, &info) == 0 { return Seen(path: parent, info: info, exists: false) }
            if parent == "/" { break }
            parent = (parent as NSString).deletingLastPathComponent
        }
        return nil
    }

    static func folders(_ config: BridgeConfig) -> [CheckLine] {
        var lines: [CheckLine] = []
        if geteuid() == 0 {
            lines.append(.ok("user", "checking as root, to whom every folder is writable: run check as dropbridge's user (sudo -u dropbridge) for its view"))
        }
        let all = config.folders.all + [("state", config.stateDirectory)]
        var devices: [(String, dev_t)] = []
        var groups: Set<gid_t> = []
        for (key, path) in all {
            guard let seen = look(path) else {
                lines.append(.fail("folder \(key)", "\(path): no parent folder exists"))
                continue
            }
            devices.append((key, seen.info.st_dev))
            guard seen.exists else {
                let writable = access(seen.path, W_OK) == 0
                lines.append(writable
                    ? .ok("folder \(key)", "\(path) missing; `run` creates it (in \(seen.path))")
                    : .fail("folder \(key)", "\(path) missing and \(seen.path) is not writable: create it (README, Installing)"))
                continue
            }
            guard seen.info.st_mode & S_IFMT == S_IFDIR else {
                lines.append(.fail("folder \(key)", "\(path) is not a folder"))
                continue
            }
            let mode = seen.info.st_mode & 0o7777
            let owner = "\(userName(seen.info.st_uid)):\(groupName(seen.info.st_gid)) \(String(mode, radix: 8))"
            if key != "state" { groups.insert(seen.info.st_gid) }
            if access(path, W_OK | X_OK) != 0 {
                lines.append(.fail("folder \(key)", "\(path) (\(owner)) is not writable by \(userName(geteuid())): \(String(cString: strerror(errno)))"))
            } else if key == "outbox" && mode & 0o020 == 0 {
                lines.append(.fail("folder \(key)", "\(path) (\(owner)) is not group-writable: the producers cannot drop files (chmod 2770)"))
            } else if key == "state" && mode & 0o077 != 0 {
                lines.append(.fail("folder \(key)", "\(path) (\(owner)) is open to others: it holds patient metadata (chmod 0700)"))
            } else if key != "state" && mode & 0o2000 == 0 {
                lines.append(.fail("folder \(key)", "\(path) (\(owner)) is not setgid: files written there would not get the folder's group (chmod g+s)"))
            } else {
                lines.append(.ok("folder \(key)", "\(path) (\(owner))"))
            }
        }
        if let first = devices.first, let other = devices.first(where: { $0.1 != first.1 }) {
            lines.append(.fail("one filesystem", "\(first.0) and \(other.0) are on different filesystems: moves between them would not be atomic"))
        } else {
            lines.append(.ok("one filesystem", "all folders and .dropbridge/ on one filesystem"))
        }
        if groups.count > 1 {
            lines.append(.fail("folder groups", "the folders have different groups (\(groups.map(groupName).sorted().joined(separator: ", "))): producers need one group"))
        }
        return lines
    }

    static func lock(_ config: BridgeConfig) -> CheckLine {
        let path = config.stateDirectory + "/lock"
        let probe = LockProbe.probe(path)
        switch probe.holder {
        case .running: return .ok("lock", "\(path) is held by a running dropbridge (a second `run` would exit 69)")
        case .stopped: return .ok("lock", "\(path) is free\(probe.detail.map { " (\($0))" } ?? "")")
        case .unknown: return .fail("lock", probe.detail ?? "\(path) cannot be probed")
        }
    }

    static func freeSpace(_ config: BridgeConfig) -> CheckLine {
        guard let seen = look(config.root) else { return .fail("free space", "\(config.root) does not exist") }
        var info = statvfs()
        guard statvfs(seen.path, &info) == 0 else { return .fail("free space", "statvfs \(seen.path): \(String(cString: strerror(errno)))") }
        let available = Double(info.f_bavail) * Double(info.f_frsize)
        let total = Double(info.f_blocks) * Double(info.f_frsize)
        // Room for two of the largest drops (the work area and sent/ hold a copy each), and 1 %.
        let needed = max(2 * Double(config.outbox.maxBytes), total * 0.01)
        let text = "\(megabytes(available)) MB free of \(megabytes(total)) MB on \(seen.path)"
        return available >= needed ? .ok("free space", text) : .fail("free space", text + "; needs at least \(megabytes(needed)) MB")
    }

    static func inotify(_ config: BridgeConfig) -> CheckLine {
        if config.outbox.inotify == .off {
            return .ok("inotify", "off (outbox.inotify): polling every \(config.outbox.rescanSeconds) s")
        }
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            return config.outbox.inotify == .on
                ? .fail("inotify", "inotify_init1: \(reason), and outbox.inotify is on")
                : .ok("inotify", "unavailable (\(reason)): polling every \(config.outbox.rescanSeconds) s")
        }
        defer { close(fd) }
        var info = statfs()
        let remote = statfs(config.folders.outbox, &info) == 0 && [0x6969, 0xFF53_4D42, 0xFE53_4D42, 0x517B].contains(Int(info.f_type))
        if access(config.folders.outbox, F_OK) != 0 { return .ok("inotify", "available (the outbox does not exist yet)") }
        guard inotify_add_watch(fd, config.folders.outbox, UInt32(IN_MOVED_TO | IN_CLOSE_WRITE)) >= 0 else {
            let reason = String(cString: strerror(errno))
            return config.outbox.inotify == .on
                ? .fail("inotify", "cannot watch \(config.folders.outbox): \(reason)")
                : .ok("inotify", "cannot watch \(config.folders.outbox) (\(reason)): polling every \(config.outbox.rescanSeconds) s")
        }
        if remote {
            return .ok("inotify", "watching \(config.folders.outbox), but it is a network filesystem (NFS/SMB): changes made on other hosts are seen only by the rescan every \(config.outbox.rescanSeconds) s; consider outbox.inotify: off")
        }
        return .ok("inotify", "watching \(config.folders.outbox); rescan every \(config.outbox.rescanSeconds) s")
    }

    static func megabytes(_ bytes: Double) -> Int { Int(bytes / 1_000_000) }

    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "\(uid)" }
        return String(cString: name)
    }

    static func groupName(_ gid: gid_t) -> String {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return "\(gid)" }
        return String(cString: name)
    }
}
