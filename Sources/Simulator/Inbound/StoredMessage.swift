#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Transport state per receiver (docs/nhn-edi.md §4).
enum TransportDeliveryState: String, Sendable, Codable {
    case unconfirmed = "Unconfirmed"
    case acknowledged = "Acknowledged"
    case rejected = "Rejected"
    case abandoned = "Abandoned"
}

struct AppRecInfoBody: Sendable, Codable, Equatable {
    var appRecStatus: String
    var appRecErrorList: [AppRecError]
    var appRecId: String
}

/// One entry of `GET /messages/{id}/status`.
struct ReceiverStatus: Sendable, Codable, Equatable {
    var receiverHerId: Int
    var transportDeliveryState: TransportDeliveryState
    var sent: Bool
    var apprecInfo: AppRecInfoBody?

    // `apprecInfo` is written as null until an AppRec arrives, as NHN does.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(receiverHerId, forKey: .receiverHerId)
        try container.encode(transportDeliveryState, forKey: .transportDeliveryState)
        try container.encode(sent, forKey: .sent)
        try container.encode(apprecInfo, forKey: .apprecInfo)
    }
}

/// Every message the simulated service holds, whatever its origin (sent by the client,
/// injected, or written by a simulated counterparty), so it can be fetched by id.
struct StoredMessage: Sendable {
    var id: String
    var senderHerId: Int
    var receiverHerIds: [Int]
    /// `MsgId`, or the AppRec `Id`.
    var businessDocumentId: String?
    var genDate: String?
    var messageType: String
    var document: String
    var isAppRec: Bool
    var statuses: [ReceiverStatus]

    init(
        id: String = UUID().uuidString.lowercased(), senderHerId: Int, receiverHerIds: [Int],
        businessDocumentId: String?, genDate: String?, messageType: String, document: String, isAppRec: Bool
    ) {
        self.id = id
        self.senderHerId = senderHerId
        self.receiverHerIds = receiverHerIds
        self.businessDocumentId = businessDocumentId
        self.genDate = genDate
        self.messageType = messageType
        self.document = document
        self.isAppRec = isAppRec
        statuses = receiverHerIds.map {
            ReceiverStatus(receiverHerId: $0, transportDeliveryState: .unconfirmed, sent: false, apprecInfo: nil)
        }
    }

    mutating func updateStatus(of receiver: Int, _ change: (inout ReceiverStatus) -> Void) {
        for index in statuses.indices where statuses[index].receiverHerId == receiver {
            change(&statuses[index])
        }
    }

    /// `GET /messages/{id}` (docs/nhn-edi.md §3.5).
    struct Metadata: Codable, Sendable {
        var id: String
        var senderHerId: Int
        var receiverHerIds: [Int]
        var businessDocumentId: String?
        var businessDocumentGenDate: String?
        var businessDocumentMsgType: String
        var contentType: String
    }

    var metadata: Metadata {
        Metadata(
            id: id, senderHerId: senderHerId, receiverHerIds: receiverHerIds, businessDocumentId: businessDocumentId,
            businessDocumentGenDate: genDate, businessDocumentMsgType: messageType, contentType: "application/xml")
    }
}

/// A minimal AppRec 1.1 (KITH 2012-02-15), as a counterparty (or NHN on our behalf) writes it.
enum AppRecWriter {
    static let namespace = "http://www.kith.no/xmlstds/apprec/2012-02-15"

    /// `status` is the FinnKode 8258 value: 1 Ok, 2 Rejected, 3 OkErrorInMessagePart.
    static func document(
        id: String, status: String = "1", originalMsgId: String, originalType: String, from sender: Int, to receiver: Int
    ) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <AppRec xmlns="\(namespace)">
          <MsgType V="APPREC"/>
          <MIGversion>v1.1 2012-02-15</MIGversion>
          <GenDate>\(Date().formatted(.iso8601))</GenDate>
          <Id>\(id)</Id>
          <Sender><HCP><Inst><Name>Simulated counterparty</Name><Id>\(sender)</Id><TypeId V="HER" S="2.16.578.1.12.4.1.1.9051" DN="HER-id"/></Inst></HCP></Sender>
          <Receiver><HCP><Inst><Name>Simulated sender</Name><Id>\(receiver)</Id><TypeId V="HER" S="2.16.578.1.12.4.1.1.9051" DN="HER-id"/></Inst></HCP></Receiver>
          <Status V="\(status)"/>
          <OriginalMsgId>
            <MsgType V="\(escape(originalType))"/>
            <IssueDate>\(Date().formatted(.iso8601))</IssueDate>
            <Id>\(escape(originalMsgId))</Id>
          </OriginalMsgId>
        </AppRec>
        """
    }

    static func escape(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;")
            .replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
    }
}
