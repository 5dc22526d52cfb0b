import ArgumentParser
import BosunCore
import BosunGit
import BosunRender
import BosunTesting
import Foundation

/// Plain render of 5,000 manifests in 500 files, from a real Git repository, then the same
/// commit again from the render cache.
struct RenderBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Plain render and cached render.")

    @Option(help: "Files.") var files = 500
    @Option(help: "Manifests per file.") var perFile = 10
    @Option(help: "Restarts that read the cached render from disk.") var restarts = 9

    func run() async throws {
        let repo = try GitRepository()
        let dir = try TemporaryDirectory(prefix: "bosun-bench-render")
        defer {
            repo.remove()
            dir.remove()
        }
        for f in 0..<files {
            var text = ""
            for m in 0..<perFile {
                text += """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: cm-\(f)-\(m)
                      namespace: bench
                      labels: { app: bench, file: "f\(f)" }
                    data:
                      key: value-\(f)-\(m)
                      other: "some longer text to make the document a realistic size"
                    ---

                    """
            }
            try repo.write("manifests/group-\(f / 50)/file-\(f).yaml", text)
        }
        let sha = try repo.commit("bench")
        let spec = RepositorySpec(name: "bench", url: repo.path)
        let mirrors = GitMirrors(root: dir.appending("git"))
        _ = try await mirrors.fetch(spec)
        let renderer = Renderer(workDirectory: dir.appending("work"))
        let request = RenderRequest(path: "manifests")
        let source = GitTreeSource(mirrors: mirrors, repository: spec, commit: sha)
        let key = RenderCache.Key(sourceID: sha, request: request)
        let cache = RenderCache(directory: dir.appending("cache"))

        let (output, cold) = try await measure { try await cache.render(key) { try await renderer.render(request, from: source) } }
        // A fresh cache on the same folder: what a restarted Bosun sees. Several restarts, since
        // one read of 2 MB is short enough for a busy machine to skew.
        var diskTimes: [Double] = []
        var reopened = RenderCache(directory: dir.appending("cache"))
        var fromDisk = output
        for _ in 0..<restarts {
            reopened = RenderCache(directory: dir.appending("cache"))
            let (hit, time) = try await measure { try await reopened.render(key) { try await renderer.render(request, from: source) } }
            (fromDisk, diskTimes) = (hit, diskTimes + [time])
        }
        diskTimes.sort()
        let disk = diskTimes[diskTimes.count / 2]
        let (_, memory) = try await measure { try await reopened.render(key) { try await renderer.render(request, from: source) } }
        print("render: \(output.resources.count) manifests in \(files) files (plain, from Git)")
        figure("plain render", cold, "s", target: "< 1 s")
        figure("cached render (from disk, after a restart), median", disk * 1000, "ms", target: "< 20 ms")
        figure("  fastest of \(restarts) restarts", (diskTimes.first ?? 0) * 1000, "ms")
        figure("cached render (in memory)", memory * 1000, "ms")
        precondition(fromDisk.resources.count == output.resources.count)
    }
}
