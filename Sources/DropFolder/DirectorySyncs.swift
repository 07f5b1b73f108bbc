import Glibc
import SystemPackage

/// The shell of `DirectorySyncState`: every directory fsync of the file layer goes through
/// here, so that drops filed, claimed or receipted together share their folder fsyncs instead
/// of queueing one per file. Each caller still returns only after an fsync that started after
/// its own rename has finished: nothing is reported durable earlier than before.
///
/// The callers are blocking-I/O threads, so it blocks: a pthread mutex and condition variable.
final class DirectorySyncs: @unchecked Sendable {  // state guarded by `mutex`
    static let shared = DirectorySyncs()

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var state = DirectorySyncState()

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// fsync of the directory `fd` (at `path`), shared with other callers of the same path.
    func sync(_ fd: FileDescriptor, path: String) throws {
        pthread_mutex_lock(mutex)
        let needed = state.arrive(path)
        defer {
            state.leave(path, needed: needed)
            pthread_mutex_unlock(mutex)
        }
        while true {
            switch state.next(path, needed: needed) {
            case .done(let error):
                if let error { throw DurableFileError.io(operation: "fsync", path: path, errno: Errno(rawValue: error)) }
                return
            case .sync(let generation):
                pthread_mutex_unlock(mutex)
                SyncCounter.shared.directorySynced()
                let error: Int32? = fsync(fd.rawValue) == 0 ? nil : errno
                pthread_mutex_lock(mutex)
                state.finish(path, generation: generation, errno: error)
                pthread_cond_broadcast(condition)
            case .wait:
                pthread_cond_wait(condition, mutex)
            }
        }
    }
}
