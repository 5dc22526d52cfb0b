import BosunCore
import Foundation
import HummingbirdTLS
import NIOSSL

/// TLS from `server.tls.certificateFile` and `keyFile` (PEM; the certificate file may hold the
/// chain). Errors name the file and what is wrong with it.
enum TLSSetup {
    static func configuration(_ files: TLSFiles) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificateFile)
        } catch {
            throw ServerSetupError("server.tls.certificateFile \(files.certificateFile): cannot read a PEM certificate (\(error))")
        }
        guard !chain.isEmpty else {
            throw ServerSetupError("server.tls.certificateFile \(files.certificateFile) holds no certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: files.keyFile, format: .pem)
        } catch {
            throw ServerSetupError("server.tls.keyFile \(files.keyFile): cannot read a PEM private key (\(error))")
        }
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }
}
