import BosunCore
import BosunKubernetes
import Foundation

/// What health adds to a steady-state pass: the health of 20,000 cached objects of 50 kinds
/// (14 built-in kinds, 36 custom kinds whose status is written in the styles operators use,
/// 6 of them with declared rules), through the target's `health` as the engine asks it. The
/// first pass judges every object; a steady-state pass finds them unchanged since.
enum KubernetesHealthBenchmark {
    static let objectCount = 20_000
    static let customKinds = 36
    static let declaredKinds = 6

    static func run(target: KubernetesTarget, passes: Int) async throws {
        let objects = try makeObjects()
        let keys = objects.map(\.key)  // the engine has every key at hand
        await target.useHealthRules(try rules())
        let context = AppContext(app: "bench")
        var counts: [HealthCode: Int] = [:]
        // The first pass judges every object; later ones find them unchanged (same resourceVersion).
        var first = 0.0
        var steady = Double.infinity
        for pass in 0...max(1, passes) {
            let (_, seconds) = await measure {
                for index in objects.indices {
                    let health = await target.health(of: keys[index], live: objects[index], desired: nil, context: context)
                    if pass == 0 { counts[health.status, default: 0] += 1 }
                }
            }
            if pass == 0 { first = seconds } else { steady = min(steady, seconds) }
        }
        await target.useHealthRules([])
        let kinds = Set(keys.map { "\($0.group)/\($0.kind)" }).count
        print("— health of cached objects (\(objects.count) objects of \(kinds) kinds, \(declaredKinds) with declared rules)")
        figure("first pass (every object judged)", first * 1000, "ms")
        figure("steady-state pass (fastest of \(max(1, passes)))", steady * 1000, "ms", target: "< 20 ms")
        print("    (" + HealthCode.allCases.compactMap { code in counts[code].map { "\(code.rawValue): \($0)" } }.joined(separator: ", ") + ")")
    }

    /// Declared rules for the first custom kinds, written as a config would hold them.
    static func rules() throws -> [HealthRuleSet] {
        var text = "apiVersion: bosun.dev/v1\nkind: Config\nhealthRules:\n"
        for k in 0..<declaredKinds {
            text += """
                  - group: bench\(k).example.com
                    kind: Kind\(k)
                    rules:
                      - { when: { observedGenerationCurrent: false }, health: Progressing }
                      - { when: { condition: Ready, status: "True" }, health: Healthy }
                      - { when: { condition: Ready, status: "False", reasonIn: [Pending, Issuing] }, health: Progressing }
                      - { when: { field: /status/phase, in: [Failed, Error] }, health: Degraded, message: "{{/status/message}}" }
                      - { when: { field: /status/readyReplicas, lessThanField: /spec/replicas }, health: Progressing }
                    default: Progressing

                """
        }
        return try ConfigLoader.parse(text, file: "bench.yaml").healthRules
    }

    /// The objects, parsed from JSON as the watch cache holds them.
    static func makeObjects() throws -> [Resource] {
        let builtIn = builtInBodies()
        let kinds = builtIn.count + customKinds
        var objects: [Resource] = []
        objects.reserveCapacity(objectCount)
        for i in 0..<objectCount {
            let kind = i % kinds
            let name = "object-\(i)"
            let text: String
            if kind < builtIn.count {
                text = builtIn[kind](name, i)
            } else {
                text = custom(kind - builtIn.count, name: name, index: i)
            }
            guard let object = Resource(try JSONParser.parse(text)) else { throw BenchError("not an object: \(text)") }
            objects.append(object)
        }
        return objects
    }

    static func metadata(_ name: String, generation: Int = 1, extra: String = "") -> String {
        #""metadata":{"name":"\#(name)","namespace":"bench-\#(name.count % 50)","uid":"6b1f0c3e-5d2a-4c1e-9f00-\#(name)","resourceVersion":"\#(name.count * 7)","generation":\#(generation),"labels":{"bosun.dev/app":"bench","app":"web"},"annotations":{"bosun.dev/tracking-id":"bench:x/\#(name)"\#(extra)}}"#
    }

