import DropbridgeCore

/// NHN's refusal of a call from a HER-id without an MSH configuration: 400 with errorCode 1001
/// ("… has no MSH configuration"). 1001 is NHN's code for any validation error, so the text
/// decides; such a refusal is no fault of the drop: register again and retry.
enum MissingConfiguration {
    static func isRefusal(httpStatus: Int, problem: JSONValue?) -> Bool {
        guard httpStatus == 400, let problem, problem["errorCode"]?.intValue == 1001 else { return false }
        var texts = [problem["detail"]?.stringValue, problem["title"]?.stringValue].compactMap { $0 }
        if case .array(let errors)? = problem["validationErrors"] { texts += errors.compactMap(\.stringValue) }
        return texts.contains { text in
            let lowered = text.lowercased()
            return lowered.contains("msh configuration") || lowered.contains("mshconfiguration")
        }
    }
}
