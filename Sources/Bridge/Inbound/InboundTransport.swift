import NHNClient

/// The calls the receiving side makes: NHN today (`NHNClient`), a fake in unit tests.
package protocol InboundTransport: Sendable {
    func ping() async -> PingOutcome
    func notifications(herIds: [Int], after offset: Int64, count: Int) async -> Result<[NHNNotification], CallFailure>
    func notificationStream(herIds: [Int], after offset: Int64?) async -> Result<NotificationStream, CallFailure>
    func message(id: String) async -> Result<NHNMessageMetadata, CallFailure>
    /// `beforeBody` is told the answer's length once its head is in, before the body is read.
    func businessDocument(id: String, beforeBody: BodyAdmission?) async -> Result<[UInt8], CallFailure>
    func status(id: String) async -> Result<[NHNReceiverStatus], CallFailure>
    func markDownloaded(id: String, receiverHerId: Int) async -> CallOutcome
    func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome
}

extension NHNClient: InboundTransport {}
