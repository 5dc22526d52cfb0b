import BosunCore
import Foundation
import Testing

@testable import BosunPodman

/// The checks and stamps made before anything reaches Podman: pure functions, no Podman needed.
struct PodmanManifestsTests {
    static func resource(_ yaml: String, file: String = "apps/x.yaml") throws -> Resource {
        let value = try YAMLDecoder().documents(yaml).first?.value ?? .null
        return try #require(Resource(value, source: SourceLocation(file: file, line: 1)))
    }

    static func pod(_ name: String = "web", volumes: String = "", security: String = "", env: String = "") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: { name: \(name), namespace: prod }
        spec:
          containers:
            - name: main
              image: registry.example/web:1.2
        \(security)
        \(env)
        \(volumes)
        """
    }

    let connection = PodmanConnection(socketPath: "/run/podman/podman.sock", hostPathAllowed: ["/srv/data"])

    @Test func aKindKubePlayDoesNotTakeIsNamedWithTheSupportedList() throws {
        let service = try Self.resource("apiVersion: v1\nkind: Service\nmetadata: { name: web }\n", file: "apps/svc.yaml")
        let error = #expect(throws: TargetError.self) { try PodmanManifests.check([service], connection: connection, target: "box") }
        #expect(error?.code == .invalid)
        #expect(error?.message == "apps/svc.yaml: v1 Service \"web\" is not a kind Podman's kube play supports; target \"box\" (podman) takes v1 Pod, apps/v1 Deployment, v1 ConfigMap, v1 Secret, v1 PersistentVolumeClaim")
    }

    @Test func hostPathsOutsideTheAllowedListAndPrivilegedContainersAreRefused() throws {
        let root = try Self.resource(Self.pod(volumes: "  volumes:\n    - name: root\n      hostPath: { path: / }"))
        let escape = try Self.resource(Self.pod(volumes: "  volumes:\n    - name: up\n      hostPath: { path: /srv/data/../../etc }"))
        let inside = try Self.resource(Self.pod(volumes: "  volumes:\n    - name: data\n      hostPath: { path: /srv/data/web }"))
        let privileged = try Self.resource(Self.pod(security: "      securityContext: { privileged: true }"))
        #expect(throws: TargetError.self) { try PodmanManifests.check([root], connection: connection, target: "box") }
        #expect(throws: TargetError.self) { try PodmanManifests.check([escape], connection: connection, target: "box") }
        try PodmanManifests.check([inside], connection: connection, target: "box")
        let error = #expect(throws: TargetError.self) { try PodmanManifests.check([privileged], connection: connection, target: "box") }
        #expect(error?.message.contains("set allowPrivileged: true on the target") == true)
        var allowing = connection
        allowing.allowPrivileged = true
        try PodmanManifests.check([privileged], connection: allowing, target: "box")
    }

    @Test func aConfigMapNoPodUsesIsUnsupportedAndOneAPodNeedsMustBeDeclared() throws {
        let lonely = try Self.resource("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: lonely }\ndata: { a: b }\n", file: "apps/cm.yaml")
        let error = #expect(throws: TargetError.self) { try PodmanManifests.check([try Self.resource(Self.pod()), lonely], connection: connection, target: "box") }
        #expect(error?.message.contains("unsupported on Podman") == true)
        let env = "      env:\n        - name: A\n          valueFrom: { configMapKeyRef: { name: missing, key: a } }"
        let needy = try Self.resource(Self.pod(env: env))
        let missing = #expect(throws: TargetError.self) { try PodmanManifests.check([needy], connection: connection, target: "box") }
        #expect(missing?.message.contains("uses ConfigMap \"missing\", which is not declared") == true)
    }

    @Test func aChangedConfigMapChangesTheHashOfThePodsThatReadItOnly() throws {
        let env = "      env:\n        - name: A\n          valueFrom: { configMapKeyRef: { name: conf, key: a } }"
        let reader = try Self.resource(Self.pod("reader", env: env))
        let other = try Self.resource(Self.pod("other"))
        let one = try Self.resource("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: conf }\ndata: { a: one }\n")
        let two = try Self.resource("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: conf }\ndata: { a: two }\n")
        let before = PodmanManifests.stamped([reader, other, one])
        let after = PodmanManifests.stamped([reader, other, two])
        func hash(_ list: [Resource], _ name: String) -> String? { list.first { $0.name == name }?.label(PodmanManifests.hashLabel) }
        #expect(hash(before, "reader") != hash(after, "reader"))
        #expect(hash(before, "other") == hash(after, "other"))
        #expect(before.allSatisfy { $0.namespace.isEmpty })
        // Stamping again gives the same hash: the label itself is not hashed.
        #expect(PodmanManifests.stamped(before).map { $0.label(PodmanManifests.hashLabel) } == before.map { $0.label(PodmanManifests.hashLabel) })
    }

    @Test func pullPoliciesFollowKubernetes() {
        #expect(PodmanManifests.pullPolicy(["image": "nginx:1.27"]) == "IfNotPresent")
        #expect(PodmanManifests.pullPolicy(["image": "nginx:latest"]) == "Always")
        #expect(PodmanManifests.pullPolicy(["image": "nginx"]) == "Always")
        #expect(PodmanManifests.pullPolicy(["image": "127.0.0.1:5000/web"]) == "Always")
        #expect(PodmanManifests.pullPolicy(["image": "127.0.0.1:5000/web:2"]) == "IfNotPresent")
        #expect(PodmanManifests.pullPolicy(["image": "nginx:latest", "imagePullPolicy": "Never"]) == "Never")
    }

    @Test func aSecretIsStoredAsPodmanReadsItForSecretKeyRef() throws {
        let secret = try Self.resource("apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata: { a: aGk= }\nstringData: { b: there }\n")
        let payload = try JSONParser.parse(Data(PodmanManifests.secretPayload(secret)))
        #expect(payload == ["a": "aGk=", "b": "dGhlcmU="])
    }

    @Test func trackingIDsNameTheirKeys() {
        let parsed = PodmanManifests.key(fromTracking: "shop:apps/Deployment:/api")
        #expect(parsed?.app == "shop" && parsed?.key == ResourceKey(group: "apps", kind: "Deployment", name: "api"))
        #expect(PodmanManifests.key(fromTracking: "nonsense") == nil)
    }

    @Test func theSocketAndListOptionsAreRead() throws {
        let spec = TargetSpec(name: "box", type: "podman", options: [
            "socket": "unix:///tmp/p.sock", "hostPathAllowed": ["/srv/data/"], "allowPrivileged": true,
        ])
        let connection = try PodmanConnection.from(spec, TargetEnvironment(dataDirectory: URL(fileURLWithPath: "/tmp"), environment: [:]))
        #expect(connection.socketPath == "/tmp/p.sock" && connection.hostPathAllowed == ["/srv/data"] && connection.allowPrivileged)
        let tcp = TargetSpec(name: "box", type: "podman", options: ["socket": "tcp://10.0.0.1:8080"])
        let error = #expect(throws: TargetError.self) { try PodmanConnection.from(tcp, TargetEnvironment(dataDirectory: URL(fileURLWithPath: "/tmp"), environment: [:])) }
        #expect(error?.message.contains("is not a unix socket") == true)
        let env = TargetEnvironment(dataDirectory: URL(fileURLWithPath: "/tmp"), environment: ["CONTAINER_HOST": "unix:///run/user/1000/podman/podman.sock"])
        #expect(try PodmanConnection.from(TargetSpec(name: "box", type: "podman"), env).socketPath == "/run/user/1000/podman/podman.sock")
    }

    @Test func targetOptionsMayBeListsInTheConfig() throws {
        let config = try ConfigLoader.parse("""
            apiVersion: bosun.dev/v1
            kind: Config
            targets:
              - { name: box, type: podman, socket: "unix:///run/podman/podman.sock", hostPathAllowed: [/srv/data, /var/www], allowPrivileged: false }
            """, file: "bosun.yaml")
        #expect(config.targets.first?.strings("hostPathAllowed") == ["/srv/data", "/var/www"])
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse("apiVersion: bosun.dev/v1\nkind: Config\ntargets:\n  - { name: box, type: podman, hostPathAllowed: [{ a: b }] }\n", file: "bosun.yaml")
        }
    }

    @Test func logFramesAreJoined() {
        let frames: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 3] + Array("ok\n".utf8) + [2, 0, 0, 0, 0, 0, 0, 4] + Array("bad\n".utf8)
        #expect(PodmanTarget.demultiplex(frames) == "ok\nbad\n")
    }
}
