/// The notification checks (reference §3.6): content per channel for `CustomMessage`, the
/// custom-recipient rules.
enum NotificationRules {
    static func check(_ notification: CorrespondenceRequest.Notification, recipientCount: Int) throws(AltinnProblem) {
        func has(_ text: String?) -> Bool { !(text ?? "").allSatisfy(\.isWhitespace) }
        if notification.notificationTemplate == "CustomMessage" {
            let email = has(notification.emailSubject) && has(notification.emailBody)
            let sms = has(notification.smsBody)
            switch notification.notificationChannel {
            case "Email" where !email:
                throw .badRequest(3002, "Email body and subject must be provided when sending email notifications")
            case "Sms" where !sms:
                throw .badRequest(3004, "SMS body must be provided when sending SMS notifications")
            case "EmailPreferred", "SmsPreferred":
                if !(email && sms) {
                    throw .badRequest(3006, "Email body, subject and SMS body must be provided when sending preferred notifications")
                }
            case "EmailAndSms" where !(email && sms):
                throw .badRequest(3024, "Email body, subject and SMS body must be provided when sending email and SMS notifications")
            default: break
            }
            if notification.sendReminder {
                let reminderEmail = has(notification.reminderEmailSubject) && has(notification.reminderEmailBody)
                let reminderSms = has(notification.reminderSmsBody)
                switch notification.reminderNotificationChannel ?? notification.notificationChannel {
                case "Email" where !reminderEmail:
                    throw .badRequest(3003, "Reminder email body and subject must be provided when sending reminder email notifications")
                case "Sms" where !reminderSms:
                    throw .badRequest(3005, "Reminder SMS body must be provided when sending reminder SMS notifications")
                case "EmailPreferred", "SmsPreferred":
                    if !(reminderEmail && reminderSms) {
                        throw .badRequest(3007, "Reminder email body, subject and SMS body must be provided when sending reminder preferred notifications")
                    }
                case "EmailAndSms" where !(reminderEmail && reminderSms):
                    throw .badRequest(3025, "Reminder email body, subject and SMS body must be provided when sending reminder email and SMS notifications")
                default: break
                }
            }
        }
        if notification.overrideRegisteredContactInformation, notification.customRecipients.isEmpty {
            throw .badRequest(3022, "Custom recipients are required when overriding registered contact information")
        }
        guard !notification.customRecipients.isEmpty else { return }
        if recipientCount != 1 {
            throw .badRequest(3017, "Custom recipients are only supported with a single correspondence recipient")
        }
        for recipient in notification.customRecipients {
            let given = [recipient.emailAddress, recipient.mobileNumber, recipient.organizationNumber, recipient.nationalIdentityNumber]
                .filter(has)
            if given.isEmpty { throw .badRequest(3019, "A custom recipient must have one identifier") }
            if given.count > 1 { throw .badRequest(3018, "A custom recipient may have only one identifier") }
            if let email = recipient.emailAddress, has(email), email.contains(";") || !RecipientIdentifier.isEmailAddress(email) {
                throw .badRequest(3011, "Invalid email address provided for custom recipient")
            }
            if let mobile = recipient.mobileNumber, has(mobile), !isMobileNumber(mobile) {
                throw .badRequest(3012, "Invalid mobile number provided for custom recipient")
            }
            let texts = [notification.emailSubject, notification.emailBody, notification.smsBody].compactMap { $0 }
            if has(recipient.emailAddress) || has(recipient.mobileNumber), texts.contains(where: { $0.contains("$recipientName$") }) {
                throw .badRequest(3015, "The keyword $recipientName$ cannot be used with a custom e-mail or mobile recipient")
            }
        }
    }

    /// `+` or `00`, then a country code and number: E.164, at most 15 digits.
    static func isMobileNumber(_ number: String) -> Bool {
        let digits: Substring
        if number.hasPrefix("+") { digits = number.dropFirst() } else if number.hasPrefix("00") { digits = number.dropFirst(2) } else { return false }
        return (8...15).contains(digits.count) && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber) && digits.first != "0"
    }
}
