import ArgumentParser
import BosunCore
import BosunEngine
import BosunHost
import BosunKubernetes
import BosunNomad
import BosunPodman
import BosunServer
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the engine and its HTTP API: keep every application equal to Git.",
        discussion: """
            One process, one SQLite file under dataDir. The API listens on server.listen \
            (default 127.0.0.1:8080); the other commands find it there. SIGHUP (or editing the \
            config file) reloads the config; SIGTERM stops gracefully, stopping supervised processes.

            With `store: { postgres: { urlEnv: BOSUN_DATABASE_URL } }` in the config, any number of \
            `bosun serve` processes with the same config and database are replicas: each \
            application is owned by one live replica under a lease, and moves when its replica \
            dies (docs/high-availability.md). Give each replica its own --replica name.

            Examples:
              bosun serve --config bosun.yaml
              BOSUN_DATABASE_URL=postgres://bosun:PASSWORD@db:5432/bosun bosun serve --replica a
            """)

    @OptionGroup var options: ConfigOptions
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"
    @Option(help: "At most this many syncs run at once (never two of one application).")
    var maxConcurrentSyncs = EngineOptions().maxConcurrentSyncs
    @Option(help: "At most this many applications are resolved, rendered and compared at once.")
    var maxConcurrentRefreshes = EngineOptions().maxConcurrentRefreshes
    @Option(help: "This replica's name, with a PostgreSQL store (default: the host name). A host or Podman target's `replica:` names it.")
    var replica: String?

    func validate() throws {
        guard maxConcurrentSyncs > 0, maxConcurrentRefreshes > 0 else {
            throw ValidationError("--max-concurrent-syncs and --max-concurrent-refreshes must be at least 1")
        }
    }

    func run() async throws {
        LogSetup.bootstrapOnce(level: Logger.Level(rawValue: logLevel) ?? .info)
        _ = try options.load()
        var engineOptions = EngineOptions()
        engineOptions.maxConcurrentSyncs = maxConcurrentSyncs
        engineOptions.maxConcurrentRefreshes = maxConcurrentRefreshes
        let daemon = Daemon(configFile: options.config, factory: TargetRegistry.factory(), engineOptions: engineOptions, replica: replica)
        let trimmer = Task.detached(priority: .background) { await HeapTrimmer.run() }
        defer { trimmer.cancel() }
        try await daemon.run { url in
            print("bosun serving on \(url) (config \(options.config))")
            Console.flush()
        }
    }
}

/// Every target type this build supports.
enum TargetRegistry {
    static func factory() -> TargetFactory {
        var factory = TargetFactory()
        factory.register("host") { spec, environment in try HostTarget.make(spec, environment) }
        factory.register("kubernetes") { spec, environment in try KubernetesTargetFactory.make(spec, environment) }
        factory.register("nomad") { spec, environment in try NomadTargetFactory.make(spec, environment) }
        factory.register("podman") { spec, environment in try PodmanTargetFactory.make(spec, environment) }
        return factory
    }
}

enum LogSetup {
    private static let once = LockedFlag()

    /// Logs to standard error at `level`, once per process.
    static func bootstrapOnce(level: Logger.Level) {
        guard once.set() else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

final class LockedFlag: @unchecked Sendable {
    private var value = false
    private let lock = NSLock()
    /// True the first time only.
    func set() -> Bool { lock.withLock { defer { value = true }; return !value } }
}
