/// `correspondence.notification` as the server checks it (docs/altinn-correspondence.md §3.6, errors 3002–3007,
/// 3024, 3025 and the length limits).
enum NotificationRules {
    static let templates = ["CustomMessage", "GenericAltinnMessage"]
    static let channels = ["Email", "Sms", "EmailPreferred", "SmsPreferred", "EmailAndSms"]
    static let contentTypes = ["Plain", "Html"]

    static func check(_ input: AltinnNotification) throws(DropFailure) -> AltinnNotification {
        func refuse(_ field: String, _ message: String) -> DropFailure {
            DropFailure(stage: .validation, reason: "sidecar \"notification.\(field)\": \(message)")
        }
        func canonical(_ value: String?, _ allowed: [String], _ field: String) throws(DropFailure) -> String? {
            guard let value else { return nil }
            guard let match = allowed.first(where: { $0.lowercased() == value.lowercased() }) else {
                throw refuse(field, "must be one of \(allowed.joined(separator: ", "))")
            }
            return match
        }
        var n = input
        n.notificationTemplate = try canonical(n.notificationTemplate, templates, "notificationTemplate")
        n.notificationChannel = try canonical(n.notificationChannel, channels, "notificationChannel")
        n.reminderNotificationChannel = try canonical(n.reminderNotificationChannel, channels, "reminderNotificationChannel")
        n.emailContentType = try canonical(n.emailContentType, contentTypes, "emailContentType")
        n.reminderEmailContentType = try canonical(n.reminderEmailContentType, contentTypes, "reminderEmailContentType")
        let limits: [(String, String?, Int)] = [
            ("emailSubject", n.emailSubject, 512), ("emailBody", n.emailBody, 10_000), ("smsBody", n.smsBody, 2_144),
            ("reminderEmailSubject", n.reminderEmailSubject, 512), ("reminderEmailBody", n.reminderEmailBody, 10_000),
            ("reminderSmsBody", n.reminderSmsBody, 2_144),
        ]
        for (field, value, limit) in limits where (value?.utf16.count ?? 0) > limit {
            throw refuse(field, tooLong(value ?? "", limit))
        }
        // A custom message needs its text for every channel it may use; reminders likewise.
        guard (n.notificationTemplate ?? "CustomMessage") == "CustomMessage" else { return n }
        let channel = n.notificationChannel ?? "Email"
        try requireContent(channel, email: (n.emailSubject, n.emailBody), sms: n.smsBody, prefix: "", refuse)
        if n.sendReminder == true {
            try requireContent(
                n.reminderNotificationChannel ?? channel, email: (n.reminderEmailSubject, n.reminderEmailBody),
                sms: n.reminderSmsBody, prefix: "reminder", refuse)
        }
        return n
    }

    private static func requireContent(
        _ channel: String, email: (String?, String?), sms: String?, prefix: String,
        _ refuse: (String, String) -> DropFailure
    ) throws(DropFailure) {
        func has(_ text: String?) -> Bool { !(text ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
        func name(_ field: String) -> String { prefix.isEmpty ? field : prefix + field.prefix(1).uppercased() + field.dropFirst() }
        let needsEmail = channel != "Sms"
        let needsSMS = channel != "Email"
        let why = "is required with notificationTemplate CustomMessage and channel \(channel)"
        if needsEmail && !has(email.0) { throw refuse(name("emailSubject"), why) }
        if needsEmail && !has(email.1) { throw refuse(name("emailBody"), why) }
        if needsSMS && !has(sms) { throw refuse(name("smsBody"), why) }
    }
}
