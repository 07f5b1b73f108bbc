#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// A refusal of the Correspondence routes, in the shapes the real service answers with
/// (reference/altinn-correspondence.md §8): a ProblemDetails with an integer `errorCode` for
/// business errors, the ASP.NET validation shape for model validation, and bodiless 401/403.
struct AltinnProblem: Error, Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// ProblemDetails with `errorCode`.
        case business(code: Int, message: String)
        /// Model validation: field path (ASP.NET's ModelState key) → messages.
        case validation([ValidationError])
        /// 401 with a bearer challenge and no body.
        case unauthenticated(challenge: String)
        /// 403 without a body (policy refusal, wrong scope).
        case forbidden
        /// Plain text body (406; HTTP-level refusals such as 415).
        case plain(String)
    }

    struct ValidationError: Sendable, Equatable {
        /// The ModelState key, e.g. `Correspondence.Content.MessageTitle` or `$.recipients`.
        var path: String
        var message: String
    }

    var status: HTTPResponse.Status
    var kind: Kind
    var headers: HTTPFields = [:]

    static func business(_ status: HTTPResponse.Status, _ code: Int, _ message: String) -> AltinnProblem {
        AltinnProblem(status: status, kind: .business(code: code, message: message))
    }

    static func badRequest(_ code: Int, _ message: String) -> AltinnProblem {
        business(.badRequest, code, message)
    }

    static func validation(_ errors: [ValidationError]) -> AltinnProblem {
        AltinnProblem(status: .badRequest, kind: .validation(errors))
    }

    static func validation(_ path: String, _ message: String) -> AltinnProblem {
        validation([ValidationError(path: path, message: message)])
    }

    var errorCode: Int? {
        if case .business(let code, _) = kind { return code }
        return nil
    }

    func response(traceId: String) -> Response {
        var fields = headers
        switch kind {
        case .unauthenticated(let challenge):
            fields[.wwwAuthenticate] = challenge
            return Response(status: status, headers: fields)
        case .forbidden:
            return Response(status: status, headers: fields)
        case .plain(let text):
            fields[.contentType] = "text/plain; charset=utf-8"
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
        case .business(let code, let message):
            fields[.contentType] = "application/problem+json; charset=utf-8"
            let body = BusinessBody(
                type: Self.typeURI(status.code), title: status.reasonPhrase, status: status.code, detail: message,
                code: Self.problemCode(code), errorCode: code, traceId: traceId)
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: Self.encode(body))))
        case .validation(let errors):
            fields[.contentType] = "application/problem+json; charset=utf-8"
            var grouped: [String: [String]] = [:]
            for error in errors { grouped[error.path, default: []].append(error.message) }
            let body = ValidationBody(
                type: Self.typeURI(400), title: "Bad Request", status: 400, detail: "One or more validation errors occurred.",
                code: "STD-00000",
                validationErrors: errors.map {
                    .init(code: "CORR.VLD-00000", detail: $0.message, paths: [$0.path.replacingOccurrences(of: ".", with: "/")])
                },
                errors: grouped, traceId: traceId)
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: Self.encode(body))))
        }
    }

    private static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Plain strings and ints cannot fail to encode.
        return (try? encoder.encode(value)) ?? Data()
    }

    struct BusinessBody: Codable, Equatable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var code: String
        var errorCode: Int
        var traceId: String
    }

    struct ValidationBody: Codable, Equatable {
        struct Item: Codable, Equatable {
            var code: String
            var detail: String
            var paths: [String]
        }
        var type: String
        var title: String
        var status: Int
        var detail: String
        var code: String
        var validationErrors: [Item]
        var errors: [String: [String]]
        var traceId: String
    }

    /// Altinn's problem code, `CORR-` and the error code in five digits.
    static func problemCode(_ code: Int) -> String {
        let digits = String(code)
        return "CORR-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    static func typeURI(_ status: Int) -> String {
        switch status {
        case 400: "https://tools.ietf.org/html/rfc9110#section-15.5.1"
        case 401: "https://tools.ietf.org/html/rfc9110#section-15.5.2"
        case 403: "https://tools.ietf.org/html/rfc9110#section-15.5.4"
        case 404: "https://tools.ietf.org/html/rfc9110#section-15.5.5"
        case 408: "https://tools.ietf.org/html/rfc9110#section-15.5.9"
        case 409: "https://tools.ietf.org/html/rfc9110#section-15.5.10"
        case 413: "https://tools.ietf.org/html/rfc9110#section-15.5.14"
        case 415: "https://tools.ietf.org/html/rfc9110#section-15.5.16"
        case 422: "https://tools.ietf.org/html/rfc9110#section-15.5.21"
        case 429: "https://tools.ietf.org/html/rfc6585#section-4"
        case 500: "https://tools.ietf.org/html/rfc9110#section-15.6.1"
        case 502: "https://tools.ietf.org/html/rfc9110#section-15.6.3"
        case 503: "https://tools.ietf.org/html/rfc9110#section-15.6.4"
        default: "about:blank"
        }
    }
}

/// Turns every error below it into the Correspondence service's answer shapes, so the
/// Altinn routes never answer in NHN's dialect.
struct AltinnProblemMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ConnectionDropped {
            throw error
        } catch let problem as AltinnProblem {
            return problem.response(traceId: context.requestId)
        } catch let error as HTTPError where error.status == .notFound {
            return AltinnProblem.business(.notFound, 1001, "The requested correspondence was not found")
                .response(traceId: context.requestId)
        } catch let error as HTTPError {
            return AltinnProblem(status: error.status, kind: .plain(error.body ?? error.status.reasonPhrase))
                .response(traceId: context.requestId)
        } catch {
            context.logger.error("Simulator failed to handle an Altinn request", metadata: ["error": "\(error)"])
            return AltinnProblem(status: .internalServerError, kind: .plain("Internal server error"))
                .response(traceId: context.requestId)
        }
    }
}

extension AltinnProblem {
    /// A simulated fault in the dialect of Altinn and its gateway: 408/2022, 500/1032 and
    /// 502/2002 as the service has them, the rest as a bare gateway answer.
    static func fault(_ status: HTTPResponse.Status, retryAfterSeconds: Int?) -> any Error {
        var problem: AltinnProblem
        switch status.code {
        case 408: problem = .business(status, 2022, "Upload request timed out due to data arriving too slowly")
        case 500: problem = .business(status, 1032, "Contact reservation registry lookup failed")
        case 502: problem = .business(status, 2002, "Error occurred during upload")
        case 401: problem = AltinnProblem(status: status, kind: .unauthenticated(challenge: "Bearer"))
        case 403: problem = AltinnProblem(status: status, kind: .forbidden)
        default: problem = AltinnProblem(status: status, kind: .plain("Simulated fault: \(status.reasonPhrase)"))
        }
        if let retryAfterSeconds { problem.headers[.retryAfter] = String(retryAfterSeconds) }
        return problem
    }
}
