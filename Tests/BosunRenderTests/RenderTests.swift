import BosunCore
import BosunGit
import BosunRender
import BosunTesting
import Foundation
import Testing

/// Renders from real Git repositories, through the mirror, with the real `kubectl kustomize`.
@Suite struct RenderTests {
    struct Fixture {
        let repo: GitRepository
        let dir: TemporaryDirectory
        let mirrors: GitMirrors
        let spec: RepositorySpec
        let renderer: Renderer

        init(files: [String: String]) throws {
            repo = try GitRepository()
            try repo.commit(files: files, message: "manifests")
            dir = try TemporaryDirectory(prefix: "bosun-render")
            mirrors = GitMirrors(root: dir.appending("git"))
            spec = RepositorySpec(name: "r", url: repo.path)
            renderer = Renderer(workDirectory: dir.appending("work"))
        }

        func render(_ request: RenderRequest, at revision: String = "main") async throws -> RenderOutput {
            _ = try await mirrors.fetch(spec)
            let commit = try await mirrors.resolve(.ref(revision), in: spec)
            return try await renderer.render(request, from: GitTreeSource(mirrors: mirrors, repository: spec, commit: commit.sha))
        }

        func remove() {
            repo.remove()
            dir.remove()
        }
    }

    static func cm(_ name: String, namespace: String = "demo") -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\n  namespace: \(namespace)\ndata: {k: v}\n"
    }

    @Test func plainRendersEveryManifestRecursivelyInStableOrder() async throws {
        let f = try Fixture(files: [
            "app/z.yaml": Self.cm("z"),
            "app/a.yml": Self.cm("a") + "---\n# comment only\n---\n" + Self.cm("a2"),
            "app/sub/m.json": #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m","namespace":"demo"}}"#,
            "app/list.yaml": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: l1, namespace: demo}\n",
            "app/notes.txt": "ignored",
            "other/x.yaml": Self.cm("x"),
        ])
        defer { f.remove() }
        let output = try await f.render(RenderRequest(path: "app"))
        #expect(output.renderer == .plain)
        #expect(output.resources.map(\.name) == ["a", "a2", "l1", "m", "z"])
        #expect(output.resources[1].source == SourceLocation(file: "app/a.yml", line: 10))
        #expect(output.resources[0].source?.file == "app/a.yml" && output.resources[0].source?.line == 1)
    }

    @Test func plainErrorsNameFileAndLine() async throws {
        let f = try Fixture(files: [
            "bad/a.yaml": Self.cm("a") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: demo\n",
            "dup/a.yaml": Self.cm("same"),
            "dup/b.yaml": "\n\n" + Self.cm("same"),
            "yaml/a.yaml": "apiVersion: v1\nkind: [ConfigMap\n",
        ])
        defer { f.remove() }
        await #expect { try await f.render(RenderRequest(path: "bad")) } throws: { error in
            "\(error)" == "bad/a.yaml:8: the document has no metadata.name; every manifest needs apiVersion, kind and metadata.name"
        }
        await #expect { try await f.render(RenderRequest(path: "dup")) } throws: { error in
            "\(error)".contains("dup/b.yaml:3") && "\(error)".contains("declared twice") && "\(error)".contains("dup/a.yaml:1")
        }
        await #expect { try await f.render(RenderRequest(path: "yaml")) } throws: { error in
            "\(error)".hasPrefix("yaml/a.yaml:") && "\(error)".contains("invalid YAML")
        }
        await #expect { try await f.render(RenderRequest(path: "../outside")) } throws: { error in
            "\(error)".contains("leaves the repository")
        }
    }

    @Test func binaryFilesAreSkippedWithANoteAndEscapingSymlinksRefused() async throws {
        let f = try Fixture(files: ["app/cm.yaml": Self.cm("a")])
        defer { f.remove() }
        try Data([0x61, 0x00, 0x62]).write(to: f.repo.url.appendingPathComponent("app/blob.yaml"))
        try f.repo.commit("binary")
        let output = try await f.render(RenderRequest(path: "app"))
        #expect(output.resources.map(\.name) == ["a"])
        #expect(output.notes.contains { $0.contains("app/blob.yaml") && $0.contains("binary") })

        try FileManager.default.createSymbolicLink(atPath: f.repo.url.appendingPathComponent("app/leak.yaml").path, withDestinationPath: "/etc/hostname")
        try f.repo.commit("symlink out")
        await #expect { try await f.render(RenderRequest(path: "app")) } throws: { error in
            "\(error)".contains("app/leak.yaml") && "\(error)".contains("outside the repository")
        }
    }

    @Test func documentsOverTenMebibytesAreRefused() async throws {
        let f = try Fixture(files: ["app/big.yaml": Self.cm("big") + "  blob: \"" + String(repeating: "x", count: 10 << 20) + "\"\n"])
        defer { f.remove() }
        await #expect { try await f.render(RenderRequest(path: "app")) } throws: { error in
            "\(error)".contains("app/big.yaml")
        }
    }

    @Test func kustomizeOverlayWithNamePrefixAndGenerator() async throws {
        let f = try Fixture(files: [
            "base/kustomization.yaml": "resources: [cm.yaml]\n",
            "base/cm.yaml": Self.cm("settings"),
            "overlays/prod/kustomization.yaml": """
                resources: [../../base]
                namePrefix: prod-
                namespace: shop
                configMapGenerator:
                  - name: flags
                    literals: [FEATURE=on]
                """,
        ])
        defer { f.remove() }
        let output = try await f.render(RenderRequest(path: "overlays/prod"))
        #expect(output.renderer == .kustomize)
        let names = output.resources.map(\.name)
        #expect(names.contains("prod-settings"))
        #expect(names.contains { $0.hasPrefix("prod-flags-") })
        #expect(output.resources.allSatisfy { $0.namespace == "shop" })
        // Kustomize errors name the problem, with repository paths rather than temporary folders.
        try f.repo.commit(files: ["broken/kustomization.yaml": "resources: [missing.yaml]\n"], message: "broken")
        await #expect { try await f.render(RenderRequest(path: "broken")) } throws: { error in
            "\(error)".contains("missing.yaml") && !"\(error)".contains(f.dir.path)
        }
    }

    @Test func theCacheNeverRendersTheSameKeyTwice() async throws {
        let f = try Fixture(files: ["app/cm.yaml": Self.cm("a")])
        defer { f.remove() }
        let cache = RenderCache(directory: f.dir.appending("cache"))
        _ = try await f.mirrors.fetch(f.spec)
        let commit = try await f.mirrors.resolve(.ref("main"), in: f.spec)
        let request = RenderRequest(path: "app")
        let key = RenderCache.Key(sourceID: commit.sha, request: request)
        let source = GitTreeSource(mirrors: f.mirrors, repository: f.spec, commit: commit.sha)
        let renderer = f.renderer
        let first = try await cache.render(key) { try await renderer.render(request, from: source) }
        // A second cache on the same folder (a restart) answers without git: remove the mirror to prove it.
        try FileManager.default.removeItem(at: f.mirrors.mirrorPath(for: f.spec))
        let again = RenderCache(directory: f.dir.appending("cache"))
        let second = try await again.render(key) {
            Issue.record("rendered twice")
            return try await renderer.render(request, from: source)
        }
        #expect(second.resources == first.resources)
        let (hits, misses) = (await again.hits, await again.misses)
        #expect(hits == 1 && misses == 0)
        #expect(second.resources.first?.source == first.resources.first?.source)
    }

    @Test func aLargeRenderComesBackFromDiskExactly() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-render-cache")
        defer { dir.remove() }
        let resources = (0..<1500).map { i -> Resource in
            var body: JSONObject = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string("cm-\(i)")]]
            body["data"] = ["text": .string("line one\nline \"two\" \u{2028} é \(i)"), "n": .int(i), "x": .double(Double(i) / 4)]
            return Resource(body, source: i % 3 == 0 ? nil : SourceLocation(file: "dir/file-\(i / 10).yaml", line: i % 10 + 1))
        }
        let output = RenderOutput(resources: resources, renderer: .plain, notes: ["skipped logo.png: not text"])
        let key = RenderCache.Key(sourceID: String(repeating: "a", count: 40), request: RenderRequest(path: "app"))
        await RenderCache(directory: dir.url).put(key, output)
        let back = try #require(await RenderCache(directory: dir.url).get(key))
        #expect(back.resources == output.resources)
        #expect(back.resources.map(\.source) == output.resources.map(\.source))
        #expect(back.notes == output.notes && back.renderer == .plain)
    }

    @Test func aDamagedCacheEntryIsAMissNotAnError() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-render-cache")
        defer { dir.remove() }
        let key = RenderCache.Key(sourceID: String(repeating: "b", count: 40), request: RenderRequest(path: "app"))
        let output = RenderOutput(resources: [Resource(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "a"]])], renderer: .plain, notes: [])
        await RenderCache(directory: dir.url).put(key, output)
        let file = try #require(try FileManager.default.contentsOfDirectory(at: dir.url, includingPropertiesForKeys: nil).first)
        let text = try String(contentsOf: file, encoding: .utf8)
        try String(text.dropLast(5)).write(to: file, atomically: true, encoding: .utf8)
        let cache = RenderCache(directory: dir.url)
        #expect(await cache.get(key) == nil)
        #expect(await cache.misses == 1)
    }
}
