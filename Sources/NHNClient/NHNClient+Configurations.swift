import NIOCore
import NIOHTTP1

extension NHNClient {
    /// `PUT /mshconfigurations` for every HER-Id the bridge acts for (required in v3; send it at
    /// every start-up). Notifications come through the API, refused-message notices included.
    package func registerConfigurations(herIds: [Int]) async -> CallOutcome {
        let call = NHNRequest(method: .PUT, path: "/mshconfigurations", body: ByteBuffer(bytes: Self.configurationsBody(herIds: herIds)))
        switch await perform(call) {
        case .failure(let failure): return .failed(failure)
        case .success(let response) where response.isSuccess: return .succeeded
        case .success(let response): return .failed(CallFailure.classify(response, call: call.label))
        }
    }

    /// `{"configurations":[{"herId":…,"receiveNotificationChannel":"Api","receiveRefusedMessageNotices":true},…]}`
    static func configurationsBody(herIds: [Int]) -> [UInt8] {
        var body: [UInt8] = Array(#"{"configurations":["#.utf8)
        for (index, herId) in herIds.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: configuration(herId: herId))
        }
        body.append(contentsOf: Array("]}".utf8))
        return body
    }

    /// One HER-id's configuration object, as sent (the ledger remembers it with a registration).
    package static func configuration(herId: Int) -> [UInt8] {
        var configuration = JSONObjectWriter()
        configuration.field("herId", herId)
        configuration.field("receiveNotificationChannel", "Api")
        configuration.field("receiveRefusedMessageNotices", true)
        return configuration.closed()
    }
}
