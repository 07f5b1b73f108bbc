/// What the simulated Altinn Correspondence service knows: which resources exist, which
/// recipients Register and KRR know about, how fast a correspondence moves through its statuses,
/// and which faults to inject on its routes.
///
/// Recipients are named by their identifier (`991825827`, an 11-digit national identity
/// number) or by their full URN; both match the normalised recipient.
public struct CorrespondenceSettings: Sendable {
    /// Resource ids (`CorrespondenceService` resources) that exist; anything else is 1036.
    public var resourceIds: Set<String>
    /// Resources whose access package makes them confidential (`isConfidential` must be true).
    public var confidentialResourceIds: Set<String>
    /// Recipients Register does not know (404/1029). Organisation numbers that fail the mod-11
    /// check are unknown in any case.
    public var unknownRecipients: Set<String>
    /// Persons reserved in KRR: 422/1030 alone, `Reserved` among several, unless `ignoreReservation`.
    public var reservedRecipients: Set<String>
    /// Recipients whose publishing fails, with the `statusText` the correspondence gets.
    public var failingRecipients: [String: String]
    /// How long the malware scan keeps a correspondence with attachments `Initialized`.
    public var scanSeconds: Double
    /// How long after publishing the recipient reads it; nil: only when told (`/_sim/`).
    public var readSeconds: Double?
    /// How long after reading the recipient confirms (when `isConfirmationNeeded`); nil: only when told.
    public var confirmSeconds: Double?
    /// Largest attachment accepted (the real limit on `/upload` is 2,000,000,000 bytes; the
    /// simulator keeps files in memory, so its default is smaller).
    public var maxAttachmentBytes: Int
    /// Largest request body read at all (form fields and files together).
    public var maxRequestBytes: Int
    /// TT02 and production differ in the minimum attachment expiry (1 vs 14 days).
    public var isProduction: Bool
    public var faults: FaultSettings

    public init(
        resourceIds: Set<String> = ["dropbridge-correspondence"], confidentialResourceIds: Set<String> = [],
        unknownRecipients: Set<String> = [], reservedRecipients: Set<String> = [],
        failingRecipients: [String: String] = [:], scanSeconds: Double = 2, readSeconds: Double? = 5,
        confirmSeconds: Double? = 5, maxAttachmentBytes: Int = 100_000_000, maxRequestBytes: Int = 110_000_000,
        isProduction: Bool = false, faults: FaultSettings = FaultSettings()
    ) {
        self.resourceIds = resourceIds
        self.confidentialResourceIds = confidentialResourceIds
        self.unknownRecipients = unknownRecipients
        self.reservedRecipients = reservedRecipients
        self.failingRecipients = failingRecipients
        self.scanSeconds = scanSeconds
        self.readSeconds = readSeconds
        self.confirmSeconds = confirmSeconds
        self.maxAttachmentBytes = maxAttachmentBytes
        self.maxRequestBytes = maxRequestBytes
        self.isProduction = isProduction
        self.faults = faults
    }

    /// Whether `recipient` (a normalised URN) is named in `set`, by URN or identifier.
    static func names(_ set: Set<String>, _ recipient: RecipientIdentifier) -> Bool {
        set.contains { $0.lowercased() == recipient.urn || $0 == recipient.identifier }
    }

    func failure(for recipient: RecipientIdentifier) -> String? {
        failingRecipients.first { $0.key.lowercased() == recipient.urn || $0.key == recipient.identifier }?.value
    }
}
