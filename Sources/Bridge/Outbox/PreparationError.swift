import DropbridgeCore
import SystemPackage

/// Why a claimed drop could not be prepared: refused for good (the drop goes to `failed/`), or
/// local trouble that passes (no file descriptors or memory left, a full disk, an I/O error):
/// the drop stays claimed and is tried again with backoff, like network trouble.
public enum PreparationError: Error, Sendable, Equatable {
    /// `channel`: the sidecar's channel when it was read before the refusal (so an Altinn drop
    /// refused for its recipients is recorded and counted as Altinn's); nil = the default, NHN.
    case refused(DropFailure, channel: String? = nil)
    case transient(reason: String)
}

/// Local errors that say nothing about the drop, only about the machine right now.
public enum LocalTrouble {
    static let transientErrnos: Set<Errno> = [
        .tooManyOpenFiles, .tooManyOpenFilesInSystem, .noMemory, .ioError, .noSpace,
        .interrupted, .resourceTemporarilyUnavailable, .noBufferSpace,
    ]

    /// Whether `error` is worth retrying later rather than a reason to refuse the drop.
    public static func isTransient(_ error: Errno) -> Bool { transientErrnos.contains(error) }
}
