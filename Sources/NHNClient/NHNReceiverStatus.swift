/// One entry of `GET /messages/{id}/status` → `statusList` (docs/nhn-edi.md §3.7, §4).
package struct NHNReceiverStatus: Sendable, Equatable, Decodable {
    package var receiverHerId: Int?
    /// `Unconfirmed`, `Acknowledged`, `Rejected`, `Abandoned`, or a state this version does not know.
    package var transportDeliveryState: String?
    /// Sent to this receiver.
    package var sent: Bool?
    /// Nil until an AppRec arrives.
    package var apprecInfo: NHNAppRecInfo?

    package init(receiverHerId: Int?, transportDeliveryState: String?, sent: Bool?, apprecInfo: NHNAppRecInfo?) {
        self.receiverHerId = receiverHerId
        self.transportDeliveryState = transportDeliveryState
        self.sent = sent
        self.apprecInfo = apprecInfo
    }

    package init(from decoder: any Decoder) throws {
        let json = try decoder.container(keyedBy: AnyKey.self)
        receiverHerId = json.lenientInt(AnyKey("receiverHerId"))
        transportDeliveryState = json.lenientString(AnyKey("transportDeliveryState"))
        sent = json.lenientBool(AnyKey("sent"))
        apprecInfo = (try? json.decodeIfPresent(NHNAppRecInfo.self, forKey: AnyKey("apprecInfo"))) ?? nil
    }
}

/// The AppRec a receiver sent back, as NHN summarises it.
package struct NHNAppRecInfo: Sendable, Equatable, Decodable {
    /// `Ok`, `Rejected`, `OkErrorInMessagePart`, or a status this version does not know.
    package var appRecStatus: String?
    package var appRecErrorList: [NHNAppRecError]
    /// The AppRec message's own id.
    package var appRecId: String?

    package init(appRecStatus: String?, appRecErrorList: [NHNAppRecError] = [], appRecId: String?) {
        self.appRecStatus = appRecStatus
        self.appRecErrorList = appRecErrorList
        self.appRecId = appRecId
    }

    package init(from decoder: any Decoder) throws {
        let json = try decoder.container(keyedBy: AnyKey.self)
        appRecStatus = json.lenientString(AnyKey("appRecStatus"))
        appRecErrorList = (try? json.decodeIfPresent([NHNAppRecError].self, forKey: AnyKey("appRecErrorList"))) ?? []
        appRecId = json.lenientString(AnyKey("appRecId"))
    }
}

/// One AppRec error: `errorCode` from code list 8221 (or 8222), with free-text `details`.
package struct NHNAppRecError: Sendable, Equatable, Codable {
    package var errorCode: String
    package var details: String?
    /// The code's text.
    package var description: String?
    /// The code list's OID, e.g. `2.16.578.1.12.4.1.1.8221`.
    package var oid: String?

    package init(errorCode: String, details: String? = nil, description: String? = nil, oid: String? = nil) {
        self.errorCode = errorCode
        self.details = details
        self.description = description
        self.oid = oid
    }

    package init(from decoder: any Decoder) throws {
        let json = try decoder.container(keyedBy: AnyKey.self)
        errorCode = json.lenientString(AnyKey("errorCode")) ?? ""
        details = json.lenientString(AnyKey("details"))
        description = json.lenientString(AnyKey("description"))
        oid = json.lenientString(AnyKey("oid"))
    }

    package func encode(to encoder: any Encoder) throws {
        var json = encoder.container(keyedBy: AnyKey.self)
        try json.encode(errorCode, forKey: AnyKey("errorCode"))
        try json.encodeIfPresent(details, forKey: AnyKey("details"))
        try json.encodeIfPresent(description, forKey: AnyKey("description"))
        try json.encodeIfPresent(oid, forKey: AnyKey("oid"))
    }
}
