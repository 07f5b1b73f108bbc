import CLinuxSys
import Glibc

/// glibc gives each thread that allocates under contention an arena of its own, up to eight per
/// core; each keeps the memory it once held. A daemon with 64 I/O threads on two cores gains
/// nothing from that but resident memory that stays after a burst: one arena per core is plenty
/// (the classic `MALLOC_ARENA_MAX=2`, which cannot be set from inside once the process runs).
package enum MallocArenas {
    /// Called first thing in `main`, before the thread pools start. `MALLOC_ARENA_MAX` in the
    /// environment wins (glibc read it at start; an operator's choice stays theirs).
    package static func limitToCores(environment: [String: String]) {
        guard environment["MALLOC_ARENA_MAX"] == nil else { return }
        let cores = Int32(clamping: sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        _ = clinuxsys_limit_malloc_arenas(max(2, cores))
    }
}
