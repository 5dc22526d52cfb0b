import BosunCore
import BosunKubernetes
import Testing

/// Namespaces for desired objects compared offline with saved live objects, as the engine gives
/// them `destination.namespace`.
@Suite struct NamespaceDefaultsTests {
    static func object(_ apiVersion: String, _ kind: String, _ name: String, namespace: String? = nil) -> Resource {
        var metadata: JSONObject = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        return Resource(["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(metadata)])
    }

    @Test func builtInKindsAreToldApart() {
        #expect(BuiltInKinds.isNamespaced(group: "", kind: "ConfigMap") == true)
        #expect(BuiltInKinds.isNamespaced(group: "apps", kind: "Deployment") == true)
        #expect(BuiltInKinds.isNamespaced(group: "", kind: "Namespace") == false)
        #expect(BuiltInKinds.isNamespaced(group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding") == false)
        #expect(BuiltInKinds.isNamespaced(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition") == false)
        #expect(BuiltInKinds.isNamespaced(group: "cert-manager.io", kind: "ClusterIssuer") == nil)
    }

    @Test func desiredObjectsTakeTheLiveObjectsNamespace() async throws {
        let desired = [
            Self.object("v1", "ConfigMap", "settings"),
            Self.object("rbac.authorization.k8s.io/v1", "ClusterRole", "reader", namespace: "shop"),
            Self.object("cert-manager.io/v1", "Certificate", "tls"),
            Self.object("cert-manager.io/v1", "ClusterIssuer", "letsencrypt", namespace: "shop"),
            Self.object("v1", "Service", "web", namespace: "kept"),
            Self.object("v1", "Secret", "twice"),
        ]
        let live = [
            Self.object("v1", "ConfigMap", "settings", namespace: "shop"),
            Self.object("cert-manager.io/v1", "Certificate", "tls", namespace: "shop"),
            Self.object("cert-manager.io/v1", "ClusterIssuer", "letsencrypt"),
            Self.object("v1", "Secret", "twice", namespace: "a"),
            Self.object("v1", "Secret", "twice", namespace: "b"),
        ]
        let assigned = try await NamespaceDefaults.assign(desired, live: live, namespace: nil)
        #expect(assigned.map(\.key.description) == [
            "/ConfigMap/shop/settings",
            "rbac.authorization.k8s.io/ClusterRole//reader",  // cluster-scoped: the namespace written by mistake goes
            "cert-manager.io/Certificate/shop/tls",  // a custom kind: namespaced, as its live objects show
            "cert-manager.io/ClusterIssuer//letsencrypt",  // cluster-scoped, as its live objects show
            "/Service/kept/web",  // a namespace written in Git stays
            "/Secret//twice",  // two live candidates: no guess
        ])
    }

    @Test func anExplicitNamespaceWinsAndDiscoveryDecidesScope() async throws {
        let desired = [Self.object("v1", "ConfigMap", "settings"), Self.object("example.com/v1", "Widget", "w"),
                       Self.object("example.com/v1", "Gadget", "g", namespace: "x")]
        let live = [Self.object("v1", "ConfigMap", "settings", namespace: "shop")]
        let assigned = try await NamespaceDefaults.assign(desired, live: live, namespace: "staging") { object in
            object.kind == "Gadget" ? false : nil  // what a cluster's discovery would say
        }
        #expect(assigned.map(\.key.description) == ["/ConfigMap/staging/settings", "example.com/Widget/staging/w", "example.com/Gadget//g"])
    }
}
