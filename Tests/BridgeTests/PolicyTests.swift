import Bridge
import DropbridgeCore
import XCTest

final class RetryPolicyTests: XCTestCase {
    func testBackoffGrowsIsCappedAndJittered() {
        let policy = RetryPolicy(initialSeconds: 1, maxSeconds: 30, jitter: 0.5...1.0)
        XCTAssertEqual(policy.delay(afterFailures: 1, retryAfter: nil, random: 1), 1)
        XCTAssertEqual(policy.delay(afterFailures: 2, retryAfter: nil, random: 1), 2)
        XCTAssertEqual(policy.delay(afterFailures: 5, retryAfter: nil, random: 1), 16)
        XCTAssertEqual(policy.delay(afterFailures: 6, retryAfter: nil, random: 1), 30)
        XCTAssertEqual(policy.delay(afterFailures: 500, retryAfter: nil, random: 1), 30)
        XCTAssertEqual(policy.delay(afterFailures: 6, retryAfter: nil, random: 0), 15)
    }

    func testRetryAfterIsHonouredButBounded() {
        let policy = RetryPolicy(initialSeconds: 1, maxSeconds: 30)
        XCTAssertEqual(policy.delay(afterFailures: 1, retryAfter: 20, random: 1), 20)
        XCTAssertEqual(policy.delay(afterFailures: 6, retryAfter: 2, random: 1), 30)
        XCTAssertEqual(policy.delay(afterFailures: 1, retryAfter: 86_400, random: 1), 3600)
    }
}

final class MessageResolverTests: XCTestCase {
    let head = MsgHeadInfo(msgId: "m1", messageType: "DIALOG_HELSEFAGLIG", senderHerId: 8143060, receiverHerId: 8094866)

    func testSidecarThenMsgHeadThenConfig() throws {
        var resolved = try MessageResolver.resolve(
            sidecar: NHNSidecar(receiverHerIds: [1, 2]), msgHead: head, configuredSender: 99)
        XCTAssertEqual(resolved.senderHerId, 8143060)
        XCTAssertEqual(resolved.receiverHerIds, [1, 2])
        XCTAssertEqual(resolved.messageTypeIdentificator, "DIALOG_HELSEFAGLIG")
        XCTAssertEqual(resolved.msgId, "m1")
        resolved = try MessageResolver.resolve(
            sidecar: NHNSidecar(receiverHerIds: [1], messageTypeIdentificator: "DIALOG_NOTAT"),
            msgHead: MsgHeadInfo(msgId: "m2"), configuredSender: 99)
        XCTAssertEqual(resolved.senderHerId, 99)
        XCTAssertEqual(resolved.messageTypeIdentificator, "DIALOG_NOTAT")
        // Without a sidecar (outbox.sidecar: optional) the MsgHead's receiver is used.
        resolved = try MessageResolver.resolve(sidecar: nil, msgHead: head, configuredSender: nil)
        XCTAssertEqual(resolved.receiverHerIds, [8094866])
    }

    func testRefusals() {
        XCTAssertThrowsError(
            try MessageResolver.resolve(sidecar: NHNSidecar(senderHerId: 1, receiverHerIds: [2]), msgHead: head, configuredSender: nil)
        ) { error in
            XCTAssertEqual((error as? DropFailure)?.stage, .validation)
            XCTAssertTrue((error as? DropFailure)?.reason.contains("differs") ?? false)
        }
        XCTAssertThrowsError(
            try MessageResolver.resolve(sidecar: NHNSidecar(receiverHerIds: [2]), msgHead: MsgHeadInfo(messageType: "X"), configuredSender: nil))
        XCTAssertThrowsError(
            try MessageResolver.resolve(sidecar: NHNSidecar(receiverHerIds: [2]), msgHead: MsgHeadInfo(senderHerId: 1), configuredSender: nil))
        XCTAssertThrowsError(try MessageResolver.resolve(sidecar: nil, msgHead: MsgHeadInfo(messageType: "X", senderHerId: 1), configuredSender: nil))
    }
}

final class SidecarTests: XCTestCase {
    func decode(_ text: String) throws -> Sidecar { try Sidecar.decode(Array(text.utf8)) }

