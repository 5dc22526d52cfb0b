import BosunCore
import BosunTesting
import Foundation
import Testing

/// The simulator executable held to the real API by the real kubectl: each test drives
/// `/usr/bin/kubectl` against a fresh `kubernetes-simulator` and checks what kubectl prints.
@Suite(.serialized, .enabled(if: SimulatorProcess.hasKubectl, "kubectl is not installed at /usr/bin/kubectl"))
struct KubectlFidelityTests {
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {app: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: nginx:1.27
                ports: [{containerPort: 80}]
        """

    static func configMap(_ name: String, tier: String) -> String {
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: \(name), labels: {tier: \(tier)}}
        data: {color: blue}
        """
    }

    /// A simulator process and a kubectl pointed at it, torn down after `body`.
    func withSimulator(_ arguments: [String] = ["--controller-delay-ms", "200"], _ body: (Kubectl) async throws -> Void) async throws {
        let simulator = try SimulatorProcess(arguments: arguments)
        let kubectl = try Kubectl(server: simulator.url)
        defer {
            kubectl.remove()
            simulator.stop()
        }
        try await body(kubectl)
    }

    @Test func serverSideApplyCreatesAndGetShowsTheObject() async throws {
        try await withSimulator { kubectl in
            let applied = try await kubectl.run("apply", "--server-side", "-f", "-", input: Self.deployment)
            #expect(applied.status == 0, "\(applied.stderr)")
            #expect(applied.stdout == "deployment.apps/web serverside-applied\n")
            let json = try await kubectl.run("get", "deployment", "web", "-o", "json")
            #expect(json.status == 0, "\(json.stderr)")
            let object = try JSONParser.parse(json.stdout)
            #expect(object["kind"] == "Deployment")
            #expect(object["spec"]?["replicas"] == 2)
            #expect(object["metadata"]?["generation"] == 1)
            #expect(object["metadata"]?["uid"]?.stringValue?.count == 36)
            #expect(object["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["imagePullPolicy"] == "IfNotPresent")
            let managed = try await kubectl.run("get", "deployment", "web", "-o", "jsonpath={.metadata.managedFields[0].manager}/{.metadata.managedFields[0].operation}", "--show-managed-fields")
            #expect(managed.stdout == "kubectl/Apply")
        }
    }

    @Test func serverDryRunChangesNothing() async throws {
        try await withSimulator { kubectl in
            let dryRun = try await kubectl.run("apply", "--server-side", "--dry-run=server", "-f", "-", input: Self.deployment)
            #expect(dryRun.status == 0, "\(dryRun.stderr)")
            #expect(dryRun.stdout == "deployment.apps/web serverside-applied (server dry run)\n")
            let get = try await kubectl.run("get", "deployment", "web")
            #expect(get.status == 1)
            #expect(get.stderr.contains(#"Error from server (NotFound): deployments.apps "web" not found"#))
        }
    }

    @Test func aConflictIsReportedAndForceConflictsResolvesIt() async throws {
        try await withSimulator { kubectl in
            #expect(try await kubectl.run("apply", "--server-side", "-f", "-", input: Self.deployment).status == 0)
            let other = Self.deployment.replacingOccurrences(of: "replicas: 2", with: "replicas: 4")
            let conflict = try await kubectl.run("apply", "--server-side", "--field-manager=bosun", "-f", "-", input: other)
            #expect(conflict.status == 1)
            #expect(conflict.stderr.contains(#"Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas"#))
            #expect(try await kubectl.run("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}").stdout == "2")

            let forced = try await kubectl.run("apply", "--server-side", "--field-manager=bosun", "--force-conflicts", "-f", "-", input: other)
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(try await kubectl.run("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}").stdout == "4")

            // kubectl scale writes through the scale subresource, and an applier then conflicts with it.
            #expect(try await kubectl.run("scale", "deployment", "web", "--replicas=3").stdout == "deployment.apps/web scaled\n")
            let scaled = try await kubectl.run("apply", "--server-side", "--field-manager=bosun", "-f", "-", input: other)
            #expect(scaled.stderr.contains(#"conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas"#))
        }
    }

    @Test func serverSideApplyAfterClientSideApplyConflictsWithItsManager() async throws {
        try await withSimulator { kubectl in
            let created = try await kubectl.run("apply", "-f", "-", input: Self.deployment)
            #expect(created.stdout == "deployment.apps/web created\n", "\(created.stderr)")
            let managers = try await kubectl.run(
                "get", "deploy", "web", "--show-managed-fields", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}")
            #expect(managers.stdout.contains("kubectl-client-side-apply/Update"))
            let changed = Self.deployment.replacingOccurrences(of: "replicas: 2", with: "replicas: 3")
            let conflict = try await kubectl.run("apply", "--server-side", "-f", "-", input: changed)
            #expect(conflict.status == 1)
            #expect(conflict.stderr.hasPrefix(#"error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#))
            // Unchanged, kubectl takes the object over from client-side apply (it rewrites managedFields).
            let upgraded = try await kubectl.run("apply", "--server-side", "-f", "-", input: Self.deployment)
            #expect(upgraded.status == 0, "\(upgraded.stderr)")
            let after = try await kubectl.run(
                "get", "deploy", "web", "--show-managed-fields", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}")
            #expect(after.stdout.contains("kubectl/Apply"))
            #expect(!after.stdout.contains("kubectl-client-side-apply"))
            #expect(try await kubectl.run("apply", "--server-side", "-f", "-", input: changed).status == 0)
        }
    }