    static func builtInBodies() -> [(String, Int) -> String] {
        [
            { n, _ in #"{"apiVersion":"apps/v1","kind":"Deployment",\#(metadata(n, generation: 3)),"spec":{"replicas":3},"status":{"observedGeneration":3,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3,"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"},{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}]}}"# },
            { n, _ in #"{"apiVersion":"apps/v1","kind":"StatefulSet",\#(metadata(n)),"spec":{"replicas":2},"status":{"observedGeneration":1,"replicas":2,"readyReplicas":2,"updatedReplicas":2,"currentRevision":"db-1","updateRevision":"db-1"}}"# },
            { n, _ in #"{"apiVersion":"apps/v1","kind":"DaemonSet",\#(metadata(n)),"status":{"observedGeneration":1,"desiredNumberScheduled":5,"updatedNumberScheduled":5,"numberAvailable":5}}"# },
            { n, _ in #"{"apiVersion":"apps/v1","kind":"ReplicaSet",\#(metadata(n)),"spec":{"replicas":3},"status":{"observedGeneration":1,"replicas":3,"availableReplicas":3}}"# },
            { n, _ in #"{"apiVersion":"v1","kind":"Pod",\#(metadata(n)),"spec":{"restartPolicy":"Always"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"web","ready":true,"restartCount":0,"state":{"running":{}}}]}}"# },
            { n, _ in #"{"apiVersion":"batch/v1","kind":"Job",\#(metadata(n)),"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}"# },
            { n, _ in #"{"apiVersion":"batch/v1","kind":"CronJob",\#(metadata(n)),"spec":{"schedule":"*/5 * * * *"},"status":{"lastScheduleTime":"2025-03-01T10:00:00Z","lastSuccessfulTime":"2025-03-01T10:00:09Z"}}"# },
            { n, _ in #"{"apiVersion":"v1","kind":"PersistentVolumeClaim",\#(metadata(n)),"spec":{"volumeName":"pv-1"},"status":{"phase":"Bound"}}"# },
            { n, _ in #"{"apiVersion":"v1","kind":"Service",\#(metadata(n)),"spec":{"type":"ClusterIP","ports":[{"port":80}]}}"# },
            { n, _ in #"{"apiVersion":"networking.k8s.io/v1","kind":"Ingress",\#(metadata(n)),"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.10"}]}}}"# },
            { n, _ in #"{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",\#(metadata(n)),"status":{"currentReplicas":3,"conditions":[{"type":"AbleToScale","status":"True","reason":"ReadyForNewScale"},{"type":"ScalingActive","status":"True","reason":"ValidMetricFound"}]}}"# },
            { n, _ in #"{"apiVersion":"v1","kind":"ConfigMap",\#(metadata(n)),"data":{"level":"info","replicas":"3"}}"# },
            { n, _ in #"{"apiVersion":"v1","kind":"Secret",\#(metadata(n)),"type":"Opaque","data":{"token":"dG9rZW4="}}"# },
            { n, _ in #"{"apiVersion":"v1","kind":"ServiceAccount",\#(metadata(n))}"# },
        ]
    }

    /// A custom kind's object, its status in one of five styles (most healthy, some not).
    static func custom(_ k: Int, name: String, index: Int) -> String {
        let head = #""apiVersion":"bench\#(k).example.com/v1","kind":"Kind\#(k)","#
        let ready = index % 10 == 0 ? #"{"type":"Ready","status":"False","reason":"Pending","message":"waiting for the database"}"#
            : #"{"type":"Ready","status":"True","reason":"Succeeded","message":"reconciliation succeeded","observedGeneration":2}"#
        switch k % 5 {
        case 0:  // Flux style: observedGeneration, Ready, Reconciling
            return #"{\#(head)\#(metadata(name, generation: 2)),"spec":{"interval":"5m","replicas":2},"status":{"observedGeneration":2,"readyReplicas":2,"conditions":[\#(ready),{"type":"Reconciling","status":"False","reason":"Succeeded"}]}}"#
        case 1:  // Crossplane style: Synced and Ready
            return #"{\#(head)\#(metadata(name)),"spec":{"parameters":{"size":"small"}},"status":{"conditions":[{"type":"Synced","status":"True","reason":"ReconcileSuccess"},\#(ready)]}}"#
        case 2:  // phase only
            let phase = index % 7 == 0 ? "Provisioning" : "Running"
            return #"{\#(head)\#(metadata(name)),"spec":{"size":3},"status":{"phase":"\#(phase)","nodes":["a","b","c"]}}"#
        case 3:  // cert-manager style: Ready and Issuing
            return #"{\#(head)\#(metadata(name)),"spec":{"secretName":"\#(name)-tls"},"status":{"notAfter":"2026-04-01T10:00:00Z","conditions":[\#(ready),{"type":"Issuing","status":"False","reason":"Issued"}]}}"#
        default:  // kstatus style: Stalled and Reconciling
            return #"{\#(head)\#(metadata(name, generation: 4)),"status":{"observedGeneration":4,"conditions":[{"type":"Stalled","status":"False"},{"type":"Reconciling","status":"False"},{"type":"Available","status":"True"}]}}"#
        }
    }

    struct BenchError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
