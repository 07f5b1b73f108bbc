import Hummingbird
import JWTKit
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A loopback NHN EDI 2.0 (API v3) service that enforces the real service's rules, records
/// what it accepted, and injects faults on request.
package final class NHNSimulator: Sendable {
    let state: SimulatorState
    let authority: AuthorityState
    let correspondence: CorrespondenceState
    /// Signs the Altinn tokens the simulated exchange hands out.
    private let altinnKey: ES256PrivateKey
    private let logger: Logger
    private let inspector: any DocumentInspecting
    private let background = Mutex<BackgroundServer?>(nil)

    private struct BackgroundServer: Sendable {
        let group: ServiceGroup
        let task: Task<Void, Never>
    }

    package enum StartError: Error, Sendable {
        /// The server stopped before it was listening (for example, the address was in use).
        case notListening(String)
    }

    package init(settings: SimulatorSettings, logger: Logger) {
        state = SimulatorState(settings: settings)
        authority = AuthorityState(settings: settings.authentication)
        correspondence = CorrespondenceState(settings: settings.correspondence)
        altinnKey = ES256PrivateKey()
        self.logger = logger
        inspector = XMLCheckInspector()
    }

    // MARK: Running

    /// Starts serving in the background; returns the bound port (useful with `port: 0`).
    package func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        let (events, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        let application = makeApplication(host: host, port: port) { continuation.yield(.success($0)) }
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        let task = Task {
            do {
                try await group.run()
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
        }
        for await event in events {
            switch event {
            case .success(let boundPort):
                let previous = background.withLock { current in
                    defer { current = BackgroundServer(group: group, task: task) }
                    return current
                }
                if let previous { await shutDown(previous) }
                return boundPort
            case .failure(let error):
                throw StartError.notListening("\(error)")
            }
        }
        throw StartError.notListening("the server stopped before it was listening")
    }

    /// Graceful stop of a server started with `start`: stops listening, lets requests finish.
    package func stop() async {
        guard let running = background.withLock({ current in defer { current = nil }; return current }) else { return }
        await shutDown(running)
    }

    private func shutDown(_ server: BackgroundServer) async {
        // Open notification streams would otherwise hold the graceful shutdown forever.
        await state.finishStreams()
        await server.group.triggerGracefulShutdown()
        await server.task.value
    }

    /// Serves in the foreground until graceful shutdown (inside a `ServiceGroup`) or task
    /// cancellation. `onListening` gets the bound port. For `dropbridge simulate`.
    package func run(
        host: String = "127.0.0.1", port: Int, onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let application = makeApplication(host: host, port: port, onListening: onListening)
        let state = state
        // Open notification streams would otherwise hold the graceful shutdown forever.
        try await withGracefulShutdownHandler {
            try await application.run()
        } onGracefulShutdown: {
            Task { await state.finishStreams() }
        }
    }

    // MARK: Inspection and steering

    package func setFaults(_ faults: FaultSettings) async {
        await state.setFaults(faults)
    }

    package func faults() async -> FaultSettings {
        await state.faults
    }

    /// Every accepted message, in arrival order.
    package func receivedMessages() async -> [ReceivedMessage] {
        await state.receivedMessages()
    }

    /// How many accepted messages carried this MsgId.
    package func count(msgId: String) async -> Int {
        await state.count(msgId: msgId)
    }

    /// Forgets received messages, notifications, configurations, downloaded marks and AppRecs,
    /// cancels pending counterparty answers and restores the fault settings from start-up.
    /// Notification offsets keep rising (they are global and never rewind).
    package func reset() async {
        await state.reset()
        await correspondence.reset()
    }

    // MARK: Altinn Correspondence

    /// Every correspondence created, in creation order (one per recipient).
    package func receivedCorrespondences() async -> [ReceivedCorrespondence] {
        await correspondence.received()
    }

    /// Changes resources, recipients and timing for requests from now on.
    package func setAltinnSettings(_ settings: CorrespondenceSettings) async {
        await correspondence.setSettings(settings)
    }

    package func altinnSettings() async -> CorrespondenceSettings {
        await correspondence.settings
    }

    package func setAltinnFaults(_ faults: FaultSettings) async {
        await correspondence.setFaults(faults)
    }

    /// The recipient reads the correspondence now (when the settings leave reading to tests).
    /// False for an unknown id; throws when it cannot be read yet (not published) or again.
    package func markCorrespondenceRead(_ id: UUID) async throws -> Bool {
        try await correspondence.markRead(id)
    }

    package func markCorrespondenceConfirmed(_ id: UUID) async throws -> Bool {
        try await correspondence.markConfirmed(id)
    }

    // MARK: Authentication

    /// Registers a client's public key with the simulated HelseID and Maskinporten.
    package func register(_ client: RegisteredClient) async {
        await authority.register(client)
    }

    /// Tokens issued, nonces demanded and the latest refusals.
    package func authCounters() async -> AuthCounters {
        await authority.counters
    }

    /// Expires every token issued so far, as if their time had run out.
    package func expireAllTokens() async {
        await authority.expireAllTokens()
    }

    /// Stops accepting every DPoP nonce handed out so far, as if their time had run out.
    package func expireAllNonces() async {
        await authority.expireAllNonces()
    }

    // MARK: Inbound side

    /// Places a document in the network as if `senderHerId` had sent it: stored, and a
    /// `NewMessage` for each own receiver. Returns the message id.
    package func inject(_ injection: InjectRequest) async throws -> String {
        let message = try injection.stored(using: inspector)
        await state.deliver(message)
        return message.id
    }

    /// Message id → receiver HER-ids marked with `PUT /messages/{id}/downloaded`.
    package func downloadedMarks() async -> [String: [Int]] {
        await state.downloadedMarks()
    }

    /// Calls `observer` for every `PUT /messages/{id}/downloaded` before it is answered, so a
    /// test can look at what the client had written by the time it said "downloaded".
    package func observeDownloadedMarks(_ observer: @escaping @Sendable (_ messageId: String, _ receiver: Int) -> Void) async {
        await state.observeDownloadedMarks(observer)
    }

    /// AppRecs clients sent with `POST /messages/{id}/apprec`, in arrival order.
    package func receivedAppRecs() async -> [ReceivedAppRec] {
        await state.receivedAppRecs()
    }

    /// Every notification published so far, ascending by offset.
    package func notifications() async -> [SimNotification] {
        await state.allNotifications()
    }

    /// Configures `herIds` as an earlier `PUT /mshconfigurations` would have (for tests that
    /// exercise something else than registration).
    package func preconfigure(herIds: [Int]) async {
        await state.configure(herIds.map {
            MshConfiguration(
                herId: $0, receiveNotificationChannel: "Api", receiveRefusedMessageNotices: true, clientLocked: nil,
                rejectMessageFunctions: nil)
        })
    }

    /// HER-ids configured with `PUT /mshconfigurations`.
    package func configuredHerIds() async -> Set<Int> {
        await state.configuredHerIds()
    }

    package func setStreamSettings(_ settings: StreamSettings) async {
        await state.setStreamSettings(settings)
    }

    package func streamSettings() async -> StreamSettings {
        await state.streamSettings
    }

    /// Open notification streams (to check that departed clients are cleaned up).
    package func openStreamCount() async -> Int {
        await state.subscriberCount
    }

    // MARK: Assembly

    func makeRouter() -> Router<SimulatorRequestContext> {
        let router = Router(context: SimulatorRequestContext.self)
        router.add(middleware: ProblemDetailsMiddleware())

        // The token services: HelseID at the origin itself (its issuer), Maskinporten under
        // /maskinporten, Altinn's exchange at its real path.
        HelseIDTokenRoute(authority: authority).register(on: router)
        MaskinportenRoutes(authority: authority, altinnKey: altinnKey).register(on: router)

        // NHN API routes: faults first (a failing proxy answers before the service looks at
        // anything), then authentication, then NHN's header rules.
        let nhn = router.group()
            .add(middleware: FaultInjectionMiddleware(state: state))
            .add(middleware: DPoPAuthenticationMiddleware(authority: authority))
            .add(middleware: NHNHeadersMiddleware())
        PingRoute.register(on: nhn)
        MessagesRoutes(state: state, inspector: inspector).register(on: nhn)
        ReceivedMessagesRoutes(state: state).register(on: nhn)
        MshConfigurationRoutes(state: state).register(on: nhn)
        NotificationsRoutes(state: state).register(on: nhn)

        // Altinn Correspondence: faults first, then the Accept rule, then each route's token check.
        let altinn = router.group()
            .add(middleware: AltinnProblemMiddleware())
            .add(middleware: FaultInjectionMiddleware(source: correspondence, problem: AltinnProblem.fault))
            .add(middleware: AltinnAcceptMiddleware())
        CorrespondenceRoutes(state: correspondence, authentication: AltinnAuthentication(authority: authority))
            .register(on: altinn)

        let correspondence = correspondence
        InspectionRoutes(state: state, inspector: inspector) { await correspondence.reset() }.register(on: router.group("_sim"))
        CorrespondenceInspectionRoutes(state: correspondence).register(on: router.group("_sim"))
        AuthInspectionRoutes(authority: authority).register(on: router.group("_sim"))
        return router
    }

    private func makeApplication(
        host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void
    ) -> some ApplicationProtocol {
        let logger = logger
        return Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "dropbridge-nhn-simulator"),
            onServerRunning: { channel in
                guard let boundPort = channel.localAddress?.port else {
                    logger.error("Simulator is running but its port is unknown")
                    return
                }
                logger.info("NHN simulator listening", metadata: ["host": "\(host)", "port": "\(boundPort)"])
                onListening(boundPort)
            },
            logger: logger)
    }
}