    @Test func getWithALabelSelectorAndDelete() async throws {
        try await withSimulator { kubectl in
            let manifests = [Self.configMap("front", tier: "web"), Self.configMap("cache", tier: "db")].joined(separator: "\n---\n")
            #expect(try await kubectl.run("apply", "--server-side", "-f", "-", input: manifests).status == 0)
            #expect(try await kubectl.run("get", "configmaps", "-l", "tier=web", "-o", "name").stdout == "configmap/front\n")
            #expect(try await kubectl.run("get", "configmaps", "-l", "tier in (web,db)", "-o", "name").lines == ["configmap/cache", "configmap/front"])
            let table = try await kubectl.run("get", "configmaps", "-l", "tier=db")
            #expect(table.lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "DATA", "AGE"])
            #expect(table.lines.dropFirst().first?.hasPrefix("cache ") == true)

            let deleted = try await kubectl.run("delete", "configmap", "front")
            #expect(deleted.stdout == "configmap \"front\" deleted\n")
            let missing = try await kubectl.run("get", "configmap", "front")
            #expect(missing.stderr.contains(#"Error from server (NotFound): configmaps "front" not found"#))
        }
    }

    @Test func apiResourcesListsTheServedKinds() async throws {
        try await withSimulator { kubectl in
            let resources = try await kubectl.run("api-resources")
            #expect(resources.status == 0, "\(resources.stderr)")
            let rows = resources.lines.map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(rows.first == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"])
            #expect(rows.contains(["deployments", "deploy", "apps/v1", "true", "Deployment"]))
            #expect(rows.contains(["namespaces", "ns", "v1", "false", "Namespace"]))
            #expect(rows.contains(["customresourcedefinitions", "crd,crds", "apiextensions.k8s.io/v1", "false", "CustomResourceDefinition"]))
            #expect(rows.contains(["clusterrolebindings", "rbac.authorization.k8s.io/v1", "false", "ClusterRoleBinding"]))
            let names = Set(rows.dropFirst().compactMap(\.first))
            #expect(names == [
                "configmaps", "events", "namespaces", "persistentvolumeclaims", "pods", "secrets", "serviceaccounts", "services",
                "customresourcedefinitions", "daemonsets", "deployments", "replicasets", "statefulsets", "cronjobs", "jobs",
                "ingresses", "clusterrolebindings", "clusterroles", "rolebindings", "roles",
            ])
        }
    }

    @Test func getWatchShowsAChange() async throws {
        try await withSimulator { kubectl in
            #expect(try await kubectl.run("apply", "--server-side", "-f", "-", input: Self.configMap("first", tier: "web")).status == 0)
            let (watch, output) = try kubectl.start(["get", "configmaps", "--watch", "-l", "tier"])
            defer { watch.terminate() }
            #expect(await eventually { output.get().contains("first") })
            let changed = Self.configMap("second", tier: "web")
            #expect(try await kubectl.run("apply", "--server-side", "-f", "-", input: changed).status == 0)
            #expect(await eventually { output.get().contains("second") })
            let rows = output.get().split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).first.map(String.init) }
            #expect(rows == ["NAME", "first", "second"])
        }
    }

    @Test func rolloutStatusFollowsTheSimulatedController() async throws {
        try await withSimulator(["--controller-delay-ms", "300", "--progress-deadline-seconds", "2"]) { kubectl in
            #expect(try await kubectl.run("apply", "--server-side", "-f", "-", input: Self.deployment).status == 0)
            let rollout = try await kubectl.run("rollout", "status", "deployment/web", "--timeout=20s")
            #expect(rollout.status == 0, "\(rollout.stderr)")
            #expect(rollout.lines.last == #"deployment "web" successfully rolled out"#)

            let broken = Self.deployment.replacingOccurrences(of: "nginx:1.27", with: "nginx:fail")
            #expect(try await kubectl.run("apply", "--server-side", "-f", "-", input: broken).status == 0)
            let stuck = try await kubectl.run("rollout", "status", "deployment/web", "--timeout=20s")
            #expect(stuck.status == 1)
            #expect(stuck.stderr.contains(#"deployment "web" exceeded its progress deadline"#))
        }
    }

    @Test func aCustomResourceDefinitionIsServedOnceEstablished() async throws {
        try await withSimulator { kubectl in
            #expect(try await kubectl.run("apply", "--server-side", "-f", "-", input: Fixtures.widgetCRD).status == 0)
            let established = try await kubectl.run("wait", "--for", "condition=established", "crd/widgets.example.com", "--timeout=10s")
            #expect(established.stdout == "customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met\n")
            let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: small}\nspec: {size: 3}\n"
            let applied = try await kubectl.run("apply", "--server-side", "-f", "-", input: widget)
            #expect(applied.stdout == "widget.example.com/small serverside-applied\n", "\(applied.stderr)")
            let rows = try await kubectl.run("get", "wd").lines.map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(rows == [["NAME", "SIZE"], ["small", "3"]])
            #expect(try await kubectl.run("api-resources", "--api-group=example.com", "-o", "name").stdout == "widgets.example.com\n")
        }
    }

    @Test func typedCreateCommandsSendProtobufAndAreDecoded() async throws {
        try await withSimulator { kubectl in
            #expect(try await kubectl.run("create", "configmap", "settings", "--from-literal=color=blue").stdout == "configmap/settings created\n")
            #expect(try await kubectl.run("create", "secret", "generic", "token", "--from-literal=value=s3cret").stdout == "secret/token created\n")
            #expect(try await kubectl.run("create", "role", "reader", "--verb=get,list", "--resource=pods").status == 0)
            #expect(try await kubectl.run("get", "configmap", "settings", "-o", "jsonpath={.data.color}").stdout == "blue")
            #expect(try await kubectl.run("get", "secret", "token", "-o", "jsonpath={.type} {.data.value}").stdout == "Opaque czNjcmV0")
            #expect(try await kubectl.run("get", "role", "reader", "-o", "jsonpath={.rules[0].verbs}").stdout == #"["get","list"]"#)
            // Kinds whose protobuf form is not simulated are refused with a 415 that says so.
            let deployment = try await kubectl.run("create", "deployment", "web", "--image=nginx")
            #expect(deployment.status == 1)
            #expect(deployment.stderr.contains("Deployment is not simulated: send JSON or YAML"))
        }
    }

    @Test func theExecutableExitsCleanlyOnSIGTERM() async throws {
        let simulator = try SimulatorProcess()
        #expect(simulator.url.hasPrefix("http://127.0.0.1:"))
        #expect(simulator.stop() == 0)
    }
}

