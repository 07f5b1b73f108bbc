import Auth
import AsyncHTTPClient
import Foundation
import NIOCore

/// Turns an error thrown by the HTTP client into a transient failure, deciding whether the
/// request may have reached NHN. Only failures that certainly happen before the first request
/// byte is written count as "never arrived"; anything unknown is assumed to have arrived, because
/// `POST /messages` is not idempotent and a wrong "never arrived" would send a duplicate blindly.
enum TransportErrorClassifier {
    static func classify(_ error: any Error, call: String) -> CallFailure {
        let beforeSending = neverSent(error)
        let reason: String
        if let error = error as? MessageBodyError {
            reason = "\(call) was stopped before the end of its body: \(error)."
        } else if beforeSending {
            reason = "Could not reach NHN for \(call): \(TransportErrorText.describe(error))."
        } else if isTimeout(error) {
            reason = "NHN did not answer \(call) in time (\(TransportErrorText.describe(error))); the request may have arrived."
        } else {
            reason = "The connection to NHN broke during \(call) (\(TransportErrorText.describe(error))); the request may have arrived."
        }
        return .transient(reason: reason, retryAfter: nil, requestMayHaveArrived: !beforeSending)
    }

    /// True when the error can only happen before the request was written.
    static func neverSent(_ error: any Error) -> Bool {
        // Our own body gave up before its last byte: the server never had a whole request.
        if error is MessageBodyError { return true }
        if let error = error as? HTTPClientError {
            return preSendClientErrors.contains(error)
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? IOError {
            // Only errnos that a live connection cannot produce; EHOSTUNREACH or ETIMEDOUT can
            // also end an established connection mid-request.
            return [ECONNREFUSED, EADDRNOTAVAIL].contains(error.errnoCode)
        }
        if error is SocketAddressError { return true }  // DNS / bad address
        // NIOPosix's happy-eyeballs connector (not a declared dependency, so matched by name):
        // every connection attempt failed, or DNS did.
        let typeName = String(describing: type(of: error))
        if typeName == "NIOConnectionError" { return true }
        // NIOSSL handshake failures (certificate trouble) happen before any request byte.
        if typeName.hasPrefix("NIOSSL"), "\(error)".contains("handshake") { return true }
        return false
    }

    private static let preSendClientErrors: [HTTPClientError] = [
        .invalidURL, .emptyHost, .missingSocketPath, .alreadyShutdown, .emptyScheme, .connectTimeout,
        .socksHandshakeTimeout, .httpProxyHandshakeTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout,
        .invalidProxyResponse, .proxyAuthenticationRequired, .invalidLocalAddress,
    ]

    private static func isTimeout(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        return [.deadlineExceeded, .readTimeout, .writeTimeout].contains(error)
    }
}
