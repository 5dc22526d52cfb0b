import BosunTesting
import Foundation

/// A certificate authority, a server certificate for localhost/127.0.0.1 and a client
/// certificate, made with `openssl` in a temporary folder.
struct TestPKI {
    let folder: TemporaryDirectory

    var caCertificate: String { folder.appending("ca.crt").path }
    var serverCertificate: String { folder.appending("server.crt").path }
    var serverKey: String { folder.appending("server.key").path }
    var clientCertificate: String { folder.appending("client.crt").path }
    var clientKey: String { folder.appending("client.key").path }

    /// `serverNames`: the subjectAltName entries of the server certificate.
    init(serverNames: String = "DNS:localhost,IP:127.0.0.1") async throws {
        folder = try TemporaryDirectory(prefix: "bosun-pki")
        let dir = folder.path
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await Shell.run(["openssl", "req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=bosun-test-ca"], in: dir)
        try folder.write("server.ext", "subjectAltName=\(serverNames)\nextendedKeyUsage=serverAuth\n")
        try folder.write("client.ext", "extendedKeyUsage=clientAuth\n")
        for (name, subject) in [("server", "/CN=localhost"), ("client", "/O=system:masters/CN=bosun")] {
            try await Shell.run(["openssl", "req", "-new"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject], in: dir)
            try await Shell.run([
                "openssl", "x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "\(name).crt", "-days", "2", "-extfile", "\(name).ext",
            ], in: dir)
        }
    }

    func contents(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// Base64 of a file, as kubeconfig `*-data` fields hold it.
    func base64(_ path: String) throws -> String { try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString() }

    func remove() { folder.remove() }
}
