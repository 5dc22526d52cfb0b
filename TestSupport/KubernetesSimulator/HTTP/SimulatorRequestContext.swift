import Hummingbird
import NIOCore
import NIOSSL

/// The request context: Hummingbird's, plus the connection, so a request without a bearer
/// token can still be authenticated by the client certificate it presented.
struct SimulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Manifests can be large (CRDs with big schemas); the real server takes up to 3 MiB objects.
    var maxUploadSize: Int { 64 * 1024 * 1024 }

    /// Whether the TLS handshake verified a client certificate.
    func hasVerifiedClientCertificate() async -> Bool {
        // No TLS handler, or no certificate presented: nil either way.
        (try? await channel.nioSSL_peerCertificate().get()) != nil
    }
}
