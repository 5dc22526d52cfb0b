import ArgumentParser
import BosunCore
import BosunDiff

/// Diffs many Deployment-sized pairs, as the engine does for a large application: desired from
/// Git, live as the API server returns it (server metadata, defaults, canonical quantities,
/// status, an injected sidecar), last-applied equal to the previous desired. A share of the
/// pairs has a changed image. Prints wall time and time per pair.
struct DiffBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Three-way diff of Deployment-sized resource pairs.")

    @Option(help: "How many resource pairs.") var pairs = 10_000
    @Option(help: "Percent of pairs whose desired image changed.") var changedPercent = 5
    @Option(help: "Timed runs (the best and the median are printed).") var runs = 5

    func run() async throws {
        var desired: [Resource] = []
        var live: [ResourceKey: Resource] = [:]
        var lastApplied: [ResourceKey: Resource] = [:]
        let changeEvery = changedPercent > 0 ? max(1, 100 / changedPercent) : Int.max
        for i in 0..<pairs {
            let applied = Self.deployment(i, image: "ghcr.io/acme/service-\(i % 50):1.\(i % 7).0")
            let current = i % changeEvery == 0
                ? Self.deployment(i, image: "ghcr.io/acme/service-\(i % 50):2.0.0") : applied
            desired.append(current)
            live[applied.key] = Self.asServerReturnsIt(applied, index: i)
            lastApplied[applied.key] = applied
        }
        let bytes = desired.reduce(0) { $0 + $1.value.jsonString().utf8.count }
        print("diff: \(pairs) Deployment pairs, \(changedPercent)% changed, ~\(bytes / max(pairs, 1)) bytes of desired JSON each")

        var times: [Duration] = []
        var updates = 0
        let clock = ContinuousClock()
        for _ in 0..<max(runs, 1) {
            var diffs: [ResourceDiff] = []
            let elapsed = clock.measure {
                diffs = Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: DiffOptions())
            }
            times.append(elapsed)
            updates = diffs.filter { $0.action == .update }.count
        }
        times.sort()
        let best = times[0]
        let median = times[times.count / 2]
        print("  updates found: \(updates) of \(pairs)")
        print("  wall time: best \(Self.format(best)), median \(Self.format(median)) over \(times.count) runs")
        print("  per pair:  best \(Self.microseconds(best, pairs)) µs, median \(Self.microseconds(median, pairs)) µs")

        // Unified text for the changed pairs, as `bosun diff` prints it.
        let changed = Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: DiffOptions())
            .filter { $0.action == .update }
        var characters = 0
        let unifiedTime = clock.measure {
            for diff in changed { characters += diff.unified(color: false).count }
        }
        print("  unified text for \(changed.count) updates: \(Self.format(unifiedTime)), "
            + "\(Self.microseconds(unifiedTime, max(changed.count, 1))) µs each, \(characters) characters")
    }

    static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds >= 1 ? "\(rounded(seconds, 3)) s" : "\(rounded(seconds * 1000, 1)) ms"
    }

    static func microseconds(_ duration: Duration, _ count: Int) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return "\(rounded(seconds * 1e6 / Double(count), 2))"
    }

    static func rounded(_ value: Double, _ places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (value * scale).rounded() / scale
    }

    /// A realistic Deployment: labels, annotations, two containers with env, ports, resources
    /// and volume mounts, and two volumes.
    static func deployment(_ i: Int, image: String) -> Resource {
        let name = "service-\(i)"
        let namespace = "team-\(i % 20)"
        let labels: JSONValue = [
            "app.kubernetes.io/name": .string(name), "app.kubernetes.io/part-of": "shop",
            "app.kubernetes.io/version": .string("1.\(i % 7).0"), "team": .string(namespace),
        ]
        let container: JSONValue = [
            "name": "app",
            "image": .string(image),
            "args": ["--port", "8080", "--log-format", "json"],
            "ports": [["name": "http", "containerPort": 8080], ["name": "metrics", "containerPort": 9090]],
            "env": [
                ["name": "LOG_LEVEL", "value": "info"],
                ["name": "SERVICE_NAME", "value": .string(name)],
                ["name": "DATABASE_URL", "valueFrom": ["secretKeyRef": ["name": .string("\(name)-db"), "key": "url"]]],
                ["name": "CACHE_SIZE", "value": "256"],
            ],
            "resources": ["requests": ["cpu": "0.25", "memory": "256Mi"], "limits": ["cpu": "1", "memory": "512Mi"]],
            "volumeMounts": [
                ["name": "config", "mountPath": "/etc/app", "readOnly": true],
                ["name": "cache", "mountPath": "/var/cache/app"],
            ],
            "readinessProbe": ["httpGet": ["path": "/healthz", "port": "http"], "periodSeconds": 5],
        ]
        let sidecar: JSONValue = [
            "name": "log-shipper",
            "image": "ghcr.io/acme/log-shipper:2.1",
            "env": [["name": "TARGET", "value": "loki.monitoring:3100"], ["name": "SOURCE", "value": .string(name)]],
            "ports": [["name": "shipper", "containerPort": 2020]],
            "resources": ["requests": ["cpu": "50m", "memory": "64Mi"], "limits": ["memory": "128Mi"]],
            "volumeMounts": [["name": "cache", "mountPath": "/var/cache/app", "readOnly": true]],
        ]
        let body: JSONObject = [
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace), "labels": labels,
                "annotations": ["bosun.dev/sync-wave": "1", "example.com/owner": "team-shop"],
            ],
            "spec": [
                "replicas": .int(2 + i % 3),
                "selector": ["matchLabels": ["app.kubernetes.io/name": .string(name)]],
                "template": [
                    "metadata": ["labels": labels],
                    "spec": [
                        "serviceAccountName": .string(name),
                        "containers": [container, sidecar],
                        "volumes": [
                            ["name": "config", "configMap": ["name": .string("\(name)-config")]],
                            ["name": "cache", "emptyDir": ["sizeLimit": "1Gi"]],
                        ],
                    ],
                ],
            ],
        ]
        return Resource(body)
    }

    /// The object as the API server returns it after apply.
    static func asServerReturnsIt(_ resource: Resource, index i: Int) -> Resource {
        var value = resource.value
        func set(_ pointer: String, _ new: JSONValue) {
            if let parsed = try? JSONPointer(pointer), let updated = parsed.setting(new, in: value) { value = updated }
        }
        set("/metadata/uid", .string("0000-\(i)"))
        set("/metadata/resourceVersion", .string("\(100_000 + i)"))
        set("/metadata/generation", 3)
        set("/metadata/creationTimestamp", "2024-05-02T09:14:55Z")
        set("/metadata/annotations/deployment.kubernetes.io~1revision", "3")
        set("/metadata/managedFields", [["manager": "bosun", "operation": "Apply", "fieldsType": "FieldsV1"]])
        set("/spec/revisionHistoryLimit", 10)
        set("/spec/progressDeadlineSeconds", 600)
        set("/spec/strategy", ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]])
        for container in ["app", "log-shipper"] {
            set("/spec/template/spec/containers/name=\(container)/imagePullPolicy", "IfNotPresent")
            set("/spec/template/spec/containers/name=\(container)/terminationMessagePath", "/dev/termination-log")
        }
        set("/spec/template/spec/containers/name=app/ports/name=http/protocol", "TCP")
        set("/spec/template/spec/containers/name=app/resources/requests/cpu", "250m")
        set("/spec/template/spec/containers/name=istio-proxy", ["name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.22.0"])
        set("/spec/template/spec/volumes/name=config/configMap/defaultMode", 420)
        set("/spec/template/spec/restartPolicy", "Always")
        set("/spec/template/spec/dnsPolicy", "ClusterFirst")
        set("/status", ["observedGeneration": 3, "replicas": 2, "readyReplicas": 2, "availableReplicas": 2])
        return Resource(value) ?? resource
    }
}
