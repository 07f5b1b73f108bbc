// swift-tools-version:6.2
// dropbridge — a file-drop bridge to NHN EDI 2.0 and Altinn Correspondence.
//
// Why each dependency is here (each costs CI build time):
// - swift-argument-parser: the command-line interface.
// - swift-log: structured logging without document contents.
// - swift-configuration (+YAML): the contract's YAML config with environment overrides.
// - GRDB: the SQLite ledger (WAL, transactions, migrations) without hand-written bindings.
// - async-http-client: HTTP/1.1 + TLS client for NHN (real HTTPS in production, loopback in tests).
// - hummingbird: the loopback simulator's HTTP server.
// - swift-service-lifecycle: every long-running part is a Service with graceful shutdown.
// - swift-system: typed file descriptors and Errno for the durable-file code.
// - swift-crypto: SHA-256 content hashes, P-256/RSA key generation for `keygen`.
// - jwt-kit: JOSE for HelseID/Maskinporten (client assertions, DPoP proofs, JWK parsing,
//   signatures and their verification in the simulator) instead of hand-rolled JWS code.
// - swift-asn1 (already built for jwt-kit's swift-certificates): reads a generated RSA key's
//   PKCS#1 numbers so `keygen` can write them as a JWK.
// - swift-openapi-runtime: its Server-Sent Events decoder, for NHN's notification stream.
// - Yams: lists a config file's keys so that a misspelt key is refused.
// - swift-metrics + swift-prometheus: the daemon's counters, gauges and histograms in the
//   Prometheus text format on `metrics.listen` (the server-side Swift standard for metrics;
//   small, pure Swift, only swift-atomics besides, instead of a hand-written exposition format).
import PackageDescription

