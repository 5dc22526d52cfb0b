import BosunCore
import BosunTesting
import Foundation
import Testing

/// A Kubernetes API for the end-to-end scenarios: the `kubernetes-simulator` executable, or a
/// real cluster named by `BOSUN_E2E_KUBECONFIG`. `kubectl` is the witness of what it holds.
final class KubeCluster: @unchecked Sendable {
    /// The kubeconfig of the opt-in real cluster, when set.
    static var realKubeconfig: String? {
        guard let path = ProcessInfo.processInfo.environment["BOSUN_E2E_KUBECONFIG"], !path.isEmpty else { return nil }
        return path
    }

    static let skipReason: Comment =
        "set BOSUN_E2E_KUBECONFIG to a kubeconfig (kind, k3s…) to run the Kubernetes scenarios against a real cluster; see docs/kubernetes.md"

    let kubeconfig: String
    /// The simulator's URL (nil on a real cluster).
    let simulatorURL: String?
    private let simulator: ChildProcess?
    private let directory: TemporaryDirectory?

    var isSimulator: Bool { simulator != nil }

    /// A real cluster.
    init(kubeconfig: String) {
        self.kubeconfig = kubeconfig
        simulatorURL = nil
        simulator = nil
        directory = nil
    }

    /// Starts the simulator executable; rollouts and jobs take `controllerDelayMs`, a rollout of an
    /// image containing `fail` reports ProgressDeadlineExceeded after `progressDeadlineSeconds`.
    init(controllerDelayMs: Int = 300, progressDeadlineSeconds: Int = 3, arguments: [String] = []) async throws {
        let simulator = try ChildProcess(
            [Binaries.directory.appendingPathComponent("kubernetes-simulator").path, "--port", "0", "--controller-delay-ms", String(controllerDelayMs),
             "--progress-deadline-seconds", String(progressDeadlineSeconds)] + arguments)
        self.simulator = simulator
        let url = try await simulator.waitFor(#"listening on (\S+)"#, seconds: 30)
        simulatorURL = url
        let directory = try TemporaryDirectory(prefix: "bosun-k8s-e2e")
        self.directory = directory
        kubeconfig = try directory.write("kubeconfig", Kubeconfig.text(server: url)).path
    }

    /// The cluster of a suite: the simulator, or the real one when `real` is asked for.
    static func make(real: Bool) async throws -> KubeCluster {
        if real, let path = realKubeconfig { return KubeCluster(kubeconfig: path) }
        return try await KubeCluster()
    }

    /// Runs kubectl against this cluster; throws with its output when it fails.
    @discardableResult
    func kubectl(_ arguments: [String], input: String? = nil) async throws -> String {
        try await Shell.run([Self.kubectlPath, "--kubeconfig", kubeconfig, "--request-timeout", "20s"] + arguments, input: input)
    }

    /// kubectl's exit status and output, for commands expected to fail.
    func kubectlResult(_ arguments: [String]) async throws -> Shell.Result {
        try await Shell.execute([Self.kubectlPath, "--kubeconfig", kubeconfig, "--request-timeout", "20s"] + arguments)
    }

    static var kubectlPath: String {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl"
    }

    /// The simulator's URL; a real cluster has none.
    private func simulatorOnly() throws -> String {
        guard let simulatorURL else { throw Shell.Failure(command: ["simulator"], status: -1, stdout: "", stderr: "only the simulator has this") }
        return simulatorURL
    }

    /// Adds faults to the simulator (`POST /_simulator/faults`; see `ControlEndpoints` for the body).
    func faults(_ json: String) async throws {
        guard let simulatorURL else { return }
        try await Shell.run(["curl", "-sf", "-X", "POST", "\(simulatorURL)/_simulator/faults", "-d", json])
    }

    /// Removes every fault.
    func heal() async throws {
        guard let simulatorURL else { return }
        try await Shell.run(["curl", "-sf", "-X", "DELETE", "\(simulatorURL)/_simulator/faults"])
    }

    /// How many requests the simulator's faults failed or delayed so far.
    func injectedFaults() async throws -> Int {
        guard let simulatorURL else { return 0 }
        return try await JSONParser.parse(try Shell.run(["curl", "-sf", "\(simulatorURL)/_simulator/faults"]))["injected"]?.intValue ?? -1
    }

    /// A GET on the simulator's API; nil for 404.
    func get(_ path: String) async throws -> JSONValue? {
        let result = try await Shell.execute(["curl", "-s", "-w", "\n%{http_code}", "\(try simulatorOnly())\(path)"])
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard let code = lines.last, code != "404" else { return nil }
        return try JSONParser.parse(lines.dropLast().joined(separator: "\n"))
    }

    /// Names of the objects of a collection (`/api/v1/namespaces/shop/configmaps`).
    func names(_ collection: String) async throws -> [String] {
        try await (get(collection)?["items"]?.arrayValue ?? []).compactMap { $0["metadata"]?["name"]?.stringValue }.sorted()
    }

    /// A merge patch, as someone editing the cluster by hand would send.
    func patch(_ path: String, _ json: String) async throws {
        try await Shell.run(["curl", "-sf", "-X", "PATCH", "-H", "Content-Type: application/merge-patch+json", "\(try simulatorOnly())\(path)", "-d", json])
    }

    func stop() {
        simulator?.stop()
        directory?.remove()
    }
}

/// One application of a scenario: a Git repository of manifests, a `bosun.yaml` with a
/// Kubernetes target on `cluster`, and readers of what `bosun` and `kubectl` report.
struct KubeApp: OnWorkspace {
    let cluster: KubeCluster
    let workspace: Workspace
    let namespace: String

