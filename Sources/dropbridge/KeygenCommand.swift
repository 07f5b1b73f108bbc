import ArgumentParser
import DropbridgeCore
import Auth
import Foundation
import SystemPackage

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

/// Writes a key pair: the private JWK readable by its owner only, the public JWK beside it.
/// Neither is ever overwritten, and both are on disk (fsynced) before this returns.
enum KeyPairFiles {
    struct Written {
        var pair: KeyGenerator.KeyPair
        var privateKeyFile: String
        var publicKeyFile: String
    }

    static func publicKeyFile(for privateKeyFile: String) -> String {
        (privateKeyFile.hasSuffix(".jwk") ? String(privateKeyFile.dropLast(4)) : privateKeyFile) + ".public.jwk"
    }

    static func generate(_ type: KeyGenerator.KeyType, algorithm: SigningKey.Algorithm? = nil, privateKeyFile: String) throws -> Written {
        let publicFile = publicKeyFile(for: privateKeyFile)
        for path in [privateKeyFile, publicFile] where FileManager.default.fileExists(atPath: path) {
            throw KeygenError("\(path) exists already; keys are never overwritten (move it away first)")
        }
        let pair = try KeyGenerator.generate(type, algorithm: algorithm)
        let directory = FilePath(privateKeyFile).removingLastComponent()
        if !directory.isEmpty {
            // Only the owner may look into a fresh key folder.
            try FileManager.default.createDirectory(
                atPath: directory.string, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try write(pair.privateJWK, to: privateKeyFile, permissions: [.ownerReadWrite])
        try write(pair.publicJWK, to: publicFile, permissions: [.ownerReadWrite, .groupRead, .otherRead])
        return Written(pair: pair, privateKeyFile: privateKeyFile, publicKeyFile: publicFile)
    }

    private static func write(_ bytes: [UInt8], to path: String, permissions: FilePermissions) throws {
        let fd = try FileDescriptor.open(
            FilePath(path), .writeOnly, options: [.create, .exclusiveCreate], permissions: permissions)
        try fd.closeAfter {
            _ = try fd.writeAll(bytes)
            try sync(fd, path)
        }
        // The name is durable only once its directory is.
        let directory = FilePath(path).removingLastComponent()
        let dirFD = try FileDescriptor.open(directory.isEmpty ? "." : directory, .readOnly)
        try dirFD.closeAfter { try sync(dirFD, directory.string) }
    }

    private static func sync(_ fd: FileDescriptor, _ path: String) throws {
        guard fsync(fd.rawValue) == 0 else { throw KeygenError("\(path): fsync failed: \(Errno(rawValue: errno))") }
    }
}

struct KeygenError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
