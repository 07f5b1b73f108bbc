import DropbridgeCore

/// The JSON body of `POST /messages/{id}/apprec` (docs/nhn-edi.md §3.8).
struct AppRecRequest: Sendable, Equatable {
    static let statuses: Set<String> = ["Ok", "Rejected", "OkErrorInMessagePart"]
    static let keys: Set<String> = [
        "appRecSenderHerId", "appRecStatus", "appRecErrorList", "applicationName", "applicationVersion",
        "transportMetadataOverrides",
    ]

    var appRecSenderHerId: Int
    var appRecStatus: String
    var appRecErrorList: [AppRecError]
    var applicationName: String
    var applicationVersion: String

    static func parse(_ body: [UInt8]) throws(NHNProblem) -> AppRecRequest {
        var reader = try FieldReader.body(body, allowedKeys: keys)
        let sender = reader.herId("appRecSenderHerId")
        let status = reader.string("appRecStatus", allowEmpty: false)
        if let status, !statuses.contains(status) {
            reader.errors.append("appRecStatus: '\(status)' is not one of Ok, Rejected, OkErrorInMessagePart")
        }
        let errorList = reader.appRecErrors("appRecErrorList")
        let applicationName = reader.string("applicationName", allowEmpty: false)
        let applicationVersion = reader.string("applicationVersion", allowEmpty: false)
        if let overrides = reader.fields["transportMetadataOverrides"], overrides != .null {
            if case .object = overrides {} else { reader.errors.append("transportMetadataOverrides: must be an object") }
        }
        // Ok carries no errors; anything else carries at least one.
        if let status, let errorList {
            if status == "Ok", !errorList.isEmpty {
                reader.errors.append("appRecErrorList: an Ok AppRec carries no errors")
            } else if status != "Ok", errorList.isEmpty {
                reader.errors.append("appRecErrorList: a \(status) AppRec needs at least one error")
            }
        }
        guard reader.errors.isEmpty, let sender, let status, let errorList, let applicationName, let applicationVersion
        else { throw .validation("One or more validation errors occurred.", errors: reader.errors) }
        return AppRecRequest(
            appRecSenderHerId: sender, appRecStatus: status, appRecErrorList: errorList,
            applicationName: applicationName, applicationVersion: applicationVersion)
    }
}

extension FieldReader {
    /// Missing or null is an empty list.
    mutating func appRecErrors(_ name: String) -> [AppRecError]? {
        guard let value = fields[name], value != .null else { return [] }
        guard case .array(let items) = value else {
            errors.append("\(name): must be an array")
            return nil
        }
        var result: [AppRecError] = []
        for (index, item) in items.enumerated() {
            guard case .object(let object) = item,
                case .string(let code)? = object["errorCode"], !code.isEmpty,
                case .string(let details)? = object["details"]
            else {
                errors.append("\(name)[\(index)]: errorCode and details are required strings")
                return nil
            }
            result.append(AppRecError(
                errorCode: code, details: details, description: object["description"]?.stringValue,
                oid: object["oid"]?.stringValue))
        }
        return result
    }
}