    init(cluster: KubeCluster, files: (String) -> [String: String], sync: String = "", healthTimeout: String = "60s",
         retry: String = "{ limit: 100, backoff: 1s, maxBackoff: 2s }", auto: Bool = true, extraConfig: String = "") throws {
        self.cluster = cluster
        let namespace = "bosun-e2e-\(UUID().uuidString.prefix(8).lowercased())"
        self.namespace = namespace
        workspace = try Workspace("bosun-k8s-app", files: files(namespace)) { repository in
            """
            targets: [{ name: cluster, type: kubernetes, kubeconfig: "\(cluster.kubeconfig)", requestTimeout: 10s }]
            security: { repositorySchemes: [file] }
            repositories: [{ name: deploy, url: \(repository) }]
            applications:
              - name: shop
                source: { repository: deploy, revision: main, path: app }
                destination: { target: cluster, namespace: \(namespace) }
                sync: { auto: \(auto), prune: true, selfHeal: true, interval: 2s, createNamespace: true, healthTimeout: \(healthTimeout), maxPrunePercent: 100, retry: \(retry)\(sync) }
            \(extraConfig)
            """
        }
    }

    /// Commits `files` (built for this app's namespace) and returns the new head.
    @discardableResult
    func commit(_ message: String, _ files: (String) -> [String: String], removing: [String] = []) throws -> String {
        for file in removing { try repo.remove(file) }
        return try repo.commit(files: files(namespace), message: message)
    }

    // MARK: What kubectl sees

    /// `kubectl get KIND NAME -n NAMESPACE -o json`; nil when it does not exist.
    func get(_ kind: String, _ object: String) async throws -> JSONValue? {
        let result = try await cluster.kubectlResult(["get", kind, object, "-n", namespace, "-o", "json"])
        if result.status != 0 {
            if result.stderr.contains("NotFound") || result.stderr.contains("not found") { return nil }
            throw Shell.Failure(command: ["kubectl", "get", kind, object], status: result.status, stdout: result.stdout, stderr: result.stderr)
        }
        return try JSONParser.parse(result.stdout)
    }

    /// Names of the objects of a kind in the namespace.
    func names(_ kind: String) async throws -> [String] {
        let text = try await cluster.kubectl(["get", kind, "-n", namespace, "-o", "jsonpath={.items[*].metadata.name}"])
        return text.split(separator: " ").map(String.init).sorted()
    }

