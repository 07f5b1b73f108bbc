/// Faults for one stored message, as the real service shows them now and then: its document
/// answers an error for good (a message NHN lost, a backend down for it), its status list comes
/// back `null`. Set with `NHNSimulator.setMessageFault(_:for:)`.
package struct MessageFault: Sendable, Codable, Equatable {
    /// `GET /messages/{id}/business-document` answers this status (ProblemDetails), every time.
    package var documentStatus: Int?
    /// `GET /messages/{id}/business-document` answers 200 with `businessDocument` that is not base64.
    package var documentNotBase64: Bool
    /// `GET /messages/{id}/status` answers `{"statusList": null}`.
    package var nullStatusList: Bool

    package init(documentStatus: Int? = nil, documentNotBase64: Bool = false, nullStatusList: Bool = false) {
        self.documentStatus = documentStatus
        self.documentNotBase64 = documentNotBase64
        self.nullStatusList = nullStatusList
    }
}

extension SimulatorState {
    func setMessageFault(_ fault: MessageFault?, for messageId: String) {
        inbound.messageFaults[messageId.lowercased()] = fault
    }

    func messageFault(_ messageId: String) -> MessageFault? {
        inbound.messageFaults[messageId.lowercased()]
    }

    /// Known counterparties that never get a message: its delivery ends `Abandoned`.
    func setAbandoningCounterparties(_ herIds: Set<Int>) {
        inbound.abandoningCounterparties = herIds
    }
}

extension NHNSimulator {
    /// Faults for one message id (nil clears them).
    package func setMessageFault(_ fault: MessageFault?, for messageId: String) async {
        await state.setMessageFault(fault, for: messageId)
    }

    /// Messages to these counterparties are never delivered: the status says `Abandoned` (final,
    /// docs/nhn-edi.md §4) and no AppRec comes.
    package func setAbandoningCounterparties(_ herIds: Set<Int>) async {
        await state.setAbandoningCounterparties(herIds)
    }
}
