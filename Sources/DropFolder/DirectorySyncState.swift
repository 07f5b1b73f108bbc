/// Group fsync of directories, as a plain value: callers that need the same directory synced
/// at about the same time share one fsync. A caller arrives after its rename, so any fsync of
/// that directory *started* after its arrival covers it: it needs generation `started + 1`.
/// Fsyncs of one directory run one at a time; whoever finds none running starts the next one
/// (covering everyone who arrived before it started) and the others wait for it.
///
/// Driven by `DirectorySyncs` (a lock and a condition variable).
struct DirectorySyncState {
    struct Folder: Equatable {
        /// The last fsync generation started, and the last one finished.
        var started = 0
        var finished = 0
        var running = false
        /// Callers still to return, by the generation that covers them.
        var waiting: [Int: Int] = [:]
        /// The errno of failed generations that callers still waiting need.
        var failures: [Int: Int32] = [:]
    }

    enum Next: Equatable {
        /// Covered: return (or throw the covering fsync's error).
        case done(errno: Int32?)
        /// Run fsync generation `generation` now, then `finish` it.
        case sync(generation: Int)
        /// Another caller's fsync is running; wait for it to finish, then ask again.
        case wait
    }

    private(set) var folders: [String: Folder] = [:]

    /// A caller whose rename (or write) in `path` is done; returns the generation it needs.
    mutating func arrive(_ path: String) -> Int {
        var folder = folders[path] ?? Folder()
        let needed = folder.started + 1
        folder.waiting[needed, default: 0] += 1
        folders[path] = folder
        return needed
    }

    mutating func next(_ path: String, needed: Int) -> Next {
        guard var folder = folders[path] else { return .done(errno: nil) }
        if folder.finished >= needed { return .done(errno: folder.failures[needed]) }
        if folder.running { return .wait }
        folder.running = true
        folder.started += 1
        folders[path] = folder
        return .sync(generation: folder.started)
    }

    mutating func finish(_ path: String, generation: Int, errno: Int32?) {
        guard var folder = folders[path] else { return }
        folder.running = false
        folder.finished = generation
        if let errno, folder.waiting[generation] != nil { folder.failures[generation] = errno }
        folders[path] = folder
    }

    /// The caller returns; a directory nobody waits for is forgotten (memory stays bounded).
    mutating func leave(_ path: String, needed: Int) {
        guard var folder = folders[path] else { return }
        let left = (folder.waiting[needed] ?? 1) - 1
        if left > 0 {
            folder.waiting[needed] = left
        } else {
            folder.waiting[needed] = nil
            folder.failures[needed] = nil
        }
        folders[path] = folder.waiting.isEmpty && !folder.running ? nil : folder
    }
}
