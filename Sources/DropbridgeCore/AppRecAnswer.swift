/// `NAME.apprec.json` (docs/contract.md §2): answer a received NHN message with an application receipt.
package struct AppRecAnswer: Sendable, Equatable {
    package enum Status: String, Sendable, Equatable, CaseIterable {
        case ok = "Ok"
        case rejected = "Rejected"
        case okErrorInMessagePart = "OkErrorInMessagePart"
    }

    package struct Failure: Sendable, Equatable {
        /// A code of FinnKode 8221 (e.g. `T02`).
        package var code: String
        package var details: String?

        package init(code: String, details: String? = nil) {
            self.code = code
            self.details = details
        }
    }

    /// The received message being answered (its NHN message id, as in `inbox/<messageId>.json`).
    package var messageId: String
    /// Our HER-id that received it: the AppRec's sender.
    package var receiverHerId: Int
    package var status: Status
    package var errors: [Failure]

    /// FinnKode 8221 "Feil i applikasjonskvittering" (docs/docs/docs/kith-messages.md §4).
    package static let errorCodes: [String: String] = [
        "E10": "Ugyldig meldingsidentifikator", "E20": "Lege finnes ikke", "E21": "Mottaker finnes ikke",
        "E30": "Pasientens fødselsnummer mangler", "E31": "Pasientens fødselsnummer er feil",
        "E32": "Pasientens navn mangler", "E35": "Pasienten finnes ikke i mottakersystemet",
        "E36": "Pasientopplysninger er mangelfulle", "E53": "Fødselsnummer/D-nummer finnes ikke i Folkeregisteret",
        "E54": "Fødselsnummer er ikke registrert hos mottaker",
        "S01": "Feil på signatur", "S02": "Ugyldig sertifikat", "S03": "Tilbakekalt sertifikat",
        "T01": "Ikke XML / ikke 'well formed' / uleselig", "T02": "XML validerer ikke",
        "T10": "Støtter ikke meldingsformatet", "T99": "Annen feil på format", "X99": "Annen feil",
    ]

    package static let errorCodeSystem = "2.16.578.1.12.4.1.1.8221"

    /// Strict decoding and the rules NHN applies: `Ok` carries no errors, `Rejected` and
    /// `OkErrorInMessagePart` at least one, every code from list 8221.
    package static func decode(_ bytes: [UInt8]) throws(SidecarError) -> AppRecAnswer {
        let root: JSONValue
        do {
            root = try StrictJSON.parse(bytes)
        } catch {
            throw SidecarError("the AppRec answer is not valid JSON: \(error)")
        }
        var fields = try FieldReader(root, path: "")
        let messageId = try fields.string("messageId")
        let receiver = try fields.herId("receiverHerId")
        let statusText = try fields.string("status")
        var failures: [Failure] = []
        if let value = fields.take("errors"), value != .null {
            guard case .array(let items) = value else { throw SidecarError("\"errors\" must be a list") }
            for item in items {
                var error = try FieldReader(item, path: "errors[].")
                guard let code = try error.string("code") else { throw SidecarError("\"errors[].code\" is required") }
                failures.append(Failure(code: code, details: try error.string("details")))
                try error.refuseUnknown()
            }
        }
        if fields.hasLeft("receiverHerIds") {
            // A sidecar named NAME.apprec.json (for NAME.apprec.xml) is read as an AppRec answer.
            throw SidecarError(
                "this is a drop's sidecar, but a file named NAME.apprec.json is an AppRec answer to a received message; "
                    + "a drop's NAME cannot end in .apprec: rename the pair (NAME.xml and NAME.json)")
        }
        try fields.refuseUnknown(in: "the AppRec answer")
        guard let messageId, !messageId.isEmpty else {
            throw SidecarError("\"messageId\" is required: the NHN message id of the received message (see inbox/<messageId>.json)")
        }
        guard let receiver else { throw SidecarError("\"receiverHerId\" is required: our HER-id that received the message") }
        guard let statusText, let status = Status(rawValue: statusText) else {
            let allowed = Status.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw SidecarError("\"status\" must be one of \(allowed)")
        }
        if status == .ok && !failures.isEmpty {
            throw SidecarError("an Ok receipt carries no errors; use \"OkErrorInMessagePart\" or \"Rejected\" to report them")
        }
        if status != .ok && failures.isEmpty {
            throw SidecarError("a \(status.rawValue) receipt needs at least one error (a code from list 8221, e.g. T02)")
        }
        for failure in failures where errorCodes[failure.code] == nil {
            throw SidecarError("error code \"\(failure.code)\" is not in code list 8221 (e.g. T01, T02, E21, X99)")
        }
        return AppRecAnswer(messageId: messageId, receiverHerId: receiver, status: status, errors: failures)
    }
}
