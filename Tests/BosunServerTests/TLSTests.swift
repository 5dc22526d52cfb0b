import BosunCore
import BosunEngine
import BosunServer
import BosunTesting
import Foundation
import Testing

/// `server.tls`: HTTPS from a certificate and key file, checked with curl against the certificate.
@Suite struct TLSTests {
    @Test func theServerSpeaksHTTPSWithTheConfiguredCertificate() async throws {
        let h = try await ServerHarness()
        defer { Task { await h.cleanup() } }
        let cert = h.dir.appending("tls.crt").path
        let key = h.dir.appending("tls.key").path
        try await Shell.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                       "-subj", "/CN=bosun.test", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert])
        let server = APIServer(engine: h.engine, options: .init(listen: "127.0.0.1:0", tls: TLSFiles(certificateFile: cert, keyFile: key)))
        try await h.engine.start()
        try await LiveServer.run(server.application(onRunning:)) { port in
            let body = try await Shell.run(["curl", "-sS", "--cacert", cert, "https://127.0.0.1:\(port)/healthz"])
            #expect(body == "ok\n")
            // Plain HTTP on the TLS port gets nowhere.
            let plain = try await Shell.execute(["curl", "-sS", "--max-time", "5", "http://127.0.0.1:\(port)/healthz"])
            #expect(plain.status != 0 || plain.stdout != "ok\n")
        }
    }

    @Test func aMissingKeyFileIsNamed() async throws {
        let h = try await ServerHarness()
        defer { Task { await h.cleanup() } }
        let server = APIServer(engine: h.engine, options: .init(
            listen: "127.0.0.1:0", tls: TLSFiles(certificateFile: "/nonexistent/tls.crt", keyFile: "/nonexistent/tls.key")))
        do {
            _ = try await server.application()
            Issue.record("a server without its certificate started")
        } catch {
            #expect("\(error)".contains("server.tls.certificateFile /nonexistent/tls.crt"))
        }
    }
}
