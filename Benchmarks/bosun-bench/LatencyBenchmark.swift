import ArgumentParser
import AsyncHTTPClient
import BosunCore
import BosunTesting
import Crypto
import Foundation
import NIOCore

/// Push to applied, measured from outside as a user would: a real `bosun serve` (built beside
/// this benchmark) with a host target and a Kubernetes target (the simulator executable), a
/// one-line commit, a signed webhook, and the time from the POST until the target holds the
/// change (the file's bytes on disk; the ConfigMap as the API server answers it). Then the
/// host target's drift repair: a File deleted on disk until it is back.
struct LatencyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency", abstract: "Webhook push to applied (host and Kubernetes), and host File drift to healed: p50/p99.")

    @Option(help: "Pushes to measure.") var pushes = 50
    @Option(help: "File deletions to measure.") var deletions = 20

    func run() async throws {
        guard let bosun = KubernetesBenchmark.sibling("bosun"), let simulatorBinary = KubernetesBenchmark.sibling("kubernetes-simulator") else {
            print("build the binaries beside bosun-bench first: swift build -c release --product bosun --product kubernetes-simulator")
            throw ExitCode(2)
        }
        let dir = try TemporaryDirectory(prefix: "bosun-bench-latency")
        let repo = try GitRepository()
        defer {
            repo.remove()
            dir.remove()
        }
        let simulator = try SimulatorChild(executable: simulatorBinary, latencyMs: 1)
        defer { simulator.stop() }
        try repo.commit(files: ["host/page.yaml": Self.page(0), "k8s/cm.yaml": Self.configMap(0)], message: "0")
        let port = try Self.freePort()
        let kubeconfig = try dir.write("kubeconfig", """
            apiVersion: v1
            kind: Config
            clusters: [{ name: sim, cluster: { server: "\(simulator.url)" } }]
            contexts: [{ name: sim, context: { cluster: sim, user: sim } }]
            current-context: sim
            users: [{ name: sim, user: {} }]
            """)
        let secret = "latency-\(UUID().uuidString)"
        let config = try dir.write("bosun.yaml", """
            apiVersion: bosun.dev/v1
            kind: Config
            dataDir: .bosun
            server: { listen: "127.0.0.1:\(port)" }
            targets:
              - { name: local, type: host }
              - { name: cluster, type: kubernetes, kubeconfig: "\(kubeconfig.path)" }
            security: { repositorySchemes: [file] }
            repositories: [{ name: deploy, url: \(repo.path), webhook: { secretEnv: LATENCY_SECRET } }]
            applications:
              - { name: page, source: { repository: deploy, revision: main, path: host }, destination: { target: local }, sync: { auto: true, selfHeal: true, interval: 1h } }
              - { name: settings, source: { repository: deploy, revision: main, path: k8s }, destination: { target: cluster, namespace: latency }, sync: { auto: true, selfHeal: true, interval: 1h, createNamespace: true } }
            """)
        let serve = try KubernetesBenchmark.serve(bosun, config: config, in: dir.url, environment: ["LATENCY_SECRET": secret])
        defer {
            serve.terminate()
            serve.waitUntilExit()
        }
        let page = dir.url.appendingPathComponent(".bosun/host/site/index.html")
        let configMapURL = "\(simulator.url)/api/v1/namespaces/latency/configmaps/settings"
        try await Self.until(seconds: 120) {
            let value = await Self.value(configMapURL)
            return Self.read(page) == "0" && value == "0"
        }

        var hostTimes: [Double] = []
        var kubeTimes: [Double] = []
        for n in 1...pushes {
            try repo.commit(files: ["host/page.yaml": Self.page(n), "k8s/cm.yaml": Self.configMap(n)], message: "\(n)")
            let body = #"{"repository": "\#(repo.path)", "ref": "refs/heads/main"}"#
            let signature = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
                .map { String(format: "%02x", $0) }.joined()
            let start = ContinuousClock.now
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/hooks/generic")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: body))
            request.headers.add(name: "X-Signature", value: "sha256=\(signature)")
            request.headers.add(name: "Content-Type", value: "application/json")
            let answer = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            guard answer.status.code < 300 else { throw ValidationError("the webhook answered \(answer.status.code)") }
            var host: Double?
            var kube: Double?
            try await Self.until(seconds: 60) {
                if host == nil, Self.read(page) == "\(n)" { host = Self.seconds(since: start) }
                if kube == nil, await Self.value(configMapURL) == "\(n)" { kube = Self.seconds(since: start) }
                return host != nil && kube != nil
            }
            hostTimes.append(host ?? 0)
            kubeTimes.append(kube ?? 0)
        }
        print("push to applied over \(pushes) webhooks (one-line change)")
        figure("host File: p50", Self.percentile(hostTimes, 50) * 1000, "ms", target: "< 1000 ms")
        figure("host File: p99", Self.percentile(hostTimes, 99) * 1000, "ms", target: "< 2000 ms")
        figure("Kubernetes ConfigMap (simulator): p50", Self.percentile(kubeTimes, 50) * 1000, "ms", target: "< 1000 ms")
        figure("Kubernetes ConfigMap (simulator): p99", Self.percentile(kubeTimes, 99) * 1000, "ms", target: "< 2000 ms")

        var healTimes: [Double] = []
        for _ in 0..<deletions {
            try FileManager.default.removeItem(at: page)
            let start = ContinuousClock.now
            try await Self.until(seconds: 60) { Self.read(page) == "\(pushes)" }
            healTimes.append(Self.seconds(since: start))
            try await Task.sleep(for: .milliseconds(200))
        }
        print("host File deleted on disk until healed, \(deletions) times")
        figure("p50", Self.percentile(healTimes, 50) * 1000, "ms", target: "< 1000 ms")
        figure("p99", Self.percentile(healTimes, 99) * 1000, "ms")
    }

    static func page(_ n: Int) -> String {
        "apiVersion: host.bosun.dev/v1\nkind: File\nmetadata: { name: index }\nspec: { path: site/index.html, content: \"\(n)\" }\n"
    }

    static func configMap(_ n: Int) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { v: \"\(n)\" }\n"
    }

    static func read(_ url: URL) -> String? { try? String(contentsOf: url, encoding: .utf8) }

    /// The ConfigMap's `data.v` as the API server answers it.
    static func value(_ url: String) async -> String? {
        guard let answer = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2)), answer.status.code == 200,
            let body = try? await answer.body.collect(upTo: 1 << 20)
        else { return nil }
        return (try? JSONParser.parse(Data(buffer: body)))?["data"]?["v"]?.stringValue
    }

    static func until(seconds: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ValidationError("not reached within \(seconds) s")
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p / 100).rounded(.up)) - 1)]
    }

    static func freePort() throws -> Int {
        let text = try Shell.runBlocking(["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}
