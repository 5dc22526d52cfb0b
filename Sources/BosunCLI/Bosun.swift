import ArgumentParser
import BosunCore

/// The `bosun` command: parses, calls a module, prints. One file per subcommand.
public struct Bosun: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bosun",
        abstract: "Bosun keeps environments equal to what Git declares.",
        discussion: """
            Start with `bosun quickstart`. Commands that need state (apps, status, sync, history, \
            rollback, unpin) talk to a running `bosun serve`; render, diff and validate work on their own.
            """,
        version: BosunVersion.current,
        subcommands: [
            QuickstartCommand.self, ServeCommand.self, AppsCommand.self, StatusCommand.self, SyncCommand.self,
            DiffCommand.self, HistoryCommand.self, RollbackCommand.self, UnpinCommand.self, PinCommand.self,
            RefreshCommand.self, RenderCommand.self, ValidateCommand.self, HealthCommand.self,
        ]
    )

    public init() {}
}

public enum BosunVersion {
    public static let current = "0.1.0"
}
