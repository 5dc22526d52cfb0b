import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// An application set on the Kubernetes simulator, through the `bosun` binary: each folder of a
    /// monorepo becomes an application in its own namespace; `kubectl` is the witness.
    @Suite(.serialized) struct AppSetKubernetesTests {
        @Test("folders become applications in their own namespaces; a new folder arrives without a restart; a vanished one with deleteApplications is deleted")
        func monorepoOnKubernetes() async throws {
            let cluster = try await KubeCluster()
            defer { cluster.stop() }
            let prefix = "as-\(UUID().uuidString.prefix(6).lowercased())"
            func folder(_ name: String) -> [String: String] {
                ["apps/\(prefix)-\(name)/settings.yaml": KubeManifests.configMap("settings", version: name)]
            }
            let workspace = try Workspace(
                "bosun-k8s-appsets", files: folder("a").merging(folder("b")) { a, _ in a }.merging(folder("c")) { a, _ in a }, message: "three services"
            ) { repository in
                """
                targets: [{ name: cluster, type: kubernetes, kubeconfig: "\(cluster.kubeconfig)", requestTimeout: 10s }]
                security: { repositorySchemes: [file] }
                repositories: [{ name: deploy, url: \(repository) }]
                applicationSets:
                  - name: services
                    deleteApplications: true
                    generators:
                      - directories: { repository: deploy, revision: main, include: ["apps/*"] }
                    template:
                      name: "{{path.basename}}"
                      source: { repository: deploy, revision: main, path: "{{path}}" }
                      destination: { target: cluster, namespace: "{{path.basename}}" }
                      sync: { auto: true, prune: true, selfHeal: true, interval: 2s, createNamespace: true }
                """
            }
            defer { workspace.remove() }
            let repo = workspace.repo
            let serve = try await workspace.serve()
            defer { serve.stop() }
            let url = serve.url
            func value(_ name: String) async -> String? {
                guard let text = try? await cluster.kubectl(["get", "configmap", "settings", "-n", "\(prefix)-\(name)", "-o", "jsonpath={.data.version}"]) else { return nil }
                return text.isEmpty ? nil : text
            }
            func label(_ name: String) async -> String? {
                try? await cluster.kubectl(["get", "configmap", "settings", "-n", "\(prefix)-\(name)", "-o", "jsonpath={.metadata.labels.bosun\\.dev/app}"])
            }
            try await eventually("a, b and c in their namespaces", seconds: 120) {
                let (a, b, c) = (await value("a"), await value("b"), await value("c"))
                return a == "a" && b == "b" && c == "c"
            }
            #expect(await label("a") == "\(prefix)-a")
            let apps = try json(try await bosun("apps", "--server", url, "-o", "json").stdout).arrayValue ?? []
            #expect(apps.count == 3 && apps.allSatisfy { $0["applicationSet"] == "services" && $0["target"] == "cluster" })

            // A commit adds d and removes c (one of three: under the guard).
            try repo.remove("apps/\(prefix)-c")
            try repo.commit(files: folder("d"), message: "d in, c out")
            try await eventually("d applied, c deleted", seconds: 120) {
                let (d, c) = (await value("d"), await value("c"))
                return d == "d" && c == nil
            }
            let (a, b) = (await value("a"), await value("b"))
            #expect(a == "a" && b == "b")
            let set = try json(try await Shell.execute(["curl", "-s", "\(url)/api/v1/applicationsets/services"]).stdout)
            #expect(set["applications"]?.arrayValue?.compactMap(\.stringValue).sorted() == ["\(prefix)-a", "\(prefix)-b", "\(prefix)-d"])
            #expect(set["deleteApplications"] == true)
        }
    }
}
