import ArgumentParser
import BosunCore
import BosunImport
import Foundation

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Print the Bosun config equivalent to Argo CD or Flux objects.",
        discussion: """
            Reads objects as they sit in Git or as `kubectl get … -o yaml` prints them, and prints \
            a config (targets, repositories, applications, application sets) that `bosun validate` \
            accepts. Whatever has no Bosun equivalent is printed as a comment above its entry and \
            listed on standard error.

            Exits 0 when everything mapped, 1 when something was left out, 2 when the input cannot \
            be read.

            Example:
              kubectl get applications,applicationsets -n argocd -o yaml | bosun import argocd - > bosun.yaml
              bosun import flux clusters/prod/*.yaml > bosun.yaml
            """,
        subcommands: [ArgoCD.self, Flux.self])

    struct ArgoCD: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "argocd", abstract: "Import Argo CD Applications and ApplicationSets (a file, or - for standard input).")
        @Argument(help: "Files of Argo CD objects; - reads standard input.") var files: [String]

        func run() throws {
            try ImportCommand.run(files) { ArgoCDImport.convert($0) }
        }
    }

    struct Flux: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "flux", abstract: "Import Flux GitRepositories, Kustomizations and HelmReleases.")
        @Argument(help: "Files of Flux objects; - reads standard input.") var files: [String]

        func run() throws {
            try ImportCommand.run(files) { FluxImport.convert($0) }
        }
    }

    static func run(_ files: [String], convert: ([JSONObject]) -> ImportedConfig) throws {
        var objects: [JSONObject] = []
        do {
            for file in files {
                let data: Data
                if file == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else {
                    guard let read = FileManager.default.contents(atPath: file) else { throw ImportInputError("\(file): cannot be read (no such file, or not readable)") }
                    data = read
                }
                guard let text = String(data: data, encoding: .utf8) else { throw ImportInputError("\(file): not UTF-8 text") }
                objects += try importObjects(text, file: file == "-" ? "standard input" : file)
            }
        } catch let error as ImportInputError {
            Console.error(error.description)
            throw ExitCode(2)
        }
        guard !objects.isEmpty else {
            Console.error("no objects in \(files.joined(separator: ", "))")
            throw ExitCode(2)
        }
        let config = convert(objects)
        print(config.yaml, terminator: "")
        guard config.notMapped.isEmpty else {
            Console.error("not mapped (\(config.notMapped.count)):\n" + config.notMapped.map { "  - \($0)" }.joined(separator: "\n"))
            throw ExitCode(1)
        }
    }
}
