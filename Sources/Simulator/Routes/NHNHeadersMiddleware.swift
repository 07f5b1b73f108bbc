import HTTPTypes
import Hummingbird

/// The headers NHN requires on every API call (docs/nhn-edi.md §1). Authentication
/// (HelseID/DPoP) will be its own middleware next to this one.
struct NHNHeadersMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    static let apiVersion = HTTPField.Name("api-version")!
    static let sourceSystem = HTTPField.Name("nhn-source-system")!
    static let supportedVersion = "3"

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let version = request.headers[Self.apiVersion].map(trimmed) ?? ""
        guard !version.isEmpty else {
            throw NHNProblem.validation(
                "The required header 'api-version' is missing.",
                errors: ["api-version: the header is required (use '3')."])
        }
        guard version == Self.supportedVersion else {
            throw NHNProblem.validation(
                "Unsupported 'api-version' header value '\(version)'.",
                errors: ["api-version: '\(version)' is not supported by this endpoint (use '3')."])
        }
        guard let source = request.headers[Self.sourceSystem].map(trimmed), !source.isEmpty else {
            throw NHNProblem.validation(
                "The required header 'nhn-source-system' is missing or empty.",
                errors: ["nhn-source-system: the header is required and must name the client system."])
        }
        // Kestrel's default: a request header value with anything but ASCII is a bad request.
        guard source.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) || $0 == "\t" }) else {
            throw NHNProblem.validation(
                "The header 'nhn-source-system' holds characters other than ASCII.",
                errors: ["nhn-source-system: only ASCII is accepted in a header value."])
        }
        return try await next(request, context)
    }
}

/// `value` without leading and trailing spaces and tabs (HTTP optional whitespace).
func trimmed(_ value: String) -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = value.firstIndex(where: { !isSpace($0) }),
        let last = value.lastIndex(where: { !isSpace($0) })
    else { return "" }
    return String(value[first...last])
}
