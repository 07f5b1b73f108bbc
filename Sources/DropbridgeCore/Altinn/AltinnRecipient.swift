import Foundation

/// A correspondence recipient as the sidecar names it: an organisation number or a national
/// identity number (fødselsnummer / D-number) in Altinn's URN form (reference §3.2).
public struct AltinnRecipient: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        case organization
        case person
    }

    public static let organizationPrefix = "urn:altinn:organization:identifier-no:"
    public static let personPrefix = "urn:altinn:person:identifier-no:"

    public var kind: Kind
    /// The digits (9 for an organisation, 11 for a person).
    public var number: String

    /// The URN as sent (normalised lower case, as Altinn echoes it).
    public var urn: String { (kind == .organization ? Self.organizationPrefix : Self.personPrefix) + number }

    public init(kind: Kind, number: String) {
        self.kind = kind
        self.number = number
    }

    /// Parses and checks one URN; the error says what is wrong without repeating a person's number.
    public static func parse(_ text: String) -> Result<AltinnRecipient, RecipientProblem> {
        if text.hasPrefix(organizationPrefix) {
            let number = String(text.dropFirst(organizationPrefix.count))
            guard number.count == 9, number.allSatisfy(\.isASCIIDigit) else { return .failure(.organizationFormat) }
            guard Mod11.isValidOrganizationNumber(number) else { return .failure(.organizationCheckDigit) }
            return .success(AltinnRecipient(kind: .organization, number: number))
        }
        if text.hasPrefix(personPrefix) {
            let number = String(text.dropFirst(personPrefix.count))
            guard number.count == 11, number.allSatisfy(\.isASCIIDigit) else { return .failure(.personFormat) }
            guard Mod11.isValidNationalIdentityNumber(number) else { return .failure(.personCheckDigits) }
            return .success(AltinnRecipient(kind: .person, number: number))
        }
        return .failure(.unknownForm)
    }

    /// What a log line, the ledger's lists and receipts for operators may say: an organisation
    /// number in full (public), a person only as the kind and a short hash (never the number).
    public var logForm: String {
        switch kind {
        case .organization: urn
        case .person: "person:" + Self.shortHash(number)
        }
    }

    /// FNV-1a, 8 hex digits: enough to tell recipients of one drop apart, too short to search for.
    static func shortHash(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return String(format: "%08x", hash)
    }
}

public enum RecipientProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownForm
    case organizationFormat
    case organizationCheckDigit
    case personFormat
    case personCheckDigits

    public var description: String {
        switch self {
        case .unknownForm:
            "must be urn:altinn:organization:identifier-no:<9 digits> or urn:altinn:person:identifier-no:<11 digits>"
        case .organizationFormat: "an organisation number must be exactly 9 digits"
        case .organizationCheckDigit: "the organisation number's check digit (mod 11) is wrong"
        case .personFormat: "a national identity number must be exactly 11 digits"
        case .personCheckDigits: "the national identity number's check digits (mod 11) are wrong"
        }
    }
}

/// The modulus-11 checks of Norwegian organisation and national identity numbers.
public enum Mod11 {
    static func digits(_ text: String) -> [Int] { text.compactMap(\.wholeNumberValue) }

    /// Weights 3 2 7 6 5 4 3 2 over the first 8 digits; the 9th is the check digit.
    public static func isValidOrganizationNumber(_ number: String) -> Bool {
        let d = digits(number)
        guard d.count == 9 else { return false }
        return checkDigit(d, weights: [3, 2, 7, 6, 5, 4, 3, 2]) == d[8]
    }

    /// Two check digits: k1 over the first 9, k2 over the first 10.
    public static func isValidNationalIdentityNumber(_ number: String) -> Bool {
        let d = digits(number)
        guard d.count == 11 else { return false }
        return checkDigit(d, weights: [3, 7, 6, 1, 8, 9, 4, 5, 2]) == d[9]
            && checkDigit(d, weights: [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) == d[10]
    }

    /// nil when the remainder makes no valid digit (11 − r = 10).
    static func checkDigit(_ d: [Int], weights: [Int]) -> Int? {
        let sum = zip(d, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let k = 11 - sum % 11
        if k == 11 { return 0 }
        return k == 10 ? nil : k
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Hides national identity numbers in text that goes to a log line or a reason (an API's error
/// message may repeat the recipient): every run of exactly 11 digits becomes `[person]`.
public enum PersonNumberMask {
    public static func mask(_ text: String) -> String {
        var result = ""
        var digits = ""
        func flush() {
            result += digits.count == 11 ? "[person]" : digits
            digits = ""
        }
        for character in text {
            if character.isASCIIDigit {
                digits.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }
}
