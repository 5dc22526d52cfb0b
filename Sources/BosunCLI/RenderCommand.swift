import ArgumentParser
import BosunCore
import BosunEngine
import BosunRender
import Foundation

struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the manifests a repository (or an application) declares at a revision.",
        discussion: """
            Plain YAML/JSON, Kustomize (when the path holds a kustomization) or Helm (a Chart.yaml), \
            as Bosun would deploy them. Renders are cached by commit, path and parameters.

            Example:
              bosun render --repo . --path examples/guestbook
              bosun render --repo https://github.com/acme/deploy.git --revision v1.4.0 --path apps/shop -o json
              bosun render guestbook --config bosun.yaml
              bosun render podinfo --revision 6.1.0     (a chart application: a version or range)
            """)

    @Argument(help: "An application of --config to render (instead of --repo).") var app: String?
    @Option(help: "A repository: URL or local path.") var repo: String?
    @Option(help: "Branch, tag, commit, or semver:RANGE.") var revision: String = "HEAD"
    @Option(help: "Folder inside the repository.") var path: String = "."
    @Option(help: "plain, kustomize or helm (default: from the files).") var render: RenderKind?
    @Option(name: [.short, .long], help: "The config file (with APP).") var config: String = "bosun.yaml"
    @OptionGroup var cache: CacheOptions
    @Option(name: .shortAndLong, help: "yaml or json.") var output: OutputFormat = .yaml

    func validate() throws {
        if app == nil && repo == nil { throw ValidationError("name an application (with --config) or a repository with --repo") }
        if app != nil && repo != nil { throw ValidationError("give an application or --repo, not both") }
    }

    func run() async throws {
        let repository: RepositorySpec
        let revisionSpec: RevisionSpec
        var request: RenderRequest
        var directory = cache.directory
        if let app {
            let loaded = try ConfigLoader.load(file: config)
            let appRenderer = try AppSourceRenderer(config: loaded, app: app, configFile: config)
            let rendered: RenderOutput
            let commit: CommitInfo
            do {
                commit = try await appRenderer.resolve(revision == "HEAD" ? nil : revision)
                rendered = try await appRenderer.render(commit)
            } catch {
                await appRenderer.shutdown()
                throw error
            }
            await appRenderer.shutdown()
            print(output == .json ? JSONValue.array(rendered.resources.map(\.value)).prettyJSONString()
                  : YAMLWriter.documents(rendered.resources.map(\.value)), terminator: output == .json ? "\n" : "")
            Console.error("rendered \(plural(rendered.resources.count, "resource")) (\(rendered.renderer.rawValue)) of \(app) at \(SourceRevision.short(commit.sha))")
            return
        }
        if let app {
            let loaded = try ConfigLoader.load(file: config)
            guard let spec = loaded.application(named: app) else {
                throw CLIError("\(config) has no application \"\(app)\"\(closestMatch(to: app, in: loaded.applications.map(\.name)).map { "; did you mean \"\($0)\"?" } ?? "")")
            }
            guard let repo = loaded.repository(named: spec.source.repository) else { throw CLIError("no repository \(spec.source.repository)") }
            repository = repo
            revisionSpec = spec.source.revision
            request = RenderRequest(path: spec.source.path, kind: spec.source.render, helm: spec.source.helm, releaseName: spec.name,
                                    namespace: spec.destination.namespace, varsFile: spec.source.varsFile)
            directory = loaded.dataDirectory
        } else {
            repository = repositorySpec(repo ?? ".")
            revisionSpec = try RevisionSpec(argument: revision)
            request = RenderRequest(path: path, kind: render)
        }
        let source = SourceRenderer(directory: directory)
        let commit = try await source.resolve(revisionSpec, in: repository)
        request.path = try Renderer.normalize(request.path)
        let rendered = try await source.render(request, commit: commit.sha, in: repository)
        switch output {
        case .json:
            print(JSONValue.array(rendered.resources.map(\.value)).prettyJSONString())
        default:
            print(YAMLWriter.documents(rendered.resources.map(\.value)), terminator: "")
        }
        Console.error("rendered \(plural(rendered.resources.count, "resource")) (\(rendered.renderer.rawValue)) from \(repository.url) at \(commit.sha.prefix(7))")
    }
}

extension RenderKind: ExpressibleByArgument {}
