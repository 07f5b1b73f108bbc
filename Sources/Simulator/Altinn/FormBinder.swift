#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads a `FormTree` into `CorrespondenceRequest`, collecting binding errors by field path.
struct FormBinder {
    /// Form values are all text and a repeated field binds its first value to a scalar, as
    /// ASP.NET's form binding does; JSON values must have the property's type.
    let fromForm: Bool
    var errors: [AltinnProblem.ValidationError] = []

    mutating func request(_ tree: FormTree) -> CorrespondenceRequest {
        var request = CorrespondenceRequest()
        guard case .object = tree else {
            errors.append(.init(path: "$", message: "The request body must be a JSON object."))
            return request
        }
        if let value = tree["correspondence"], value != .null { request.correspondence = correspondence(value, "correspondence") }
        if let value = tree["recipients"], value != .null { request.recipients = strings(value, "recipients") }
        if let value = tree["existingAttachments"], value != .null {
            request.existingAttachments = list(value, "existingAttachments").enumerated().compactMap {
                guid($0.element, "existingAttachments[\($0.offset)]")
            }
        }
        if let value = tree["idempotentKey"], value != .null { request.idempotentKey = guid(value, "idempotentKey") }
        return request
    }

    private mutating func correspondence(_ tree: FormTree, _ path: String) -> CorrespondenceRequest.Correspondence {
        var result = CorrespondenceRequest.Correspondence()
        result.resourceId = string(tree["resourceId"], "\(path).resourceId")
        result.sendersReference = string(tree["sendersReference"], "\(path).sendersReference")
        result.messageSender = string(tree["messageSender"], "\(path).messageSender")
        if let content = tree["content"], content != .null { result.content = self.content(content, "\(path).content") }
        result.requestedPublishTime = date(tree["requestedPublishTime"], "\(path).requestedPublishTime")
        result.dueDateTime = date(tree["dueDateTime"], "\(path).dueDateTime")
        if let references = tree["externalReferences"], references != .null {
            result.externalReferences = list(references, "\(path).externalReferences").enumerated().map { item in
                let itemPath = "\(path).externalReferences[\(item.offset)]"
                return .init(
                    referenceValue: string(item.element["referenceValue"], "\(itemPath).referenceValue"),
                    referenceType: enumeration(
                        item.element["referenceType"], "\(itemPath).referenceType", CorrespondenceRequest.referenceTypes) ?? "Generic")
            }
        }
        if let properties = tree["propertyList"], properties != .null {
            if case .object(let members) = properties {
                for member in members {
                    if let value = string(member.value, "\(path).propertyList.\(member.key)") {
                        result.propertyList.append((member.key, value))
                    }
                }
            } else {
                fail("\(path).propertyList", "System.Collections.Generic.Dictionary", properties)
            }
        }
        if let options = tree["replyOptions"], options != .null {
            result.replyOptions = list(options, "\(path).replyOptions").enumerated().map { item in
                let itemPath = "\(path).replyOptions[\(item.offset)]"
                return .init(linkURL: string(item.element["linkURL"], "\(itemPath).linkURL"), linkText: string(item.element["linkText"], "\(itemPath).linkText"))
            }
        }
        if let notification = tree["notification"], notification != .null {
            result.notification = self.notification(notification, "\(path).notification")
        }
        result.ignoreReservation = bool(tree["ignoreReservation"], "\(path).ignoreReservation")
        result.isConfirmationNeeded = bool(tree["isConfirmationNeeded"], "\(path).isConfirmationNeeded") ?? false
        result.isConfidential = bool(tree["isConfidential"], "\(path).isConfidential") ?? false
        result.allowForwarding = bool(tree["allowForwarding"], "\(path).allowForwarding") ?? false
        return result
    }

    private mutating func content(_ tree: FormTree, _ path: String) -> CorrespondenceRequest.Content {
        var result = CorrespondenceRequest.Content()
        result.language = string(tree["language"], "\(path).language")
        result.messageTitle = string(tree["messageTitle"], "\(path).messageTitle")
        result.messageSummary = string(tree["messageSummary"], "\(path).messageSummary")
        result.messageBody = string(tree["messageBody"], "\(path).messageBody")
        if let attachments = tree["attachments"], attachments != .null {
            result.attachments = list(attachments, "\(path).attachments").enumerated().map { item in
                let itemPath = "\(path).attachments[\(item.offset)]"
                let node = item.element
                var metadata = CorrespondenceRequest.AttachmentMetadata()
                metadata.fileName = string(node["fileName"], "\(itemPath).fileName")
                metadata.displayName = string(node["displayName"], "\(itemPath).displayName")
                metadata.isEncrypted = bool(node["isEncrypted"], "\(itemPath).isEncrypted") ?? false
                metadata.checksum = string(node["checksum"], "\(itemPath).checksum")
                metadata.sendersReference = string(node["sendersReference"], "\(itemPath).sendersReference")
                metadata.expirationInDays = integer(node["expirationInDays"], "\(itemPath).expirationInDays")
                metadata.dataLocationType = enumeration(
                    node["dataLocationType"], "\(itemPath).dataLocationType", CorrespondenceRequest.dataLocationTypes)
                    ?? "NewCorrespondenceAttachment"
                return metadata
            }
        }
        return result
    }

