/// A correspondence recipient as Altinn reads it (reference §3.2): an organisation or a person
/// URN, normalised to lower case. The format check is model validation; whether the party
/// exists is Register's business (404/1029).
struct RecipientIdentifier: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case organization, person, idportenEmail, legacySelfIdentified
    }

    static let organizationPrefix = "urn:altinn:organization:identifier-no:"
    static let personPrefix = "urn:altinn:person:identifier-no:"
    static let emailPrefix = "urn:altinn:person:idporten-email:"
    static let legacyPrefix = "urn:altinn:person:legacy-selfidentified:"

    var kind: Kind
    /// The organisation number, national identity number, e-mail or user name.
    var identifier: String

    /// The normalised URN the response echoes.
    var urn: String {
        switch kind {
        case .organization: Self.organizationPrefix + identifier
        case .person: Self.personPrefix + identifier
        case .idportenEmail: Self.emailPrefix + identifier.lowercased()
        case .legacySelfIdentified: Self.legacyPrefix + identifier.lowercased()
        }
    }

    /// The model validation message, nil when `value` is a valid recipient (case-sensitive
    /// prefixes, as the real regular expressions are).
    static func formatProblem(_ value: String) -> String? {
        if value.allSatisfy(\.isWhitespace) { return "Recipients can not contain null or empty values" }
        guard let recipient = parse(value) else {
            return "Recipient should be an organization number in the format '\(organizationPrefix.dropLast())"
                + ":organizationnumber' or the format countrycode:organizationnumber, for instance 0192:910753614, a national identity number, an idporten email URN in the format '\(emailPrefix.dropLast()):email', or a legacy selfidentified URN in the format '\(legacyPrefix.dropLast()):username'"
        }
        if recipient.kind == .person, !isNationalIdentityNumber(recipient.identifier) {
            return "The given Recipient national identity number is not valid"
        }
        if recipient.kind == .idportenEmail, !isEmailAddress(recipient.identifier) {
            return "The given Recipient email address is not valid"
        }
        return nil
    }

    /// The recipient `value` names, or nil when it matches none of the formats.
    static func parse(_ value: String) -> RecipientIdentifier? {
        func digits(_ text: Substring, count: Int) -> String? {
            text.utf8.count == count && text.utf8.allSatisfy { (48...57).contains($0) } ? String(text) : nil
        }
        if value.hasPrefix(organizationPrefix), let number = digits(value.dropFirst(organizationPrefix.count), count: 9) {
            return RecipientIdentifier(kind: .organization, identifier: number)
        }
        if value.hasPrefix("0192:"), let number = digits(value.dropFirst(5), count: 9) {
            return RecipientIdentifier(kind: .organization, identifier: number)
        }
        if value.hasPrefix(personPrefix), let number = digits(value.dropFirst(personPrefix.count), count: 11) {
            return RecipientIdentifier(kind: .person, identifier: number)
        }
        if let number = digits(value[...], count: 11) {
            return RecipientIdentifier(kind: .person, identifier: number)
        }
        if value.hasPrefix(emailPrefix), value.count > emailPrefix.count {
            return RecipientIdentifier(kind: .idportenEmail, identifier: String(value.dropFirst(emailPrefix.count)))
        }
        if value.hasPrefix(legacyPrefix), value.count > legacyPrefix.count, !value.dropFirst(legacyPrefix.count).contains(":") {
            return RecipientIdentifier(kind: .legacySelfIdentified, identifier: String(value.dropFirst(legacyPrefix.count)))
        }
        return nil
    }

    /// Both mod-11 control digits of an 11-digit fødselsnummer/D-number.
    static func isNationalIdentityNumber(_ number: String) -> Bool {
        let digits = number.utf8.map { Int($0) - 48 }
        guard digits.count == 11, digits.allSatisfy({ (0...9).contains($0) }) else { return false }
        let first = controlDigit(digits[0..<9], weights: [3, 7, 6, 1, 8, 9, 4, 5, 2])
        guard let first, first == digits[9] else { return false }
        let second = controlDigit(digits[0..<10], weights: [5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
        return second == digits[10]
    }

    /// The mod-11 control digit of a 9-digit organisation number (weights 3 2 7 6 5 4 3 2).
    static func isOrganizationNumber(_ number: String) -> Bool {
        let digits = number.utf8.map { Int($0) - 48 }
        guard digits.count == 9, digits.allSatisfy({ (0...9).contains($0) }) else { return false }
        return controlDigit(digits[0..<8], weights: [3, 2, 7, 6, 5, 4, 3, 2]) == digits[8]
    }

    /// 11 − (Σ wᵢdᵢ mod 11), with 11 → 0 and 10 → no valid digit.
    static func controlDigit(_ digits: ArraySlice<Int>, weights: [Int]) -> Int? {
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let control = 11 - sum % 11
        switch control {
        case 11: return 0
        case 10: return nil
        default: return control
        }
    }

    /// Altinn's `IsEmailAddress`: one `@` with text on both sides, no spaces.
    static func isEmailAddress(_ text: String) -> Bool {
        let pieces = text.split(separator: "@", omittingEmptySubsequences: false)
        return pieces.count == 2 && !pieces[0].isEmpty && !pieces[1].isEmpty && !text.contains(" ")
    }
}
