import DropbridgeCore

/// What the simulator learned from a decoded business document.
enum InspectedDocument: Sendable, Equatable {
    /// Not well-formed XML (or not acceptable as XML at all).
    case malformed([LineError])
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
