/// The whole configuration (contract §3) with its defaults. Loading and checking it is the
/// `Bridge` module's job (`ConfigLoader`); this is only the shape.
public struct BridgeConfig: Sendable, Equatable {
    public var root: String
    public var folders: Folders
    /// Mode of every file dropbridge writes.
    public var fileMode: UInt32
    /// Mode of the folders dropbridge creates (existing ones are left as they are); `outbox/`
    /// gets group write on top (`outboxFolderMode`). Setgid by default, so files made in them
    /// get the folder's group.
    public var folderMode: UInt32
    public var outbox: Outbox
    public var schemas: Schemas
    public var nhn: NHN
    public var helseID: HelseID
    public var altinn: Altinn
    /// `HOST:PORT` of the listener for `/metrics`, `/livez`, `/readyz` and the status page
    /// `/`; empty = off.
    public var metricsListen: String
    public var memory: Memory
    public var ledger: LedgerRetention
    public var alerts: Alerts

    public init(root: String) {
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
    public struct LedgerRetention: Sendable, Equatable {
        /// Finished drops filed longer ago than this are pruned in the background. Their NAMEs
        /// stay taken while their files are in `sent/`, `failed/` or `receipts/`.
        public var keepDays: Int = 400
        public init() {}
    }

    /// When work counts as stuck or the bridge as not ready (extension; 0 turns a check off).
    public struct Alerts: Sendable, Equatable {
        /// A drop claimed (or retrying) longer than this without an answer.
        public var stuckSeconds: Double = 900
        /// A file waiting in `inbox/` longer than this: the EPJ may have stopped importing.
        public var inboxSeconds: Double = 3600
        /// No notification for this long while the stream says it is connected.
        public var silentStreamSeconds: Double = 21600
        /// NHN (or Altinn) without any answer for longer than this.
        public var unreachableSeconds: Double = 300
        /// Free bytes on the root's filesystem below which the disk counts as nearly full; while
        /// it is, received messages wait at NHN (nothing is marked downloaded).
        public var minFreeBytes: Int = 200_000_000
        public init() {}

        /// The threshold that applies on a filesystem of `filesystemBytes`: `minFreeBytes`, but
        /// never more than 5 % of a small filesystem (else it would count as full when empty).
        public static func minFreeBytes(_ configured: Int, filesystemBytes: Int64) -> Int64 {
            min(Int64(configured), max(0, filesystemBytes / 20))
        }
    }

    /// How much memory documents may take (extension).
    public struct Memory: Sendable, Equatable {
        /// Bytes of documents (with their encoded copies) held in memory at once, outbound and
        /// inbound together; a document larger than this is handled alone.
        public var inFlightBytes: Int = 256 * 1024 * 1024
        public init() {}
    }

    /// `folderMode` plus group write: the producers' group drops files into `outbox/`.
    public var outboxFolderMode: UInt32 { folderMode | 0o020 }

    /// Private working state: claimed work, temp files, the ledger.
    public var stateDirectory: String { root + "/.dropbridge" }

    public struct Folders: Sendable, Equatable {
        public var outbox: String
        public var inbox: String
        public var receipts: String
        public var sent: String
        public var failed: String

        public init(root: String) {
            outbox = root + "/outbox"
            inbox = root + "/inbox"
            receipts = root + "/receipts"
            sent = root + "/sent"
            failed = root + "/failed"
        }

        public var all: [(key: String, path: String)] {
            [("outbox", outbox), ("inbox", inbox), ("receipts", receipts), ("sent", sent), ("failed", failed)]
        }
    }

    public enum SidecarPolicy: String, Sendable, Equatable, CaseIterable {
        case required
        case optional
    }

    public enum InotifyMode: String, Sendable, Equatable, CaseIterable {
        case auto
        case on
        case off
    }

    public struct Outbox: Sendable, Equatable {
        public var sidecar: SidecarPolicy = .required
        public var settleMilliseconds: Int = 500
        public var orphanSeconds: Double = 300
        public var rescanSeconds: Double = 30
        public var inotify: InotifyMode = .auto
        public var maxBytes: Int = 35_000_000
        public init() {}
    }

    public struct Schemas: Sendable, Equatable {
        public var directory: String = "/etc/dropbridge/schemas"
        public var require: Bool = true
        public init() {}
    }

    public enum ReceiveMode: String, Sendable, Equatable, CaseIterable {
        case stream
        case poll
        case off
    }

    public struct NHN: Sendable, Equatable {
        public var enabled: Bool = true
        public var baseURL: String = "https://api.tjener.test.melding.nhn.no"
        public var sourceSystem: String = "dropbridge 1.0"
        public var applicationName: String = "dropbridge"
        public var applicationVersion: String = "1.0"
        public var senderHerId: Int?
        public var herIds: [Int] = []
        public var receive: ReceiveMode = .stream
        public var pollSeconds: Double = 30
        public var autoAppRec: Bool = false
        /// Seconds before a request without an answer is abandoned (and retried).
        public var requestTimeoutSeconds: Double = 60
        /// Cap of the exponential backoff between attempts of one drop.
        public var maxBackoffSeconds: Double = 300
        /// The notification stream is given up and reopened after this long without any event
        /// or heartbeat (extension).
        public var streamIdleSeconds: Double = 120
        /// How long a drop whose `POST /messages` may have arrived (a crash or a lost answer)
        /// waits for a notification proving it before it is sent again (extension).
        public var uncertainSeconds: Double = 60
        public init() {}
    }

    public struct HelseID: Sendable, Equatable {
        public var enabled: Bool = true
        public var tokenEndpoint: String = "https://helseid-sts.test.nhn.no/connect/token"
        public var issuer: String?
        public var clientId: String = ""
        public var privateKeyFile: String = "/etc/dropbridge/helseid.jwk"
        /// Replaces the key file's `kid` (extension; for PEM keys registered under another id).
        public var keyId: String?
        public var scope: String = "nhn:msh/api"
        public init() {}

        /// The client assertion's `aud`: `issuer`, or the token endpoint without its path.
        public var effectiveIssuer: String {
            if let issuer, !issuer.isEmpty { return issuer }
            let parts = tokenEndpoint.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            // "https:", "", "host:port", "path…"
            guard parts.count >= 3, parts[0].hasSuffix(":"), parts[1].isEmpty else { return tokenEndpoint }
            let host = parts[2].prefix { $0 != "?" && $0 != "#" }
            return "\(parts[0])//\(host)"
        }
    }

    public struct Altinn: Sendable, Equatable {
        public var enabled: Bool = false
        public var baseURL: String = "https://platform.tt02.altinn.no"
        public var resourceId: String = ""
        /// The longest wait between two status polls of one correspondence (extension).
        public var maxPollSeconds: Double = 300
        public var maskinporten = Maskinporten()
        public init() {}

        public struct Maskinporten: Sendable, Equatable {
            public var tokenEndpoint: String = "https://test.maskinporten.no/token"
            public var audience: String = "https://test.maskinporten.no/"
            public var clientId: String = ""
            public var privateKeyFile: String = "/etc/dropbridge/maskinporten.jwk"
            /// Replaces the key file's `kid` (extension; Maskinporten finds keys by `kid`).
            public var keyId: String?
            public var scope: String = "altinn:correspondence.write altinn:serviceowner"
            public init() {}
        }
    }
}
