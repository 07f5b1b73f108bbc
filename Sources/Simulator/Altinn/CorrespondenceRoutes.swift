#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// Altinn 3 Correspondence for a sender (reference/altinn-correspondence.md §3–§7):
/// `POST …/correspondence/upload` (multipart), `POST …/correspondence` (JSON), the search
/// `GET …/correspondence`, the overview `GET …/correspondence/{id}` and `…/{id}/details`.
struct CorrespondenceRoutes: Sendable {
    let state: CorrespondenceState
    let authentication: AltinnAuthentication
    static let base = "correspondence/api/v1/correspondence"

    func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.post("\(Self.base)/upload") { request, context in
            try await upload(request, context: context)
        }
        group.post(RouterPath(Self.base)) { request, context in
            try await initialize(request, context: context)
        }
        group.get(RouterPath(Self.base)) { request, _ in
            try await search(request)
        }
        group.get("\(Self.base)/:id") { request, context in
            try await overview(request, context: context, details: false)
        }
        group.get("\(Self.base)/:id/details") { request, context in
            try await overview(request, context: context, details: true)
        }
    }

    // MARK: Creating

    func upload(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let caller = try await authentication.caller(request, anyOf: [AltinnAuthentication.write])
        let contentType = request.headers[.contentType] ?? ""
        guard MultipartFormData.isMultipartFormData(contentType) else {
            throw AltinnProblem(status: .unsupportedMediaType, kind: .plain("Unsupported Media Type: use multipart/form-data"))
        }
        guard let boundary = MultipartFormData.boundary(contentType: contentType) else {
            throw AltinnProblem.validation("", "Failed to read the request form. Missing content-type boundary.")
        }
        let body = try await collect(request)
        let form: MultipartFormData
        do {
            form = try MultipartFormData(body: body, boundary: boundary)
        } catch {
            throw AltinnProblem.validation("", "Failed to read the request form. \(error.reason)")
        }
        var fields: [(name: String, value: String)] = []
        var files: [CorrespondenceBusinessRules.UploadedFile] = []
        for part in form.parts {
            if let fileName = part.fileName {
                // Only parts named `attachments` bind to the IFormFile list.
                if part.name.lowercased() == "attachments" { files.append(.init(fileName: fileName, content: part.content)) }
            } else {
                fields.append((part.name, part.text))
            }
        }
        let parsed = try CorrespondenceRequest.bind(FormTree.form(fields), fromForm: true)
        return try await create(parsed, files: files, caller: caller, context: context)
    }

    func initialize(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let caller = try await authentication.caller(request, anyOf: [AltinnAuthentication.write])
        let mediaType = trimmed(String((request.headers[.contentType] ?? "").split(separator: ";", maxSplits: 1).first ?? "")).lowercased()
        guard mediaType == "application/json" || mediaType.hasSuffix("+json") else {
            throw AltinnProblem(status: .unsupportedMediaType, kind: .plain("Unsupported Media Type: use application/json"))
        }
        let body = try await collect(request)
        let tree: FormTree
        do {
            tree = try FormTree.json(body)
        } catch {
            throw AltinnProblem.validation("$", error.reason)
        }
        let parsed = try CorrespondenceRequest.bind(tree, fromForm: false)
        return try await create(parsed, files: nil, caller: caller, context: context)
    }

    private func create(
        _ parsed: CorrespondenceRequest, files: [CorrespondenceBusinessRules.UploadedFile]?, caller: AltinnCaller,
        context: SimulatorRequestContext
    ) async throws -> Response {
        try CorrespondenceModelValidation.check(parsed)
        let created = try await state.create(parsed, files: files, senderClientID: caller.clientID)
        // Ids only: recipients may be national identity numbers, never logged.
        context.logger.info(
            "Accepted correspondences",
            metadata: [
                "ids": "\(created.correspondences.map { $0.id.uuidString.lowercased() })",
                "resourceId": "\(created.correspondences.first?.resourceId ?? "-")",
            ])
        if await state.shouldResetAfterAccept() {
            context.logger.debug("Fault: dropping the connection after creating the correspondences")
            throw await ConnectionDropper.drop(context.channel)
        }
        return CorrespondenceViews.initializeResponse(created).response()
    }

    private func collect(_ request: Request) async throws -> [UInt8] {
        let limit = await state.settings.maxRequestBytes
        let tooLarge = AltinnProblem(status: .contentTooLarge, kind: .plain("Request body too large. The max request body size is \(limit) bytes."))
        if let declared = request.headers[.contentLength].flatMap({ Int(trimmed($0)) }), declared > limit { throw tooLarge }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard buffer.readableBytes <= limit - bytes.count else { throw tooLarge }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }

    // MARK: Reading

    func search(_ request: Request) async throws -> Response {
        let caller = try await authentication.caller(request, anyOf: [AltinnAuthentication.write, AltinnAuthentication.read])
        let query = try Self.searchQuery(request.uri.queryParameters)
        if let resourceId = query.resourceId, !(await state.settings.resourceIds.contains(resourceId)) {
            throw AltinnProblem.business(.unauthorized, 4001, "You must use a bearer token that belongs to a user with access to the resource")
        }
        // A recipient's search finds nothing of a sender's correspondences (§13.1: role
        // defaults to Recipient); the idempotentKey lookup ignores the role (§13.2).
        if query.role == .recipient, query.idempotentKey == nil { return CorrespondenceViews.search([]).response() }
        return CorrespondenceViews.search(await state.search(query, senderClientID: caller.clientID)).response()
    }

    static func searchQuery(_ parameters: Parameters) throws(AltinnProblem) -> CorrespondenceSearch {
        func value(_ name: String) -> String? {
            parameters.first { $0.key.lowercased() == name.lowercased() }.map { String($0.value) }
        }
        var errors: [AltinnProblem.ValidationError] = []
        var search = CorrespondenceSearch(role: .recipient)
        search.resourceId = value("resourceId").map { CorrespondenceModelValidation.resourceIdentifier($0) ?? $0 }
        if let role = value("role") {
            if let parsed = [CorrespondenceSearch.Role.recipient, .sender, .recipientAndSender].first(where: { $0.rawValue.lowercased() == role.lowercased() }) {
                search.role = parsed
            } else {
                errors.append(.init(path: "role", message: "The value '\(role)' is not valid for role."))
            }
        }
        for (name, keyPath) in [("from", \CorrespondenceSearch.from), ("to", \CorrespondenceSearch.to)] {
            guard let text = value(name) else { continue }
            if let date = AltinnDate.parse(text) { search[keyPath: keyPath] = date } else {
                errors.append(.init(path: name, message: "The value '\(text)' is not valid for \(name)."))
            }
        }
        if let status = value("status") {
            if let parsed = CorrespondenceStatus.allCases.first(where: { $0.name.lowercased() == status.lowercased() || String($0.rawValue) == status }) {
                search.status = parsed
            } else {
                errors.append(.init(path: "status", message: "The value '\(status)' is not valid for status."))
            }
        }
        search.sendersReference = value("sendersReference")
        if let key = value("idempotentKey") {
            if let uuid = UUID(uuidString: key) { search.idempotentKey = uuid } else {
                errors.append(.init(path: "idempotentKey", message: "The value '\(key)' is not valid for idempotentKey."))
            }
        }
        guard errors.isEmpty else { throw .validation(errors) }
        if let from = search.from, let to = search.to, from > to {
            throw .badRequest(1027, "From date cannot be after to date")
        }
        return search
    }

    func overview(_ request: Request, context: SimulatorRequestContext, details: Bool) async throws -> Response {
        let caller = try await authentication.caller(request, anyOf: [AltinnAuthentication.write, AltinnAuthentication.read])
        let notFound = AltinnProblem.business(.notFound, 1001, "The requested correspondence was not found")
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else {
            throw AltinnProblem.validation("id", "The value '\(context.parameters.get("id") ?? "")' is not valid.")
        }
        guard let stored = await state.correspondence(id) else { throw notFound }
        // Another service owner's correspondence: no access to its resource.
        guard stored.senderClientID == caller.clientID else {
            throw AltinnProblem.business(.unauthorized, 4001, "You must use a bearer token that belongs to a user with access to the resource")
        }
        return CorrespondenceViews.overview(stored, at: Date(), details: details).response()
    }
}
