import ArgumentParser
import BosunCore
import BosunDiff
import BosunEngine
import BosunKubernetes
import BosunRender
import Foundation

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what would change: between two revisions, between saved objects, or for an application.",
        discussion: """
            Three forms, one diff engine (three-way: last-applied, desired, live; Secret values masked):
              bosun diff --repo PATH|URL --from REV --to REV [--path P]   what merging would change
              bosun diff --desired FILE --live FILE [--last-applied FILE] what Bosun would call drift
                [--namespace NS] [--target NAME]
              bosun diff APP [--server-side]                              desired against live, via `bosun serve`
              bosun diff APP --from REV --to REV [--config FILE]          two source revisions of an application (chart versions or commits)
            Exits 0 when nothing changes, 1 when something does, 2 on an error (as `diff` does).
            With --desired, objects that name no namespace get --namespace, else the namespace of \
            the live object of the same kind and name, as the engine gives them destination.namespace.

            Example:
              bosun diff --repo . --from main --to feature/scale-up --path apps/shop
              kubectl get deploy web -o yaml > live.yaml && bosun diff --desired web.yaml --live live.yaml
            """)

    @Argument(help: "An application (asks the running server).") var app: String?
    @Option(help: "A repository: URL or local path.") var repo: String?
    @Option(help: "The base revision (with --repo).") var from: String?
    @Option(help: "The revision to compare (with --repo).") var to: String?
    @Option(help: "Folder inside the repository.") var path: String = "."
    @Option(help: "plain, kustomize or helm (default: from the files).") var render: RenderKind?
    @Option(help: "A file of desired objects (YAML or JSON).") var desired: String?
    @Option(help: "A file of live objects, as `kubectl get -o yaml|json` prints them.") var live: String?
    @Option(help: "A file of last-applied objects.") var lastApplied: String?
    @Option(name: [.short, .long], help: "With --desired: the namespace of desired objects that name none (default: the live object's).")
    var namespace: String?
    @Option(help: "With --desired: a kubernetes target of --config whose API server tells namespaced kinds from cluster-scoped ones (default: the live file and the built-in kinds).")
    var target: String?
    @OptionGroup var cache: CacheOptions
    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text
    @Flag(help: "With APP: dry-run each change through the target (Kubernetes server-side dry run) and show what the server would hold, defaults included.")
    var serverSide = false

    func run() async throws {
        let diffs: [ResourceDiff]
        do {
            if let desired {
                guard let live else { throw CLIError("--desired needs --live (and optionally --last-applied)") }
                diffs = try await fileDiff(desired: desired, live: live)
            } else if let repo {
                guard let from, let to else { throw CLIError("--repo needs --from and --to") }
                diffs = try await revisionDiff(repo: repo, from: from, to: to)
            } else if let app, from != nil || to != nil {
                guard let from, let to else { throw CLIError("APP --from needs --to (two source revisions: chart versions or commits)") }
                diffs = try await appRevisionDiff(app, from: from, to: to)
            } else if let app {
                diffs = try await serverDiff(app)
            } else if serverSide {
                throw CLIError("--server-side needs an application: bosun diff APP --server-side")
            } else {
                throw CLIError("name an application, or use --repo with --from/--to, or --desired with --live; see `bosun diff --help`")
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.error("Error: \(error)")
            throw ExitCode(2)
        }
        let changed = diffs.filter { $0.action != .unchanged }
        if output == .json {
            print(Format.json(diffs))
        } else if changed.isEmpty {
            Console.error("no changes")
        } else {
            print(changed.map { $0.unified(color: Console.isTerminal) }.joined(separator: "\n"), terminator: "")
        }
        throw ExitCode(changed.isEmpty ? 0 : 1)
    }

    func fileDiff(desired: String, live: String) async throws -> [ResourceDiff] {
        let savedLive = try Self.objects(in: live)
        // Manifests from Git often name no namespace; the engine gives them destination.namespace.
        let cluster = try target.map { try self.cluster(named: $0) }
        let desiredObjects: [Resource]
        do {
            desiredObjects = try await NamespaceDefaults.assign(try Self.objects(in: desired), live: savedLive, namespace: namespace) { object in
                try await cluster?.client.discovery.resource(apiVersion: object.apiVersion, kind: object.kind)?.namespaced
            }
            await cluster?.shutdown()
        } catch {
            await cluster?.shutdown()
            throw error
        }
        let liveObjects = Dictionary(savedLive.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let last = try lastApplied.map { Dictionary(try Self.objects(in: $0).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a }) } ?? [:]
        // Only the objects named in --desired: a live file usually holds more.
        let wanted = Set(desiredObjects.map(\.key))
        return Differ.diff(desired: desiredObjects, live: liveObjects.filter { wanted.contains($0.key) },
                           lastApplied: last.filter { wanted.contains($0.key) }, options: DiffOptions())
    }

    /// The kubernetes target `name` of --config, whose discovery tells namespaced kinds apart.
    func cluster(named name: String) throws -> KubernetesTarget {
        let config = try ConfigLoader.load(file: server.config)
        guard let spec = config.target(named: name) else { throw CLIError("\(server.config) has no target named \(name)") }
        guard spec.type == "kubernetes" else { throw CLIError("--target \(name) is a \(spec.type) target; only a kubernetes target has namespaces") }
        return try KubernetesTargetFactory.makeTarget(
            spec, TargetEnvironment(dataDirectory: config.dataDirectory, resolvePath: { config.resolvePath($0) }))
    }

    /// Objects in a YAML or JSON file; `kind: List` (as kubectl prints several) is expanded.
    static func objects(in file: String) throws -> [Resource] {
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("\(file): cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw CLIError("\(file): not UTF-8 text") }
        do {
            return try Manifests.parse(text, file: file)
        } catch let error as RenderError {
            throw CLIError(error.description)
        }
    }

    func revisionDiff(repo: String, from: String, to: String) async throws -> [ResourceDiff] {
        let repository = repositorySpec(repo)
        let source = SourceRenderer(directory: cache.directory)
        let base = try await source.resolve(try RevisionSpec(argument: from), in: repository)
        let head = try await source.mirrors.resolve(try RevisionSpec(argument: to), in: repository)
        let request = RenderRequest(path: try Renderer.normalize(path), kind: render)
        let old = try await source.render(request, commit: base.sha, in: repository).resources
        let new = try await source.render(request, commit: head.sha, in: repository).resources
        let oldByKey = Dictionary(old.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        Console.error("comparing \(base.sha.prefix(7)) (\(from)) with \(head.sha.prefix(7)) (\(to))")
        return Differ.diff(desired: new, live: oldByKey, lastApplied: oldByKey, options: DiffOptions())
    }

    /// Two source revisions of one application (chart versions, commits, or combined
    /// revisions from history), rendered here from --config.
    func appRevisionDiff(_ app: String, from: String, to: String) async throws -> [ResourceDiff] {
        // --config (shared with the server options) names the file the application is read from.
        let loaded = try ConfigLoader.load(file: server.config)
        let renderer = try AppSourceRenderer(config: loaded, app: app, configFile: server.config)
        let base: CommitInfo, head: CommitInfo, old: [Resource], new: [Resource]
        do {
            base = try await renderer.resolve(from)
            head = try await renderer.resolve(to)
            old = try await renderer.render(base).resources
            new = try await renderer.render(head).resources
        } catch {
            await renderer.shutdown()
            throw error
        }
        await renderer.shutdown()
        let oldByKey = Dictionary(old.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        Console.error("comparing \(SourceRevision.short(base.sha)) (\(from)) with \(SourceRevision.short(head.sha)) (\(to))")
        return Differ.diff(desired: new, live: oldByKey, lastApplied: oldByKey, options: DiffOptions())
    }

    func serverDiff(_ app: String) async throws -> [ResourceDiff] {
        let client = try server.client()
        let data = try await client.send(.GET, "/api/v1/applications/\(APIClient.path(app))/diff\(serverSide ? "?serverSide=true" : "")")
        let value = try JSONParser.parse(data)
        if output == .json {
            print(value["resources"]?.prettyJSONString() ?? "[]")
        } else if let text = value["diff"]?.stringValue, !text.isEmpty {
            print(text, terminator: "")
        } else {
            Console.error("no changes")
        }
        throw ExitCode((value["resources"]?.arrayValue?.isEmpty ?? true) ? 0 : 1)
    }
}
