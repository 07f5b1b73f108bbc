import Bridge
import Foundation
import NHNClient
import Synchronization

/// NHN's receiving side without HTTP: answers scripted per message id, every call recorded, so
/// a test of `NotificationHandler` says exactly which calls a notification caused.
final class FakeInboundTransport: InboundTransport {
    struct Script: Sendable {
        var metadata: [String: Result<NHNMessageMetadata, CallFailure>] = [:]
        var documents: [String: Result<[UInt8], CallFailure>] = [:]
        var statuses: [String: Result<[NHNReceiverStatus], CallFailure>] = [:]
        /// Answers of `PUT …/downloaded`, used up in order; `.succeeded` once they are.
        var downloaded: [CallOutcome] = []
        var appRec: SendOutcome = .accepted(messageId: "apprec-1")
        /// Called with each call as it is made (e.g. to stop the bridge in the middle of one).
        var onCall: (@Sendable (Call) -> Void)?
    }

    enum Call: Equatable, Sendable {
        case message(String)
        case businessDocument(String)
        case status(String)
        case markDownloaded(String, receiverHerId: Int)
        case sendAppRec(String, AppRecRequest)
    }

    private let state: Mutex<(script: Script, calls: [Call])>

    init(_ script: Script = Script()) {
        state = Mutex((script, []))
    }

    var calls: [Call] { state.withLock { $0.calls } }

    func script(_ change: (inout Script) -> Void) {
        state.withLock { change(&$0.script) }
    }

    private func record<T>(_ call: Call, _ answer: (inout Script) -> T) -> T {
        let (result, onCall) = state.withLock {
            $0.calls.append(call)
            return (answer(&$0.script), $0.script.onCall)
        }
        onCall?(call)
        return result
    }

    private static func unknown(_ id: String) -> CallFailure {
        .refused(httpStatus: 404, problem: nil, reason: "HTTP 404: no message \(id)")
    }

    func ping() async -> PingOutcome { .pong(timestampUtc: nil) }

    func notifications(herIds: [Int], after offset: Int64, count: Int) async -> Result<[NHNNotification], CallFailure> {
        .success([])
    }

    func notificationStream(herIds: [Int], after offset: Int64?) async -> Result<NotificationStream, CallFailure> {
        .failure(.transient(reason: "no stream in this fake", retryAfter: nil, requestMayHaveArrived: false))
    }

    func message(id: String) async -> Result<NHNMessageMetadata, CallFailure> {
        record(.message(id)) { $0.metadata[id] ?? .failure(Self.unknown(id)) }
    }

    func businessDocument(id: String, beforeBody: BodyAdmission?) async -> Result<[UInt8], CallFailure> {
        let answer = record(.businessDocument(id)) { $0.documents[id] ?? .failure(Self.unknown(id)) }
        if case .success(let bytes) = answer, let beforeBody {
            do { try await beforeBody(bytes.count * 4 / 3) } catch {
                return .failure(.transient(reason: "\(error)", retryAfter: nil, requestMayHaveArrived: true))
            }
        }
        return answer
    }

    func status(id: String) async -> Result<[NHNReceiverStatus], CallFailure> {
        record(.status(id)) { $0.statuses[id] ?? .failure(Self.unknown(id)) }
    }

    func markDownloaded(id: String, receiverHerId: Int) async -> CallOutcome {
        record(.markDownloaded(id, receiverHerId: receiverHerId)) { $0.downloaded.isEmpty ? .succeeded : $0.downloaded.removeFirst() }
    }

    func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome {
        record(.sendAppRec(originalId, request)) { $0.appRec }
    }
}