// `any` spelled out for every existential, as Hummingbird builds. Not on (yet), with the reason:
// - MemberImportVisibility: on Linux it wants the module of every member used (Foundation for
//   String's `trimmingCharacters` where only a dependency imported it, CoreFoundation/Glibc for
//   `stat`'s fields), so a missing import shows one module at a time; tried, the first module
//   already needed Foundation imports, and a full pass over the targets on this two-core
//   machine did not fit the time left. The next step: turn it on and add the imports it names.
// - InternalImportsByDefault: the package has no library product and shares its API with
//   `package` access, so nearly every import would have to become `package import` for its
//   types in `package` signatures; it would protect no client and churn every file.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "dropbridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dropbridge", targets: ["dropbridge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // Pinned to 1.4.x: ConfigLoader tells a missing key from a wrong one by this version's error
        // text ("Missing required config value"); a minor release may reword it.
        .package(url: "https://github.com/apple/swift-configuration", .upToNextMinor(from: "1.4.0"), traits: ["JSON", "YAML"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.30.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.8.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.1.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.0.0"),
        // Already built for async-http-client and hummingbird; named for NIOThreadPool (blocking file I/O off the cooperative pool).
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        // Server-Sent Events decoding for NHN's notification stream (a maintained decoder that
        // works on any byte sequence; needs only swift-http-types, which is built already).
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.8.0"),
        // Already built for swift-configuration's YAML; named to list a config file's keys so a
        // misspelt key is refused instead of silently falling back to its default.
        .package(url: "https://github.com/jpsim/Yams", "5.4.0"..<"7.0.0"),
        // Already built for hummingbird; named because the simulator's middleware speaks HTTPTypes.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries and the few Linux calls Swift cannot reach directly.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CLinuxSys"),

        // Domain: drops, sidecars, outcomes, receipts, config. No I/O.
        .target(
            name: "DropbridgeCore",
            dependencies: [],
            swiftSettings: swiftSettings
        ),
        // libxml2: safe parsing, the schema set, MsgHead/AppRec extraction, gzip.
        .target(
            name: "XMLCheck",
            dependencies: ["CLibXML2", "CZlib", "DropbridgeCore"],
            swiftSettings: swiftSettings
        ),
        // The folders: inotify wake-ups, scanning, pairing, claiming, durable atomic writes.
        .target(
            name: "DropFolder",
            dependencies: [
                "CLinuxSys", "DropbridgeCore",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The SQLite ledger.
        .target(
            name: "Ledger",
            dependencies: ["DropbridgeCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // How each request is authorized: HelseID (private_key_jwt + DPoP) for NHN,
        // Maskinporten with the Altinn token exchange; keys and key generation.
        .target(
            name: "Auth",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // NHN EDI 2.0, API version 3.
        .target(
            name: "NHNClient",
            dependencies: [
                "DropbridgeCore", "Auth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // The streamed POST /messages body: file reads on NIO's thread pool, SHA-256 of what is sent.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Altinn 3 Correspondence: multipart upload (streamed from the claimed file), overview, search.
        .target(
            name: "AltinnClient",
            dependencies: [
                "DropbridgeCore", "Auth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The services that wire folders, validation, ledger and transport together.
        .target(
            name: "Bridge",
            dependencies: [
                "DropbridgeCore", "XMLCheck", "DropFolder", "Ledger", "NHNClient", "AltinnClient", "Auth", "CLinuxSys",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // Operator commands as a library: status (the `StatusReport` the status page and metrics
        // read too), show, retry, release, pause/resume, check.
        .target(
            name: "Operations",
            dependencies: [
                "DropbridgeCore", "DropFolder", "Ledger", "Bridge", "Auth", "NHNClient", "XMLCheck", "CLinuxSys",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What operators watch: Prometheus metrics, /livez and /readyz, the status page, and the
        // stuck-work alerts, served on `metrics.listen`.
        .target(
            name: "Monitoring",
            dependencies: [
                "DropbridgeCore", "Bridge", "Ledger", "DropFolder", "Operations",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // The loopback simulator of NHN, HelseID, Maskinporten and the Altinn token exchange.
        .target(
            name: "Simulator",
            dependencies: [
                "DropbridgeCore", "XMLCheck", "Auth",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // `dropbridge demo`: the simulated network's identities and keys, the sample drops seeded
        // into the outbox, and what the demo prints as drops move.
        .target(
            name: "Demo",
            dependencies: [
                "Bridge", "DropbridgeCore", "Ledger", "Simulator", "Auth", "Operations",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // `dropbridge bench`: the machine's limits, then the bridge's figures against a simulator
        // process (see `Bench`).
        .target(
            name: "Benchmark",
            dependencies: [
                "Bridge", "Demo", "DropbridgeCore", "DropFolder", "Ledger", "Auth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The executable: commands only.
        .executableTarget(
            name: "dropbridge",
            dependencies: [
                "Bridge", "Operations", "Monitoring", "Simulator", "Demo", "Benchmark", "XMLCheck", "DropbridgeCore", "DropFolder", "Ledger", "Auth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "DropbridgeCoreTests", dependencies: ["DropbridgeCore"], swiftSettings: swiftSettings),
        .testTarget(name: "XMLCheckTests", dependencies: ["XMLCheck", "DropbridgeCore", "CZlib"], swiftSettings: swiftSettings),
        .testTarget(name: "DropFolderTests", dependencies: ["DropFolder", "DropbridgeCore", "CLinuxSys"], swiftSettings: swiftSettings),
        .testTarget(
            name: "OperationsTests",
            dependencies: ["Operations", "Bridge", "Ledger", "DropbridgeCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "DropbridgeCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AuthTests",
            dependencies: [
                "Auth", "Simulator",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: [
                "Simulator", "Auth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The NHN client's wire tests against a scripted loopback server (no simulator).
        .testTarget(
            name: "NHNClientTests",
            dependencies: [
                "NHNClient", "Auth", "DropbridgeCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BridgeTests",
            dependencies: [
                "Bridge", "Operations", "Monitoring", "Simulator", "DropbridgeCore", "XMLCheck", "DropFolder", "Ledger", "NHNClient", "AltinnClient", "Auth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
