import BosunServer
import Foundation
import Testing

/// Signatures as each Git host sends them, starting from GitHub's documented example.
@Suite struct WebhookSignatureTests {
    /// From GitHub's "Validating webhook deliveries": this secret and payload sign to this value.
    static let githubSecret = Array("It's a Secret to Everybody".utf8)
    static let githubPayload = Array("Hello, World!".utf8)
    static let githubSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    @Test func githubsDocumentedExampleVerifies() {
        #expect(WebhookSignature.header(body: Self.githubPayload, secret: Self.githubSecret) == Self.githubSignature)
        #expect(WebhookSignature.verify(header: Self.githubSignature, body: Self.githubPayload, secret: Self.githubSecret))
        // Upper-case hex is the same signature.
        #expect(WebhookSignature.verify(header: "sha256=" + Self.githubSignature.dropFirst(7).uppercased(), body: Self.githubPayload,
                                        secret: Self.githubSecret))
    }

    @Test func anythingElseIsRefused() {
        let body = Self.githubPayload
        let secret = Self.githubSecret
        var flipped = Array(Self.githubSignature)
        flipped[flipped.count - 1] = flipped.last == "7" ? "8" : "7"
        for header in [nil, "", "sha256=", String(flipped), "sha1=757107ea0eb2509fc211221cce984b8a37570b6d",
                       "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "sha256=zz",
                       "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e"]
        {
            #expect(!WebhookSignature.verify(header: header, body: body, secret: secret), "\(header ?? "nil")")
        }
        #expect(!WebhookSignature.verify(header: Self.githubSignature, body: Array("Hello, World?".utf8), secret: secret))
        #expect(!WebhookSignature.verify(header: Self.githubSignature, body: body, secret: Array("another secret".utf8)))
        #expect(!WebhookSignature.verify(header: Self.githubSignature, body: body, secret: []))
    }

    @Test func giteaSendsBareHex() {
        let bare = String(Self.githubSignature.dropFirst("sha256=".count))
        #expect(WebhookSignature.verify(header: bare, prefix: nil, body: Self.githubPayload, secret: Self.githubSecret))
        #expect(!WebhookSignature.verify(header: Self.githubSignature, prefix: nil, body: Self.githubPayload, secret: Self.githubSecret))
    }

    @Test func constantTimeComparisonIsStillAComparison() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equal([], []))
    }
}
