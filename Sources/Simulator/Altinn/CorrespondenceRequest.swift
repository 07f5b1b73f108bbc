#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `InitializeCorrespondencesExt` as the simulator reads it, from JSON or from the multipart
/// form (reference §3.2–3.6). Values are kept as sent; validation happens afterwards.
struct CorrespondenceRequest: Sendable {
    var correspondence: Correspondence?
    var recipients: [String]?
    var existingAttachments: [UUID] = []
    var idempotentKey: UUID?

    struct Correspondence: Sendable {
        var resourceId: String?
        var sendersReference: String?
        var messageSender: String?
        var content: Content?
        var requestedPublishTime: Date?
        var dueDateTime: Date?
        var externalReferences: [ExternalReference]?
        var propertyList: [(key: String, value: String)] = []
        var replyOptions: [ReplyOption] = []
        var notification: Notification?
        var ignoreReservation: Bool?
        var isConfirmationNeeded = false
        var isConfidential = false
        var allowForwarding = false
    }

    struct Content: Sendable {
        var language: String?
        var messageTitle: String?
        var messageSummary: String?
        var messageBody: String?
        var attachments: [AttachmentMetadata] = []
    }

    struct AttachmentMetadata: Sendable {
        var fileName: String?
        var displayName: String?
        var isEncrypted = false
        var checksum: String?
        var sendersReference: String?
        var expirationInDays: Int?
        var dataLocationType: String = "NewCorrespondenceAttachment"
    }

    struct ExternalReference: Sendable {
        var referenceValue: String?
        var referenceType: String
    }

    struct ReplyOption: Sendable {
        var linkURL: String?
        var linkText: String?
    }

    struct Notification: Sendable {
        var notificationTemplate = "CustomMessage"
        var notificationChannel = "Email"
        var emailSubject: String?
        var emailBody: String?
        var emailContentType = "Plain"
        var smsBody: String?
        var sendReminder = false
        var reminderEmailSubject: String?
        var reminderEmailBody: String?
        var reminderEmailContentType: String?
        var reminderSmsBody: String?
        var reminderNotificationChannel: String?
        var sendersReference: String?
        var customRecipients: [CustomRecipient] = []
        var overrideRegisteredContactInformation = false
    }

    struct CustomRecipient: Sendable {
        var emailAddress: String?
        var mobileNumber: String?
        var organizationNumber: String?
        var nationalIdentityNumber: String?
        var isReserved: Bool?
    }

    static let referenceTypes = [
        "Generic", "AltinnAppInstance", "AltinnBrokerFileTransfer", "DialogportenDialogId", "DialogportenProcessId",
        "DialogportenTransmissionId", "DialogportenTransmissionType",
    ]
    static let templates = ["CustomMessage", "GenericAltinnMessage"]
    static let channels = ["Email", "Sms", "EmailPreferred", "SmsPreferred", "EmailAndSms"]
    static let contentTypes = ["Plain", "Html"]
    static let dataLocationTypes = ["NewCorrespondenceAttachment", "ExistingCorrespondenceAttachment", "ExistingExternalStorage"]

    /// Reads the tree; values of the wrong type are validation errors, as ASP.NET's binding
    /// reports them.
    static func bind(_ tree: FormTree, fromForm: Bool) throws(AltinnProblem) -> CorrespondenceRequest {
        var binder = FormBinder(fromForm: fromForm)
        let request = binder.request(tree)
        guard binder.errors.isEmpty else { throw .validation(binder.errors) }
        return request
    }
}
