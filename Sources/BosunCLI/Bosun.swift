import ArgumentParser
import BosunCore

/// The `bosun` command: parses, calls a module, prints. One file per subcommand.
public struct Bosun: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bosun",
        abstract: "Bosun keeps environments equal to what Git declares.",
        discussion: """
            Start with `bosun quickstart`. Commands that need state (apps, status, sync, history, \
            rollback, terminate, pin, unpin, refresh) talk to a running `bosun serve` (--server or BOSUN_SERVER, \
            --token or BOSUN_TOKEN); render, diff, validate and token work on their own.
            """,
        version: BosunVersion.current,
        subcommands: [
            QuickstartCommand.self, ServeCommand.self, AppsCommand.self, StatusCommand.self, SyncCommand.self,
            DiffCommand.self, HistoryCommand.self, RollbackCommand.self, UnpinCommand.self, PinCommand.self,
            RefreshCommand.self, TerminateCommand.self, ReplicasCommand.self, RenderCommand.self, ValidateCommand.self, HealthCommand.self, TokenCommand.self, EventsCommand.self,
            AppSetsCommand.self, ImportCommand.self, SecretCommand.self,
        ]
    )

    public init() {}
}

public enum BosunVersion {
    public static let current = "0.1.0"
}
