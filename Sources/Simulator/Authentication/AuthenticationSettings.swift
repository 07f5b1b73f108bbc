import Auth
import Foundation

/// How the simulated HelseID, Maskinporten and Altinn behave, and whom they know.
package struct AuthenticationSettings: Sendable {
    /// Off only for a test that looks at something else entirely; the real services always
    /// demand credentials.
    package var required: Bool
    /// Lifetime of the access tokens issued (HelseID, Maskinporten, Altinn).
    package var accessTokenSeconds: Int
    /// Clients and their public keys, registered as at HelseID's and Maskinporten's portals.
    package var clients: [RegisteredClient]
    /// NHN's calls demand a server nonce in the DPoP proof too (RFC 9449 §9). NHN does not
    /// document one; this proves a client copes if it starts to.
    package var nhnDemandsNonce: Bool
    /// With `nhnDemandsNonce`: every accepted call is answered with the next nonce in
    /// `DPoP-Nonce`, and the nonce it replaces stops being accepted (RFC 9449 §9 lets a server
    /// rotate its nonce on any answer; the client must use the newest). Off by default: it is
    /// the strictest reading, and concurrent calls holding the old nonce are refused once.
    package var nhnRotatesNonce: Bool

    package init(
        required: Bool = true, accessTokenSeconds: Int = 600, clients: [RegisteredClient] = [], nhnDemandsNonce: Bool = false,
        nhnRotatesNonce: Bool = false
    ) {
        self.required = required
        self.accessTokenSeconds = accessTokenSeconds
        self.clients = clients
        self.nhnDemandsNonce = nhnDemandsNonce
        self.nhnRotatesNonce = nhnRotatesNonce
    }
}

/// A client id and the public key it signs with.
package struct RegisteredClient: Sendable, Equatable {
    package var clientID: String
    package var publicKey: PublicJWK
    /// The `kid` its assertions must name; nil accepts any.
    package var keyID: String?

    package init(clientID: String, publicKey: PublicJWK, keyID: String?) {
        self.clientID = clientID
        self.publicKey = publicKey
        self.keyID = keyID
    }

    /// From a public JWK (JSON object) as `keygen` writes it or a portal shows it.
    package init?(clientID: String, publicJWKJSON: [UInt8]) {
        guard let object = try? JSONDecoder().decode([String: StringMember].self, from: Data(publicJWKJSON)) else { return nil }
        self.init(clientID: clientID, members: object.compactMapValues(\.string))
    }

    /// From a public JWK's string members; nil for a private key or an incomplete one.
    init?(clientID: String, members: [String: String]) {
        guard !clientID.isEmpty, members["d"] == nil, let key = PublicJWK(members: members) else { return nil }
        self.init(clientID: clientID, publicKey: key, keyID: members["kid"])
    }
}

/// A JWK member, kept only when it is a string (the key's members are; `key_ops` is not).
struct StringMember: Decodable {
    var string: String?

    init(from decoder: any Decoder) throws {
        string = try? decoder.singleValueContainer().decode(String.self)
    }
}
