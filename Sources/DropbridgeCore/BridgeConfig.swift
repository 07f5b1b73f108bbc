/// The whole configuration (contract §3) with its defaults. Loading and checking it is the
/// `Bridge` module's job (`ConfigLoader`); this is only the shape.
package struct BridgeConfig: Sendable, Equatable {
    package var root: String
    package var folders: Folders
    /// Mode of every file dropbridge writes.
    package var fileMode: UInt32
    /// Mode of the folders dropbridge creates (existing ones are left as they are); `outbox/`
    /// gets group write on top (`outboxFolderMode`). Setgid by default, so files made in them
    /// get the folder's group.
    package var folderMode: UInt32
    package var outbox: Outbox
    package var schemas: Schemas
    package var nhn: NHN
    package var helseID: HelseID
    package var altinn: Altinn
    /// `HOST:PORT` of the listener for `/metrics`, `/livez`, `/readyz` and the status page
    /// `/`; empty = off.
    package var metricsListen: String
    package var memory: Memory
    package var ledger: LedgerRetention
    package var alerts: Alerts

    package init(root: String) {
        self.root = root
        folders = Folders(root: root)
        fileMode = 0o640
        folderMode = 0o2750
        outbox = Outbox()
        schemas = Schemas()
        nhn = NHN()
        helseID = HelseID()
        altinn = Altinn()
        metricsListen = "127.0.0.1:9464"
        memory = Memory()
        ledger = LedgerRetention()
        alerts = Alerts()
    }

    /// How long the ledger keeps finished drops (extension).
    package struct LedgerRetention: Sendable, Equatable {
        /// Finished drops filed longer ago than this are pruned in the background. Their NAMEs
        /// stay taken while their files are in `sent/`, `failed/` or `receipts/`.
        package var keepDays: Int = 400
        package init() {}
    }

    /// When work counts as stuck or the bridge as not ready (extension; 0 turns a check off).
    package struct Alerts: Sendable, Equatable {
        /// A drop claimed (or retrying) longer than this without an answer.
        package var stuckSeconds: Double = 900
        /// A file waiting in `inbox/` longer than this: the EPJ may have stopped importing.
        package var inboxSeconds: Double = 3600
        /// No notification for this long while the stream says it is connected.
        package var silentStreamSeconds: Double = 21600
        /// NHN (or Altinn) without any answer for longer than this.
        package var unreachableSeconds: Double = 300
        /// Free bytes on the root's filesystem below which the disk counts as nearly full; while
        /// it is, received messages wait at NHN (nothing is marked downloaded).
        package var minFreeBytes: Int = 200_000_000
        package init() {}

        /// The threshold that applies on a filesystem of `filesystemBytes`: `minFreeBytes`, but
        /// never more than 5 % of a small filesystem (else it would count as full when empty).
        package static func minFreeBytes(_ configured: Int, filesystemBytes: Int64) -> Int64 {
            min(Int64(configured), max(0, filesystemBytes / 20))
        }
    }

    /// How much memory documents may take (extension).
    package struct Memory: Sendable, Equatable {
        /// Bytes of documents (with their encoded copies) held in memory at once, outbound and
        /// inbound together; a document larger than this is handled alone.
        package var inFlightBytes: Int = 256 * 1024 * 1024
        package init() {}
    }

    /// `folderMode` plus group write: the producers' group drops files into `outbox/`.
    package var outboxFolderMode: UInt32 { folderMode | 0o020 }

    /// Private working state: claimed work, temp files, the ledger.
    package var stateDirectory: String { root + "/.dropbridge" }

    package struct Folders: Sendable, Equatable {
        package var outbox: String
        package var inbox: String
        package var receipts: String
        package var sent: String
        package var failed: String

        package init(root: String) {
            outbox = root + "/outbox"
            inbox = root + "/inbox"
            receipts = root + "/receipts"
            sent = root + "/sent"
            failed = root + "/failed"
        }

        package var all: [(key: String, path: String)] {
            [("outbox", outbox), ("inbox", inbox), ("receipts", receipts), ("sent", sent), ("failed", failed)]
        }
    }

    package enum SidecarPolicy: String, Sendable, Equatable, CaseIterable {
        case required
        case optional
    }

    package enum InotifyMode: String, Sendable, Equatable, CaseIterable {
        case auto
        case on
        case off
    }

    package struct Outbox: Sendable, Equatable {
        package var sidecar: SidecarPolicy = .required
        package var settleMilliseconds: Int = 500
        package var orphanSeconds: Double = 300
        package var rescanSeconds: Double = 30
        package var inotify: InotifyMode = .auto
        package var maxBytes: Int = 35_000_000
        package init() {}
    }

    package struct Schemas: Sendable, Equatable {
        package var directory: String = "/etc/dropbridge/schemas"
        package var require: Bool = true
        package init() {}
    }

    package enum ReceiveMode: String, Sendable, Equatable, CaseIterable {
        case stream
        case poll
        case off
    }

    package struct NHN: Sendable, Equatable {
        package var enabled: Bool = true
        package var baseURL: String = "https://api.tjener.test.melding.nhn.no"
        package var sourceSystem: String = "dropbridge 1.0"
        package var applicationName: String = "dropbridge"
        package var applicationVersion: String = "1.0"
        package var senderHerId: Int?
        package var herIds: [Int] = []
        package var receive: ReceiveMode = .stream
        package var pollSeconds: Double = 30
        package var autoAppRec: Bool = false
        /// Seconds before a request without an answer is abandoned (and retried).
        package var requestTimeoutSeconds: Double = 60
        /// Cap of the exponential backoff between attempts of one drop.
        package var maxBackoffSeconds: Double = 300
        /// The notification stream is given up and reopened after this long without any event
        /// or heartbeat (extension).
        package var streamIdleSeconds: Double = 120
        /// How long a drop whose `POST /messages` may have arrived (a crash or a lost answer)
        /// waits for a notification proving it before it is sent again (extension).
        package var uncertainSeconds: Double = 60
        package init() {}
    }

    package struct HelseID: Sendable, Equatable {
        package var enabled: Bool = true
        package var tokenEndpoint: String = "https://helseid-sts.test.nhn.no/connect/token"
        package var issuer: String?
        package var clientId: String = ""
        package var privateKeyFile: String = "/etc/dropbridge/helseid.jwk"
        /// Replaces the key file's `kid` (extension; for PEM keys registered under another id).
        package var keyId: String?
        package var scope: String = "nhn:msh/api"
        package init() {}

        /// The client assertion's `aud`: `issuer`, or the token endpoint without its path.
        package var effectiveIssuer: String {
            if let issuer, !issuer.isEmpty { return issuer }
            let parts = tokenEndpoint.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            // "https:", "", "host:port", "path…"
            guard parts.count >= 3, parts[0].hasSuffix(":"), parts[1].isEmpty else { return tokenEndpoint }
            let host = parts[2].prefix { $0 != "?" && $0 != "#" }
            return "\(parts[0])//\(host)"
        }
    }

    package struct Altinn: Sendable, Equatable {
        package var enabled: Bool = false
        package var baseURL: String = "https://platform.tt02.altinn.no"
        package var resourceId: String = ""
        /// The longest wait between two status polls of one correspondence (extension).
        package var maxPollSeconds: Double = 300
        /// How many recipients of one drop are uploaded at once (extension, 1–16). Each upload
        /// streams the same claimed file; the uploads beyond the first reserve their buffers in
        /// `memory.inFlightBytes` and wait for one to finish when it is full.
        package var parallelUploads: Int = 4
        package var maskinporten = Maskinporten()
        package init() {}

        package struct Maskinporten: Sendable, Equatable {
            package var tokenEndpoint: String = "https://test.maskinporten.no/token"
            package var audience: String = "https://test.maskinporten.no/"
            package var clientId: String = ""
            package var privateKeyFile: String = "/etc/dropbridge/maskinporten.jwk"
            /// Replaces the key file's `kid` (extension; Maskinporten finds keys by `kid`).
            package var keyId: String?
            package var scope: String = "altinn:correspondence.write altinn:serviceowner"
            package init() {}
        }
    }
}
