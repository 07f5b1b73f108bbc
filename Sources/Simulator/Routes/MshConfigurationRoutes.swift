import DropbridgeCore
import Hummingbird

/// `PUT /mshconfigurations` (docs/nhn-edi.md §3.1).
struct MshConfigurationRoutes: Sendable {
    let state: SimulatorState

    static let channels: Set<String> = ["Api"]
    static let keys: Set<String> = [
        "herId", "receiveNotificationChannel", "receiveRefusedMessageNotices", "clientLocked", "rejectMessageFilters",
    ]

    func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.put("mshconfigurations") { request, _ in
            if await state.takeMshConfigurationFailure() {
                throw NHNProblem(
                    status: .serviceUnavailable, errorCode: .temporarilyUnavailable,
                    detail: "Simulated fault: the MSH configuration service is unavailable.")
            }
            if await state.takeMshConfigurationRefusal() {
                throw NHNProblem(
                    status: .standard(423), errorCode: .herIdLocked,
                    detail: "Simulated fault: the HER-id's configuration is locked by another HelseID client.")
            }
            try RequestBodyReader.requireJSON(request)
            let body = try await RequestBodyReader.collect(request, limit: state.settings.maxRequestBytes)
            let configurations = try Self.parse(body)
            for configuration in configurations where !state.settings.ownHerIds.contains(configuration.herId) {
                throw NHNProblem(
                    status: .forbidden, errorCode: .herIdNotAuthorised,
                    detail: "The caller acts for HER-id \(configuration.herId), which its authorisation does not cover.")
            }
            await state.configure(configurations)
            return Response(status: .noContent)
        }
    }

    /// In v3 every HER-id a call acts for must have an MSH configuration: NHN answers 400 with
    /// errorCode 1001 otherwise (docs/nhn-edi.md "What matters most" 1).
    static func requireConfigured(_ herId: Int, as field: String, in state: SimulatorState) async throws(NHNProblem) {
        guard await state.isConfigured(herId) else {
            throw .validation(
                "\(field) \(herId) has no MSH configuration; PUT /mshconfigurations first.",
                errors: ["\(field): HER-id \(herId) has no MSH configuration"])
        }
    }

    static func parse(_ body: [UInt8]) throws(NHNProblem) -> [MshConfiguration] {
        let json: JSONValue
        do {
            json = try StrictJSON.parse(body)
        } catch {
            throw .validation("The request body is not valid JSON.", errors: ["$: \(error.description)"])
        }
        guard case .object(let top) = json, case .array(let items)? = top["configurations"] else {
            throw .validation(
                "The request body must be an object with a configurations array.",
                errors: ["configurations: the field is required and must be an array"])
        }
        guard !items.isEmpty else {
            throw .validation("No configurations.", errors: ["configurations: must contain at least one configuration"])
        }
        var errors: [String] = []
        var result: [MshConfiguration] = []
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else {
                errors.append("configurations[\(index)]: must be an object")
                continue
            }
            var reader = FieldReader(fields: fields)
            for key in fields.keys.sorted() where !keys.contains(key) { reader.errors.append("\(key): unknown field") }
            let herId = reader.herId("herId")
            let channel = reader.string("receiveNotificationChannel", allowEmpty: false)
            if let channel, !channels.contains(channel) {
                reader.errors.append("receiveNotificationChannel: '\(channel)' is not supported; use 'Api'")
            }
            let refused = reader.optionalBool("receiveRefusedMessageNotices")
            let locked = reader.optionalBool("clientLocked")
            let functions = reader.messageFunctions("rejectMessageFilters")
            errors += reader.errors.map { "configurations[\(index)].\($0)" }
            if reader.errors.isEmpty, let herId, let channel {
                result.append(MshConfiguration(
                    herId: herId, receiveNotificationChannel: channel, receiveRefusedMessageNotices: refused,
                    clientLocked: locked, rejectMessageFunctions: functions))
            }
        }
        guard errors.isEmpty else { throw .validation("One or more validation errors occurred.", errors: errors) }
        return result
    }
}

extension FieldReader {
    mutating func optionalBool(_ name: String) -> Bool? {
        guard let value = fields[name], value != .null else { return nil }
        guard case .bool(let flag) = value else {
            errors.append("\(name): must be a boolean")
            return nil
        }
        return flag
    }

    /// `{"MessageFunction": ["CODE", …]}`, the only filter NHN documents.
    mutating func messageFunctions(_ name: String) -> [String]? {
        guard let value = fields[name], value != .null else { return nil }
        guard case .object(let filters) = value else {
            errors.append("\(name): must be an object")
            return nil
        }
        for key in filters.keys.sorted() where key != "MessageFunction" {
            errors.append("\(name).\(key): unknown filter; only MessageFunction is supported")
        }
        guard let list = filters["MessageFunction"] else { return [] }
        guard case .array(let items) = list else {
            errors.append("\(name).MessageFunction: must be an array of strings")
            return nil
        }
        var codes: [String] = []
        for item in items {
            guard case .string(let code) = item else {
                errors.append("\(name).MessageFunction: must be an array of strings")
                return nil
            }
            codes.append(code)
        }
        return codes
    }
}