    @discardableResult
    func kubectl(_ arguments: String...) async throws -> String { try await cluster.kubectl(arguments + ["-n", namespace]) }

    func configValue(_ configMap: String, _ key: String = "version") async throws -> String? {
        try await get("configmap", configMap)?["data"]?[key]?.stringValue
    }

    /// Removes the local files and, on a real cluster, the namespace (without waiting).
    /// For `defer`: on a real cluster a short kubectl call, run blocking.
    func remove() {
        if !cluster.isSimulator {
            _ = try? Shell.executeBlocking([KubeCluster.kubectlPath, "--kubeconfig", cluster.kubeconfig, "delete", "namespace", namespace, "--wait=false"])
        }
        workspace.remove()
    }
}

/// Manifests of the scenarios, valid on the simulator and on a real cluster alike. A failing
/// image is one that cannot be pulled and contains `fail` (the simulator's convention).
enum KubeManifests {
    static let image = "registry.k8s.io/pause:3.10"
    static let failingImage = "registry.invalid/bosun-e2e-fail:1"
    static let jobImage = "busybox:1.36"

    static func annotations(wave: Int? = nil, hook: String? = nil, deletePolicy: String? = nil, extra: [String: String] = [:]) -> String {
        var pairs: [(String, String)] = []
        if let wave { pairs.append(("bosun.dev/sync-wave", String(wave))) }
        if let hook { pairs.append(("bosun.dev/hook", hook)) }
        if let deletePolicy { pairs.append(("bosun.dev/hook-delete-policy", deletePolicy)) }
        pairs += extra.sorted { $0.key < $1.key }
        guard !pairs.isEmpty else { return "" }
        return "\n  annotations: { " + pairs.map { "\($0.0): \"\($0.1)\"" }.joined(separator: ", ") + " }"
    }

    static func namespace(_ name: String) -> String {
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: \(name)
        """
    }

    static func configMap(_ name: String, version: String, wave: Int? = nil) -> String {
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: \(name)\(annotations(wave: wave))
        data:
          version: "\(version)"
        """
    }

    static func deployment(_ name: String, image: String = image, replicas: Int = 1, wave: Int? = nil, version: String = "1") -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: \(name)\(annotations(wave: wave))
        spec:
          replicas: \(replicas)
          progressDeadlineSeconds: 15
          selector: { matchLabels: { app: \(name) } }
          template:
            metadata:
              labels: { app: \(name) }
            spec:
              terminationGracePeriodSeconds: 0
              containers:
                - name: main
                  image: \(image)
                  env: [{ name: VERSION, value: "\(version)" }]
        """
    }

    static func service(_ name: String) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata:
          name: \(name)
        spec:
          selector: { app: \(name) }
          ports: [{ port: 80, targetPort: 8080 }]
        """
    }

    /// A Job hook; `succeeds: false` makes a Job that fails (an image that cannot be pulled, a short deadline).
    static func job(_ name: String, hook: String, deletePolicy: String? = nil, succeeds: Bool = true) -> String {
        """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: \(name)\(annotations(hook: hook, deletePolicy: deletePolicy))
        spec:
          backoffLimit: 0
          activeDeadlineSeconds: 30
          template:
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 0
              containers:
                - name: main
                  image: \(succeeds ? jobImage : failingImage)
                  command: [sh, -c, "true"]
        """
    }
}

extension JSONValue {
    /// A JSON value's `metadata.annotations[name]`.
    func annotation(_ name: String) -> String? { self["metadata"]?["annotations"]?[name]?.stringValue }
    /// A JSON value's `metadata.labels[name]`.
    func label(_ name: String) -> String? { self["metadata"]?["labels"]?[name]?.stringValue }
    /// Whether a condition of `status.conditions` is True.
    func condition(_ type: String) -> Bool {
        (self["status"]?["conditions"]?.arrayValue ?? []).contains { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
    }
}