/// HTTPS, bearer tokens and client certificates, checked with kubectl and its kubeconfig.
@Suite(.serialized, .enabled(if: SimulatorProcess.hasKubectl, "kubectl is not installed at /usr/bin/kubectl"))
struct KubectlAuthenticationTests {
    /// A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl.
    struct Certificates {
        let directory: TemporaryDirectory
        var path: (String) -> String { { directory.appending($0).path } }

        init() throws {
            directory = try TemporaryDirectory(prefix: "sim-tls")
            let dir = directory.path
            func openssl(_ arguments: String...) throws { try Shell.runBlocking(["openssl"] + arguments, in: dir) }
            try openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=simulator-ca")
            try directory.write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
            try openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
            try openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "server.ext")
            try openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=bosun")
            try openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.crt", "-days", "1")
        }
    }

    @Test func httpsWithATokenOrAClientCertificate() async throws {
        let certificates = try Certificates()
        defer { certificates.directory.remove() }
        let simulator = try SimulatorProcess(arguments: [
            "--tls-cert", certificates.path("server.crt"), "--tls-key", certificates.path("server.key"),
            "--client-ca", certificates.path("ca.crt"), "--token", "s3cret",
        ])
        defer { simulator.stop() }
        #expect(simulator.url.hasPrefix("https://127.0.0.1:"))

        let withToken = try Kubectl(server: simulator.url, token: "s3cret", certificateAuthority: certificates.path("ca.crt"))
        defer { withToken.remove() }
        let namespaces = try await withToken.run("get", "namespaces", "-o", "name")
        #expect(namespaces.lines.contains("namespace/default"), "\(namespaces.stderr)")

        let wrongToken = try Kubectl(server: simulator.url, token: "guess", certificateAuthority: certificates.path("ca.crt"))
        defer { wrongToken.remove() }
        let refused = try await wrongToken.run("get", "namespaces")
        #expect(refused.status == 1)
        // kubectl 1.32 words a 401 during discovery this way against a real cluster too.
        #expect(refused.stderr.contains("error: You must be logged in to the server (the server has asked for the client to provide credentials)"))

        let withCertificate = try Kubectl(server: simulator.url, certificateAuthority: certificates.path("ca.crt"))
        defer { withCertificate.remove() }
        let byCertificate = try await withCertificate.run(
            "--client-certificate", certificates.path("client.crt"), "--client-key", certificates.path("client.key"), "get", "namespaces", "-o", "name")
        #expect(byCertificate.lines.contains("namespace/default"), "\(byCertificate.stderr)")
    }
}
