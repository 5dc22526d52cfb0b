import BosunCore
import BosunServer
import BosunTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Pushes through `/hooks/*` as each Git host sends them, ending in syncs of exactly the
/// applications that read the pushed repository at the pushed ref.
@Suite(.onEveryStore) struct WebhookTests {
    static let secrets = ["deploy": "deploy-secret", "other": "other-secret"]

    /// A counter's value in Prometheus text; 0 when the series is absent.
    static func counter(_ metrics: String, _ series: String) -> Int {
        metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// web and api read deploy@main, canary reads deploy@canary, billing reads other@main.
    static func harness(prefix: String, now: @escaping @Sendable () -> Date = { Date() }) async throws -> ServerHarness {
        try await ServerHarness(
            apps: [("\(prefix)-web", "deploy", "main"), ("\(prefix)-api", "deploy", "main"), ("\(prefix)-canary", "deploy", "canary"),
                   ("\(prefix)-billing", "other", "main")],
            repositories: ["deploy", "other"], webhookSecrets: secrets, now: now)
    }

    static func githubPush(_ url: String, ref: String = "refs/heads/main") -> String {
        #"{"ref": "\#(ref)", "before": "0000", "repository": {"full_name": "acme/deploy", "clone_url": "\#(url)", "ssh_url": "git@git.example.com:acme/deploy.git", "html_url": "https://git.example.com/acme/deploy"}}"#
    }

    static func signed(_ body: String, secret: String = secrets["deploy"] ?? "", event: String = "push", delivery: String = UUID().uuidString) -> HTTPFields {
        [HTTPField.Name("X-Hub-Signature-256")!: WebhookSignature.header(body: Array(body.utf8), secret: Array(secret.utf8)),
         HTTPField.Name("X-GitHub-Event")!: event, HTTPField.Name("X-GitHub-Delivery")!: delivery, .contentType: "application/json"]
    }

    @Test func aGitHubPushSyncsExactlyTheApplicationsReadingThatRepositoryAndRef() async throws {
        let h = try await Self.harness(prefix: "gh")
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        for app in ["gh-web", "gh-api", "gh-canary", "gh-billing"] { try await h.waitForSyncs(1, app: app) }
        let deploy = try h.repo("deploy")
        let pushed = try deploy.commit(files: ["gh-web/cm.yaml": ServerHarness.configMap("gh-web", data: "v2"),
                                               "gh-api/cm.yaml": ServerHarness.configMap("gh-api", data: "v2")], message: "roll out v2")
        let body = Self.githubPush("file://\(deploy.path)/")
        // Counters are per process, and the suite runs on each store: count what this push adds.
        let before = try await h.withRouter { try await $0.execute(uri: "/metrics", method: .get).text }
        try await h.withRouter { client in
            let response = try await client.execute(uri: "/hooks/github", method: .post, headers: Self.signed(body), body: ByteBuffer(string: body))
            #expect(response.status == .accepted)
            #expect(response.json?["applications"]?.arrayValue?.compactMap(\.stringValue) == ["gh-api", "gh-web"])
        }
        for app in ["gh-web", "gh-api"] {
            let history = try await h.waitForSyncs(2, app: app)
            #expect(history.first?.revision == pushed, "\(app)")
            #expect(history.first?.trigger == .webhook, "\(app)")
        }
        // The others were not even looked at for this push.
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await h.history("gh-canary").count == 1)
        #expect(try await h.history("gh-billing").count == 1)
        let metrics = try await h.withRouter { try await $0.execute(uri: "/metrics", method: .get).text }
        #expect(Self.counter(metrics, #"bosun_reconcile_total{app="gh-web",trigger="webhook"}"#)
                == Self.counter(before, #"bosun_reconcile_total{app="gh-web",trigger="webhook"}"#) + 1)
        for app in ["gh-canary", "gh-billing"] {
            let series = #"bosun_reconcile_total{app=""# + app + #"",trigger="webhook"}"#
            #expect(Self.counter(metrics, series) == Self.counter(before, series))
        }
        #expect(metrics.contains(#"bosun_webhook_requests_total{provider="github",result="accepted"}"#))
    }

    @Test func everyProviderFindsTheApplicationsOfItsPush() async throws {
        let h = try await Self.harness(prefix: "pv")
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        let deploy = try h.repo("deploy").path
        let other = try h.repo("other").path
        let secret = Self.secrets["deploy"] ?? ""
        func hmac(_ body: String, _ secret: String) -> String { WebhookSignature.header(body: Array(body.utf8), secret: Array(secret.utf8)) }
        struct Case { var provider: String; var body: String; var headers: HTTPFields; var expected: [String] }
        let gitlab = #"{"object_kind": "push", "ref": "refs/heads/canary", "project": {"git_http_url": "\#(deploy).git", "git_ssh_url": "git@gitlab.example.com:acme/deploy.git", "web_url": "https://gitlab.example.com/acme/deploy"}}"#
        let gitea = #"{"ref": "refs/heads/main", "repository": {"clone_url": "\#(other)", "ssh_url": "git@gitea.example.com:acme/other.git"}}"#
        let bitbucketCloud = #"{"repository": {"full_name": "acme/deploy", "links": {"html": {"href": "file://\#(deploy)"}}}, "push": {"changes": [{"new": {"type": "branch", "name": "main"}}, {"new": null}]}}"#
        let bitbucketServer = #"{"eventKey": "repo:refs_changed", "repository": {"links": {"clone": [{"href": "\#(deploy)", "name": "http"}]}}, "changes": [{"ref": {"id": "refs/heads/canary"}}]}"#
        let generic = #"{"repository": "\#(deploy)", "ref": "refs/heads/main"}"#
        let cases = [
            Case(provider: "gitlab", body: gitlab, headers: [HTTPField.Name("X-Gitlab-Token")!: secret, HTTPField.Name("X-Gitlab-Event")!: "Push Hook"], expected: ["pv-canary"]),
            Case(provider: "gitea", body: gitea, headers: [HTTPField.Name("X-Gitea-Signature")!: String(hmac(gitea, Self.secrets["other"] ?? "").dropFirst(7)), HTTPField.Name("X-Gitea-Event")!: "push"], expected: ["pv-billing"]),
            Case(provider: "bitbucket", body: bitbucketCloud, headers: [HTTPField.Name("X-Hub-Signature")!: hmac(bitbucketCloud, secret), HTTPField.Name("X-Event-Key")!: "repo:push"], expected: ["pv-api", "pv-web"]),
            Case(provider: "bitbucket", body: bitbucketServer, headers: [HTTPField.Name("X-Hub-Signature")!: hmac(bitbucketServer, secret), HTTPField.Name("X-Event-Key")!: "repo:refs_changed"], expected: ["pv-canary"]),
            Case(provider: "generic", body: generic, headers: [HTTPField.Name("X-Signature")!: hmac(generic, secret)], expected: ["pv-api", "pv-web"]),
        ]
        try await h.withRouter { client in
            for c in cases {
                let response = try await client.execute(uri: "/hooks/\(c.provider)", method: .post, headers: c.headers, body: ByteBuffer(string: c.body))
                #expect(response.status == .accepted, "\(c.provider): \(response.text)")
                let named = (response.json?["applications"]?.arrayValue ?? []) + (response.json?["coalesced"]?.arrayValue ?? [])
                #expect(named.compactMap(\.stringValue).sorted() == c.expected, "\(c.provider)")
            }
            // GitHub may send the JSON form-encoded; the signature covers the form body.
            let json = Self.githubPush(deploy, ref: "refs/heads/canary")
            let form = "payload=" + (json.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            var headers = Self.signed(form)
            headers[.contentType] = "application/x-www-form-urlencoded"
            let response = try await client.execute(uri: "/hooks/github", method: .post, headers: headers, body: ByteBuffer(string: form))
            let named = (response.json?["applications"]?.arrayValue ?? []) + (response.json?["coalesced"]?.arrayValue ?? [])
            #expect(named.compactMap(\.stringValue) == ["pv-canary"])
        }
    }

    @Test func aBadOrMissingSignatureIsA401AndNothingElse() async throws {
        let h = try await Self.harness(prefix: "bad")
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        let body = Self.githubPush(try h.repo("deploy").path)
        try await h.withRouter { client in
            var wrong = Self.signed(body, secret: "guessed")
            for headers in [wrong, [HTTPField.Name("X-GitHub-Event")!: "push"]] {
                let response = try await client.execute(uri: "/hooks/github", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(response.status == .unauthorized)
                #expect(response.body.readableBytes == 0)
            }
            // A body changed after signing.
            wrong = Self.signed(body)
            let tampered = body.replacingOccurrences(of: "refs/heads/main", with: "refs/heads/canary")
            let response = try await client.execute(uri: "/hooks/github", method: .post, headers: wrong, body: ByteBuffer(string: tampered))
            #expect(response.status == .unauthorized)

            // Signed with the other repository's secret: authentic, but it may not refresh deploy's applications.
            let foreign = try await client.execute(uri: "/hooks/github", method: .post, headers: Self.signed(body, secret: Self.secrets["other"] ?? ""),
                                                   body: ByteBuffer(string: body))
            #expect(foreign.status == .accepted)
            #expect(foreign.json?["applications"]?.arrayValue?.isEmpty == true)

            let unknown = try await client.execute(uri: "/hooks/sourcehut", method: .post, body: ByteBuffer(string: body))
            #expect(unknown.status == .notFound)
        }
    }

    @Test func aBodyOverOneMebibyteIs413() async throws {
        let h = try await Self.harness(prefix: "big")
        defer { Task { await h.cleanup() } }
        let huge = #"{"ref": "refs/heads/main", "padding": ""# + String(repeating: "x", count: 1 << 20) + #""}"#
        try await h.withRouter { client in
            let response = try await client.execute(uri: "/hooks/github", method: .post, headers: Self.signed(huge), body: ByteBuffer(string: huge))
            #expect(response.status == .contentTooLarge)
        }
        // Also over a real socket, where the announced length is refused before the body is read.
        try await h.withLiveServer { base in
            let reply = try await HTTP.request(.POST, base + "/hooks/generic", headers: ["X-Signature": "sha256=00"], body: huge)
            #expect(reply.status == 413)
        }
    }

    @Test func aRepeatedDeliveryIsIgnoredForFiveMinutes() async throws {
        let clock = LockedBox(Date(timeIntervalSince1970: 1_800_000_000))
        let h = try await Self.harness(prefix: "dup", now: { clock.get() })
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        let body = Self.githubPush(try h.repo("deploy").path)
        let headers = Self.signed(body, delivery: "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        try await h.withRouter { client in
            let first = try await client.execute(uri: "/hooks/github", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(first.status == .accepted)
            clock.set(clock.get().addingTimeInterval(240))
            let again = try await client.execute(uri: "/hooks/github", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(again.status == .ok)
            #expect(again.json?["event"]?.stringValue == "duplicate")
            clock.set(clock.get().addingTimeInterval(61))
            let later = try await client.execute(uri: "/hooks/github", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(later.status == .accepted)
        }
    }

    @Test func pingsAndOtherEventsAreAnsweredNotActedOn() async throws {
        let h = try await Self.harness(prefix: "ping")
        defer { Task { await h.cleanup() } }
        try await h.withRouter { client in
            let ping = #"{"zen": "Keep it logically awesome.", "hook_id": 1}"#
            let pong = try await client.execute(uri: "/hooks/github", method: .post, headers: Self.signed(ping, event: "ping"), body: ByteBuffer(string: ping))
            #expect(pong.status == .ok && pong.json?["event"]?.stringValue == "ping")
            let issue = #"{"action": "opened"}"#
            let ignored = try await client.execute(uri: "/hooks/github", method: .post, headers: Self.signed(issue, event: "issues"), body: ByteBuffer(string: issue))
            #expect(ignored.status == .ok && ignored.json?["event"]?.stringValue == "issues")
            let broken = "{not json"
            let malformed = try await client.execute(uri: "/hooks/github", method: .post, headers: Self.signed(broken), body: ByteBuffer(string: broken))
            #expect(malformed.status == .badRequest)
        }
    }

    @Test func aBurstOfPushesWhileTheApplicationIsBusyLeadsToOneRefresh() async throws {
        let h = try await ServerHarness(apps: [("burst-web", "deploy", "main")], repositories: ["deploy"], webhookSecrets: Self.secrets)
        defer { Task { await h.cleanup() } }
        let key = ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "burst-web")
        try await h.engine.start()
        try await h.waitForSyncs(1, app: "burst-web")
        // Keep the application's loop busy: a manual sync waiting for health.
        await h.target.setHealth(key, .progressing("rolling out"))
        _ = try await h.engine.sync("burst-web", .init())
        let deploy = try h.repo("deploy")
        let pushed = try deploy.commit(files: ["burst-web/cm.yaml": ServerHarness.configMap("burst-web", data: "v3")], message: "v3")
        let body = Self.githubPush(deploy.path)
        let before = try await h.withRouter { try await $0.execute(uri: "/metrics", method: .get).text }
        let (refreshed, coalesced) = try await h.withRouter { client in
            var counts = (0, 0)
            for _ in 0..<20 {
                let response = try await client.execute(uri: "/hooks/github", method: .post, headers: Self.signed(body), body: ByteBuffer(string: body))
                counts.0 += response.json?["applications"]?.arrayValue?.count ?? 0
                counts.1 += response.json?["coalesced"]?.arrayValue?.count ?? 0
            }
            return counts
        }
        #expect(refreshed == 1 && coalesced == 19)
        await h.target.setHealth(key, nil)
        h.clock.advance(by: .seconds(2))
        let history = try await h.waitForSyncs(3, app: "burst-web")
        #expect(history.first?.revision == pushed && history.first?.trigger == .webhook)
        try await Task.sleep(for: .milliseconds(300))
        let metrics = try await h.withRouter { try await $0.execute(uri: "/metrics", method: .get).text }
        #expect(Self.counter(metrics, #"bosun_reconcile_total{app="burst-web",trigger="webhook"}"#)
                == Self.counter(before, #"bosun_reconcile_total{app="burst-web",trigger="webhook"}"#) + 1)
    }
}
