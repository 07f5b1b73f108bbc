import DropbridgeCore
import XMLCheck

/// What the simulator learned from a decoded business document.
enum InspectedDocument: Sendable, Equatable {
    /// Not acceptable as XML: not well-formed, a DOCTYPE, or not UTF-8.
    case refused(reason: String, errors: [LineError])
    case msgHead(MsgHeadInfo)
    /// A standalone AppRec sent with `POST /messages`.
    case appRec(AppRecInfo)
    /// Well-formed XML of some other kind.
    case other
}

/// The seam to the XML checks, so routes stay free of libxml2 details.
protocol DocumentInspecting: Sendable {
    func inspect(_ bytes: [UInt8]) -> InspectedDocument
}

/// The bridge's own safe libxml2 parse (no schemas: NHN checks structure, not KITH schemas).
struct XMLCheckInspector: DocumentInspecting {
    private let validator = XMLValidator(schemas: nil, requireSchema: false)

    func inspect(_ bytes: [UInt8]) -> InspectedDocument {
        let result = validator.check(bytes)
        guard let document = result.document else {
            let failure = result.failure
            return .refused(reason: failure?.reason ?? "the XML is not well-formed", errors: failure?.errors ?? [])
        }
        // NHN wants UTF-8 that says so (docs/nhn-edi.md §3.2, §11.14); XMLCheck would re-encode,
        // and would add a missing declaration.
        if let encoding = document.originalEncoding {
            return .refused(reason: "the XML is declared as \(encoding); NHN requires UTF-8", errors: [])
        }
        guard let declared = XMLDeclaration.encoding(of: bytes), ["UTF-8", "UTF8"].contains(declared.uppercased()) else {
            return .refused(
                reason: "the XML does not declare its encoding; NHN requires <?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                errors: [])
        }
        if let failure = result.failure {
            return .refused(reason: failure.reason, errors: failure.errors)
        }
        if let msgHead = document.msgHead { return .msgHead(msgHead) }
        if let appRec = document.appRec { return .appRec(appRec) }
        return .other
    }
}
