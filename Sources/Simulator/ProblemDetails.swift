#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// NHN's own integer error codes (docs/nhn-edi.md §5).
enum NHNErrorCode: Int, Sendable {
    case unspecified = 0
    case validation = 1001
    case notFound = 1010
    case appRecForAppRec = 1100
    case appRecSenderNotReceiver = 1102
    case addresseesUnknown = 1200
    case callerNotParty = 1201
    case herIdNotAuthorised = 1202
    case herIdLocked = 1210
    /// Not in NHN's table (it documents no code for an overloaded or unavailable service): the
    /// simulator's own, so that a simulated outage (try again later) is told apart in logs and
    /// tests from NHN's catch-all 0 ("no particular code / unhandled").
    case temporarilyUnavailable = 1503
    /// Likewise the simulator's own, for a simulated 429.
    case tooManyRequests = 1429

    /// The code NHN pairs with a status when nothing more specific applies, so a simulated
    /// 423 looks like a real lock (1210) and a simulated 403 like a real refusal (1202).
    static func typical(for status: Int) -> NHNErrorCode {
        switch status {
        case 400: .validation
        case 403: .herIdNotAuthorised
        case 404: .notFound
        case 423: .herIdLocked
        case 429: .tooManyRequests
        case 502, 503, 504: .temporarilyUnavailable
        default: .unspecified
        }
    }
}

extension HTTPResponse.Status {
    /// The status with its standard reason phrase (RFC 9110): `Status(code:)` alone leaves the
    /// phrase empty, and fault answers then read "Simulated fault: ." with an empty title.
    static func standard(_ code: Int) -> HTTPResponse.Status {
        let known: [HTTPResponse.Status] = [
            .badRequest, .unauthorized, .forbidden, .notFound, .methodNotAllowed, .notAcceptable, .requestTimeout,
            .conflict, .gone, .contentTooLarge, .unsupportedMediaType, .unprocessableContent, .tooManyRequests,
            .internalServerError, .notImplemented, .badGateway, .serviceUnavailable, .gatewayTimeout,
        ]
        if let status = known.first(where: { $0.code == code }) { return status }
        // Not among swift-http-types' names: WebDAV's 423 (RFC 4918), which NHN uses for a lock.
        return HTTPResponse.Status(code: code, reasonPhrase: code == 423 ? "Locked" : "HTTP \(code)")
    }
}

/// The body of every NHN error: RFC 9110 ProblemDetails plus NHN's fields (`mshApiProblemDetails`).
struct ProblemDetails: Codable, Sendable, Equatable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var instance: String
    var errorCode: Int
    var requestId: String
    /// Only on 400.
    var validationErrors: [String]?
    var timestamp: String

    static let mediaType = "application/problem+json"
}

/// A refusal the NHN routes answer with a ProblemDetails body. Thrown anywhere below
/// `ProblemDetailsMiddleware`, which turns it into the response.
struct NHNProblem: Error, Sendable {
    var status: HTTPResponse.Status
    var errorCode: NHNErrorCode
    var detail: String
    var validationErrors: [String]?
    var headers: HTTPFields = [:]

    static func validation(_ detail: String, errors: [String]) -> NHNProblem {
        NHNProblem(status: .badRequest, errorCode: .validation, detail: detail, validationErrors: errors)
    }

    static func notFound(_ detail: String) -> NHNProblem {
        NHNProblem(status: .notFound, errorCode: .notFound, detail: detail)
    }

    func details(instance: String, requestId: String, at date: Date = Date()) -> ProblemDetails {
        ProblemDetails(
            type: Self.typeURI(for: status.code),
            title: status.reasonPhrase,
            status: status.code,
            detail: detail,
            instance: instance,
            errorCode: errorCode.rawValue,
            requestId: requestId,
            validationErrors: status == .badRequest ? (validationErrors ?? []) : nil,
            timestamp: date.formatted(.iso8601)
        )
    }

    func response(instance: String, requestId: String) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a struct of strings and ints cannot fail; fall back to an empty body anyway.
        let body = (try? encoder.encode(details(instance: instance, requestId: requestId))) ?? Data()
        var fields = headers
        fields[.contentType] = ProblemDetails.mediaType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The `type` URIs ASP.NET Core (which NHN runs on) puts in its ProblemDetails.
    static func typeURI(for status: Int) -> String {
        switch status {
        case 400: "https://tools.ietf.org/html/rfc9110#section-15.5.1"
        case 401: "https://tools.ietf.org/html/rfc9110#section-15.5.2"
        case 403: "https://tools.ietf.org/html/rfc9110#section-15.5.4"
        case 404: "https://tools.ietf.org/html/rfc9110#section-15.5.5"
        case 405: "https://tools.ietf.org/html/rfc9110#section-15.5.6"
        case 413: "https://tools.ietf.org/html/rfc9110#section-15.5.14"
        case 415: "https://tools.ietf.org/html/rfc9110#section-15.5.16"
        case 423: "https://tools.ietf.org/html/rfc4918#section-11.3"
        case 429: "https://tools.ietf.org/html/rfc6585#section-4"
        case 500: "https://tools.ietf.org/html/rfc9110#section-15.6.1"
        case 502: "https://tools.ietf.org/html/rfc9110#section-15.6.3"
        case 503: "https://tools.ietf.org/html/rfc9110#section-15.6.4"
        case 504: "https://tools.ietf.org/html/rfc9110#section-15.6.5"
        default: "about:blank"
        }
    }
}

/// Answers every error thrown below it with ProblemDetails, so unknown routes, Hummingbird's
/// own errors and bugs all look like NHN's answers.
struct ProblemDetailsMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ConnectionDropped {
            throw error
        } catch {
            let problem = Self.problem(for: error, path: request.uri.path)
            if problem.status.code >= 500, !(error is NHNProblem) {
                context.logger.error("Simulator failed to handle a request", metadata: ["error": "\(error)"])
            }
            return problem.response(instance: request.uri.path, requestId: context.requestId)
        }
    }

    static func problem(for error: any Error, path: String) -> NHNProblem {
        switch error {
        case let problem as NHNProblem:
            return problem
        case let httpError as HTTPError where httpError.status == .notFound:
            return .notFound("No resource matches \(path).")
        case let httpError as HTTPError:
            return NHNProblem(
                status: httpError.status, errorCode: .unspecified,
                detail: httpError.body ?? httpError.status.reasonPhrase,
                validationErrors: httpError.status == .badRequest ? [] : nil)
        default:
            return NHNProblem(status: .internalServerError, errorCode: .unspecified, detail: "Internal server error.")
        }
    }
}