    private mutating func notification(_ tree: FormTree, _ path: String) -> CorrespondenceRequest.Notification {
        var result = CorrespondenceRequest.Notification()
        let templates = CorrespondenceRequest.templates, channels = CorrespondenceRequest.channels
        let contentTypes = CorrespondenceRequest.contentTypes
        result.notificationTemplate = enumeration(tree["notificationTemplate"], "\(path).notificationTemplate", templates) ?? "CustomMessage"
        result.notificationChannel = enumeration(tree["notificationChannel"], "\(path).notificationChannel", channels) ?? "Email"
        result.emailSubject = string(tree["emailSubject"], "\(path).emailSubject")
        result.emailBody = string(tree["emailBody"], "\(path).emailBody")
        result.emailContentType = enumeration(tree["emailContentType"], "\(path).emailContentType", contentTypes) ?? "Plain"
        result.smsBody = string(tree["smsBody"], "\(path).smsBody")
        result.sendReminder = bool(tree["sendReminder"], "\(path).sendReminder") ?? false
        result.reminderEmailSubject = string(tree["reminderEmailSubject"], "\(path).reminderEmailSubject")
        result.reminderEmailBody = string(tree["reminderEmailBody"], "\(path).reminderEmailBody")
        result.reminderEmailContentType = enumeration(tree["reminderEmailContentType"], "\(path).reminderEmailContentType", contentTypes)
        result.reminderSmsBody = string(tree["reminderSmsBody"], "\(path).reminderSmsBody")
        result.reminderNotificationChannel = enumeration(tree["reminderNotificationChannel"], "\(path).reminderNotificationChannel", channels)
        result.sendersReference = string(tree["sendersReference"], "\(path).sendersReference")
        if let recipients = tree["customRecipients"], recipients != .null {
            result.customRecipients = list(recipients, "\(path).customRecipients").enumerated().map { item in
                let itemPath = "\(path).customRecipients[\(item.offset)]"
                let node = item.element
                return .init(
                    emailAddress: string(node["emailAddress"], "\(itemPath).emailAddress"),
                    mobileNumber: string(node["mobileNumber"], "\(itemPath).mobileNumber"),
                    organizationNumber: string(node["organizationNumber"], "\(itemPath).organizationNumber"),
                    nationalIdentityNumber: string(node["nationalIdentityNumber"], "\(itemPath).nationalIdentityNumber"),
                    isReserved: bool(node["isReserved"], "\(itemPath).isReserved"))
            }
        }
        result.overrideRegisteredContactInformation =
            bool(tree["overrideRegisteredContactInformation"], "\(path).overrideRegisteredContactInformation") ?? false
        return result
    }

    // MARK: Scalars

    /// A binding error: ASP.NET's form message (key = the field path) or System.Text.Json's
    /// (key = the JSON path).
    private mutating func fail(_ path: String, _ type: String, _ value: FormTree?) {
        if fromForm {
            let text: String
            if case .text(let value)? = value { text = value } else { text = "" }
            errors.append(.init(path: path, message: "The value '\(text)' is not valid for \(path.split(separator: ".").last ?? "").")) 
        } else {
            errors.append(.init(path: "$.\(path)", message: "The JSON value could not be converted to \(type). Path: $.\(path)"))
        }
    }

    mutating func string(_ tree: FormTree?, _ path: String) -> String? {
        switch tree {
        case nil, .null?: return nil
        case .text(let text)?: return text
        case .list(let items)? where fromForm:
            if case .text(let first)? = items.first { return first }
            fail(path, "System.String", tree)
            return nil
        default:
            fail(path, "System.String", tree)
            return nil
        }
    }

    mutating func strings(_ tree: FormTree, _ path: String) -> [String] {
        list(tree, path).enumerated().compactMap { string($0.element, "\(path)[\($0.offset)]") }
    }

    /// A list, or a single form value standing for a one-item list (`recipients=…`).
    mutating func list(_ tree: FormTree, _ path: String) -> [FormTree] {
        switch tree {
        case .list(let items): return items
        case .text where fromForm: return [tree]
        default:
            fail(path, "a list", tree)
            return []
        }
    }

    mutating func bool(_ tree: FormTree?, _ path: String) -> Bool? {
        switch tree {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case .text(let text)? where fromForm && ["true", "false"].contains(text.lowercased()): return text.lowercased() == "true"
        default:
            fail(path, "System.Boolean", tree)
            return nil
        }
    }

    mutating func integer(_ tree: FormTree?, _ path: String) -> Int? {
        switch tree {
        case nil, .null?: return nil
        case .number(let value)? where value.rounded() == value && abs(value) < 2_147_483_648: return Int(value)
        case .text(let text)? where fromForm && Int32(text) != nil: return Int(text)
        default:
            fail(path, "System.Int32", tree)
            return nil
        }
    }

    mutating func guid(_ tree: FormTree?, _ path: String) -> UUID? {
        guard let text = string(tree, path) else { return nil }
        guard let uuid = UUID(uuidString: text) else {
            fail(path, "System.Guid", tree)
            return nil
        }
        return uuid
    }

    /// ISO 8601 with an offset or `Z` (fractional seconds optional); without an offset the
    /// value is taken as UTC, as .NET's DateTimeOffset parsing does on a UTC server.
    mutating func date(_ tree: FormTree?, _ path: String) -> Date? {
        guard let text = string(tree, path) else { return nil }
        guard let date = AltinnDate.parse(text) else {
            fail(path, "System.DateTimeOffset", tree)
            return nil
        }
        return date
    }

    /// An enum sent by name (case-insensitive) or by number.
    mutating func enumeration(_ tree: FormTree?, _ path: String, _ names: [String]) -> String? {
        switch tree {
        case nil, .null?: return nil
        case .number(let value)? where value.rounded() == value && value >= 0 && Int(value) < names.count:
            return names[Int(value)]
        case .text(let text)?:
            if let name = names.first(where: { $0.lowercased() == text.lowercased() }) { return name }
            if let number = Int(text), names.indices.contains(number) { return names[number] }
            fallthrough
        default:
            fail(path, "an enum of \(names.joined(separator: ", "))", tree)
            return nil
        }
    }
}
