import ArgumentParser
import DropbridgeCore
import Auth
import Foundation

/// `dropbridge keygen --out FILE`: a new key pair for HelseID or Maskinporten.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new private key (JWK, mode 0600) and its public JWK to register at HelseID or Maskinporten.")

    @Option(help: "The private key file to write (never overwritten); the public key goes beside it as NAME.public.jwk.")
    var out: String

    @Option(help: "rsa (3072 bits) or ec (P-256).")
    var type: KeyGenerator.KeyType = .rsa

    @Option(help: "The JWK's alg: PS512 (default for rsa; HelseID), RS256 (Maskinporten takes RS256/384/512 only), ES256 (ec).")
    var alg: SigningKey.Algorithm?

    @OptionGroup var log: LogOptions

    func run() throws {
        LogSetup.bootstrap(level: .info, format: log.logFormat)
        if let alg, alg.isRSA != (type == .rsa) {
            printError("keygen: --alg \(alg.rawValue) does not fit --type \(type.rawValue)")
            throw ExitCode(ExitStatus.usage)
        }
        do {
            let written = try KeyPairFiles.generate(type, algorithm: alg, privateKeyFile: out)
            print(String(decoding: written.pair.publicJWK, as: UTF8.self), terminator: "")
            printError("private key: \(written.privateKeyFile) (mode 0600; keep it secret)")
            printError("public key:  \(written.publicKeyFile) (register it for your client; kid \(written.pair.keyID))")
        } catch let error as KeygenError {
            printError("keygen: \(error)")
            throw ExitCode(ExitStatus.cannotCreate)
        } catch {
            printError("keygen: \(error)")
            throw ExitCode(ExitStatus.unavailable)
        }
    }
}

extension KeyGenerator.KeyType: ExpressibleByArgument {}
extension SigningKey.Algorithm: ExpressibleByArgument {}
