import Foundation
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Writes a key pair: the private JWK readable by its owner only, the public JWK beside it.
/// Neither is ever overwritten, and both are on disk (fsynced) before this returns.
package enum KeyPairFiles {
    package struct Written {
        package var pair: KeyGenerator.KeyPair
        package var privateKeyFile: String
        package var publicKeyFile: String
    }

    package static func publicKeyFile(for privateKeyFile: String) -> String {
        (privateKeyFile.hasSuffix(".jwk") ? String(privateKeyFile.dropLast(4)) : privateKeyFile) + ".public.jwk"
    }

    package static func generate(_ type: KeyGenerator.KeyType, algorithm: SigningKey.Algorithm? = nil, privateKeyFile: String) throws -> Written {
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

package struct KeygenError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