    func testAFullSidecarWithABOM() throws {
        let sidecar = try Sidecar.decode(
            [0xEF, 0xBB, 0xBF]
                + Array(#"{"channel":"nhn","senderHerId":8143060,"receiverHerIds":[8094866],"messageTypeIdentificator":"DIALOG_NOTAT","transportMetadataOverrides":{"cpaId":"c","compressPayload":true}}"#.utf8))
        guard case .nhn(let nhn) = sidecar else { return XCTFail("not nhn") }
        XCTAssertEqual(nhn.senderHerId, 8143060)
        XCTAssertEqual(nhn.receiverHerIds, [8094866])
        XCTAssertEqual(nhn.transportMetadataOverrides?.cpaId, "c")
        XCTAssertEqual(nhn.transportMetadataOverrides?.compressPayload, true)
    }

    /// A sidecar naming one receiver 5,000 times was sent as is, and delivered 5,000 times.
    func testAReceiverNamedTwiceIsRefused() throws {
        XCTAssertThrowsError(try decode(#"{"receiverHerIds":[8094866,8143025,8094866]}"#)) { error in
            XCTAssertTrue("\(error)".contains("HER-id 8094866 is already named at receiverHerIds[0]"), "\(error)")
        }
        guard case .nhn(let nhn) = try decode(#"{"receiverHerIds":[8094866,8143025]}"#) else { return XCTFail("not nhn") }
        XCTAssertEqual(nhn.receiverHerIds, [8094866, 8143025])
    }

    func testRefusalsNameTheKey() {
        let cases: [(String, String)] = [
            (#"{"receiverHerIds":[1],"recieverHerIds":[1]}"#, "recieverHerIds"),
            (#"{"recieverHerIds":[1]}"#, "recieverHerIds"),
            (#"{"receiverHerIds":[1],"receiverHerIds":[2]}"#, "duplicate key"),
            (#"{"receiverHerIds":"1"}"#, "receiverHerIds"),
            (#"{"receiverHerIds":[1.5]}"#, "receiverHerIds"),
            (#"{"receiverHerIds":[]}"#, "empty"),
            (#"{"receiverHerIds":[1],"senderHerId":"x"}"#, "senderHerId"),
            (#"{"receiverHerIds":[1],"transportMetadataOverrides":{"cpaID":"x"}}"#, "transportMetadataOverrides.cpaID"),
            (#"{"receiverHerIds":[1],"channel":"fax"}"#, "channel"),
            (#"[1]"#, "object"),
            (#"{"receiverHerIds":[1]"#, "not valid JSON"),
            ("", "not valid JSON"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try decode(text), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
            }
        }
    }
}

final class AppRecAnswerTests: XCTestCase {
    func decode(_ text: String) throws -> AppRecAnswer { try AppRecAnswer.decode(Array(text.utf8)) }

    func testValidAnswers() throws {
        let ok = try decode(#"{"messageId":"m","receiverHerId":8143060,"status":"Ok"}"#)
        XCTAssertEqual(ok.status, .ok)
        XCTAssertEqual(ok.errors, [])
        let rejected = try decode(#"{"messageId":"m","receiverHerId":8143060,"status":"Rejected","errors":[{"code":"T01","details":"x"}]}"#)
        XCTAssertEqual(rejected.errors, [AppRecAnswer.Failure(code: "T01", details: "x")])
    }

    func testTheRulesAreEnforcedBeforeSending() {
        let cases: [(String, String)] = [
            (#"{"messageId":"m","receiverHerId":1,"status":"Ok","errors":[{"code":"T02"}]}"#, "no errors"),
            (#"{"messageId":"m","receiverHerId":1,"status":"Rejected"}"#, "at least one error"),
            (#"{"messageId":"m","receiverHerId":1,"status":"OkErrorInMessagePart","errors":[]}"#, "at least one error"),
            (#"{"messageId":"m","receiverHerId":1,"status":"Rejected","errors":[{"code":"Z99"}]}"#, "8221"),
            (#"{"messageId":"m","receiverHerId":1,"status":"Avvist"}"#, "status"),
            (#"{"receiverHerId":1,"status":"Ok"}"#, "messageId"),
            (#"{"messageId":"m","status":"Ok"}"#, "receiverHerId"),
            (#"{"messageId":"m","receiverHerId":1,"status":"Ok","stauts":"Ok"}"#, "stauts"),
            (#"{"messageId":"m","receiverHerId":1,"status":"Rejected","errors":[{"code":"T01","detail":"x"}]}"#, "errors[].detail"),
            (#"{"messageId":"m","receiverHerId":1,"status":"Ok","stauts":"Ok"}"#, "unknown key \"stauts\" in the AppRec answer"),
            // NAME.apprec.json beside NAME.apprec.xml: a sidecar, read as an AppRec answer.
            (#"{"receiverHerIds":[8094866]}"#, "a drop's NAME cannot end in .apprec: rename the pair"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try decode(text), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
            }
        }
    }
}
