import ArgumentParser
import BosunCore
import BosunGit
import BosunTesting
import Foundation

/// Times BosunGit against a local repository: first clone, no-op fetch, resolve, tree listing,
/// batched reads and export. Prints figures; asserts nothing.
struct GitBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git", abstract: "BosunGit: clone, fetch, resolve, list, read and export on a generated repository.")

    @Option(help: "Applications (folders) in the generated repository.")
    var apps = 50
    @Option(help: "YAML files per application.")
    var filesPerApp = 40
    @Option(help: "Commits on top of the first one.")
    var commits = 100
    @Option(help: "Repetitions of each cheap operation.")
    var repetitions = 20

    func run() async throws {
        let origin = try GitRepository()
        let data = try TemporaryDirectory(prefix: "bosun-bench-git")
        defer {
            origin.remove()
            data.remove()
        }
        // Build the repository in one fast-import run: the benchmark is about reading it.
        var stream = "commit refs/heads/main\ncommitter Ada Tester <ada@example.com> 1700000000 +0000\ndata 5\nseed\n"
        for app in 0..<apps {
            for file in 0..<filesPerApp {
                let content = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\(app)-cm\(file)\ndata:\n  key: \"\(app * 1000 + file)\"\n"
                stream += "M 100644 inline apps/app\(app)/cm\(file).yaml\ndata \(content.utf8.count)\n\(content)\n"
            }
        }
        for number in 1...max(commits, 1) {
            let content = "revision: \(number)\n"
            stream += "commit refs/heads/main\ncommitter Ada Tester <ada@example.com> \(1_700_000_000 + number) +0000\ndata 8\nchange \(number % 10)\n"
            stream += "M 100644 inline apps/app\(number % apps)/revision.yaml\ndata \(content.utf8.count)\n\(content)\n"
        }
        try await Shell.run(["git", "-C", origin.path, "fast-import", "--quiet"], environment: GitRepository.environment, input: stream)
        let shas = try origin.git("rev-list", "main").split(separator: "\n").map(String.init)

        let mirrors = GitMirrors(root: data.appending("git"))
        let repository = RepositorySpec(name: "bench", url: origin.path)
        let clock = ContinuousClock()
        print("repository: \(apps * filesPerApp) files in \(apps) folders, \(shas.count) commits")

        let clone = try await clock.measure { _ = try await mirrors.fetch(repository) }
        report("first fetch (clone)", clone)
        report("fetch, nothing moved", try await median { _ = try await mirrors.fetch(repository) })
        report("resolve main (warm)", try await median { _ = try await mirrors.resolve(.ref("main"), in: repository) })
        var cold: [Duration] = []
        for sha in shas.prefix(repetitions) {
            cold.append(try await clock.measure { _ = try await mirrors.commit(sha, in: repository) })
        }
        report("commit metadata (cold, one git log)", cold.sorted()[cold.count / 2])
        report("resolve short SHA (cold)", try await clock.measure {
            _ = try await mirrors.resolve(.ref(String(shas[repetitions + 1].prefix(8))), in: repository)
        })

        let head = shas[0]
        report("first list at a commit (ls-tree of every tree)", try await clock.measure {
            _ = try await mirrors.list(commit: head, path: "apps/app0", in: repository)
        })
        report("list one folder (cached trees)", try await median { _ = try await mirrors.list(commit: head, path: "apps/app1", in: repository) })
        report("treeID (cached trees)", try await median { _ = try await mirrors.treeID(commit: head, path: "apps/app2", in: repository) })
        let paths = (0..<filesPerApp).map { "apps/app3/cm\($0).yaml" }
        report("read \(paths.count) files (one cat-file --batch)", try await median {
            _ = try await mirrors.read(commit: head, paths: paths, in: repository)
        })
        let everything = try await mirrors.list(commit: head, path: ".", in: repository).map(\.path)
        report("read all \(everything.count) files", try await clock.measure {
            _ = try await mirrors.read(commit: head, paths: everything, in: repository)
        })
        var exports: [Duration] = []
        for number in 0..<min(repetitions, 5) {
            let target = data.appending("export-\(number)")
            exports.append(try await clock.measure { try await mirrors.export(commit: head, to: target, in: repository) })
        }
        report("export whole tree (read-tree + checkout-index)", exports.sorted()[exports.count / 2])

        let concurrent = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<16 { group.addTask { _ = try await mirrors.fetch(repository) } }
                try await group.waitForAll()
            }
        }
        report("16 concurrent fetches of one remote", concurrent)
        let statistics = await mirrors.statistics
        print("fetches run: \(statistics.fetches), git fetch processes: \(statistics.gitFetchProcesses), requests that shared one: \(statistics.sharedFetches)")
    }

    func median(_ body: () async throws -> Void) async throws -> Duration {
        var samples: [Duration] = []
        let clock = ContinuousClock()
        for _ in 0..<repetitions { samples.append(try await clock.measure { try await body() }) }
        return samples.sorted()[samples.count / 2]
    }

    func report(_ name: String, _ duration: Duration) {
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        print("  \(name.padding(toLength: 52, withPad: " ", startingAt: 0)) \(String(format: "%9.2f", milliseconds)) ms")
    }
}
