import BosunCore
import Foundation

/// How git is run for one remote: the environment (credentials only through the askpass helper
/// and `GIT_SSH_COMMAND`) and the `-c` options that make behaviour independent of the user's
/// git configuration.
struct GitAccess: Sendable {
    /// Variables that would redirect git to another repository, index or credential source.
    static let removedVariables: Set<String> = [
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE", "GIT_COMMON_DIR", "GIT_PREFIX", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM",
        "GIT_ASKPASS", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "GIT_TERMINAL_PROMPT", "GIT_CURL_VERBOSE",
        "GIT_TRACE_REDACT", "GIT_CONFIG", "GIT_CONFIG_SYSTEM", "GIT_EXTERNAL_DIFF", "GIT_EDITOR", "GIT_PAGER",
        "GIT_SSH", "GIT_SSH_VARIANT", "GIT_QUARANTINE_PATH", "GIT_REPLACE_REF_BASE", "GIT_NO_REPLACE_OBJECTS",
        "GIT_SHALLOW_FILE", "GIT_GRAFT_FILE",
    ]

    /// `-c` options for every run: no credential helper (the askpass helper is the only source),
    /// no hooks, no background work, English messages.
    static let configOptions: [String] = [
        "-c", "credential.helper=", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
        "-c", "gc.autoDetach=false", "-c", "maintenance.auto=false", "-c", "core.askPass=",
        "-c", "protocol.version=2", "-c", "init.defaultBranch=main", "-c", "fetch.recurseSubmodules=false",
        "-c", "submodule.recurse=false", "-c", "core.symlinks=true", "-c", "i18n.logOutputEncoding=UTF-8",
        "-c", "log.showSignature=false", "-c", "core.pager=cat", "-c", "advice.detachedHead=false",
        "-c", "transfer.fsckObjects=false", "-c", "core.logAllRefUpdates=false",
    ]

    /// The child's environment.
    var environment: [String: String]
    /// Secret values, so they can be scrubbed from any text git prints.
    var secrets: [String]

    /// The environment for runs that never touch the network.
    static func local(base: [String: String]) -> GitAccess {
        GitAccess(environment: sanitized(base), secrets: [])
    }

    /// The environment for runs that talk to `remote`, with its credentials.
    init(repository: RepositorySpec, remote: RemoteURL, base: [String: String], askpassScript: String) throws(GitError) {
        var environment = Self.sanitized(base)
        var username = remote.embeddedUsername
        var password = remote.embeddedPassword
        let credentials = repository.credentials
        if let name = credentials?.usernameEnv {
            environment[name] = nil
            guard let value = base[name] else {
                throw GitError(.authentication, "environment variable \(name) (credentials.usernameEnv of repository \"\(repository.name)\") is not set; export it before starting Bosun")
            }
            username = value
        }
        if let name = credentials?.passwordEnv {
            environment[name] = nil
            guard let value = base[name] else {
                throw GitError(.authentication, "environment variable \(name) (credentials.passwordEnv of repository \"\(repository.name)\") is not set; export it before starting Bosun")
            }
            password = value
        }
        // Values reach git only here: in the child's environment, read by the askpass helper.
        environment["GIT_ASKPASS"] = askpassScript
        environment["BOSUN_GIT_USERNAME"] = username ?? ""
        environment["BOSUN_GIT_PASSWORD"] = password ?? ""

        if credentials?.sshKeyFile != nil || credentials?.knownHostsFile != nil {
            environment["GIT_SSH_COMMAND"] = try Self.sshCommand(credentials: credentials, repository: repository.name)
            environment["GIT_SSH_VARIANT"] = "ssh"
        }
        self.environment = environment
        self.secrets = [password, remote.embeddedPassword].compactMap { $0 }.filter { !$0.isEmpty }
    }

    private init(environment: [String: String], secrets: [String]) {
        self.environment = environment
        self.secrets = secrets
    }

    static func sanitized(_ base: [String: String]) -> [String: String] {
        var environment = base.filter { !removedVariables.contains($0.key) }
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_OPTIONAL_LOCKS"] = "0"
        environment["LC_ALL"] = "C"
        environment["LANGUAGE"] = "C"
        if environment["PATH"] == nil { environment["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        return environment
    }

    /// `ssh` with the configured key and known hosts only, never asking anyone anything.
    static func sshCommand(credentials: GitCredentials?, repository: String) throws(GitError) -> String {
        var parts = ["ssh"]
        if let key = credentials?.sshKeyFile {
            let path = (key as NSString).expandingTildeInPath
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw GitError(.authentication, "SSH key file \(path) (credentials.sshKeyFile of repository \"\(repository)\") does not exist or cannot be read")
            }
            parts += ["-i", shellQuoted(path), "-o", "IdentitiesOnly=yes"]
        }
        if let knownHosts = credentials?.knownHostsFile {
            let path = (knownHosts as NSString).expandingTildeInPath
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw GitError(.authentication, "known_hosts file \(path) (credentials.knownHostsFile of repository \"\(repository)\") does not exist or cannot be read")
            }
            parts += ["-o", shellQuoted("UserKnownHostsFile=\(path)")]
        }
        parts += ["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"]
        return parts.joined(separator: " ")
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The askpass helper: prints the username or password git asks for, from variables that
    /// exist only in git's environment. `printf` is a shell builtin, so the value never appears
    /// in a process's arguments.
    static let askpassScript = """
        #!/bin/sh
        # Written by Bosun. Answers git's credential prompts from BOSUN_GIT_USERNAME and
        # BOSUN_GIT_PASSWORD, which Bosun sets only in git's own environment.
        case "$1" in
        [Uu]sername*) printf '%s\\n' "$BOSUN_GIT_USERNAME" ;;
        *) printf '%s\\n' "$BOSUN_GIT_PASSWORD" ;;
        esac

        """

    /// Writes the askpass helper under `root` (0700) unless it is already there as written.
    static func installAskpass(in root: URL) throws(GitError) -> String {
        let file = root.appendingPathComponent("askpass.sh")
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: root, withIntermediateDirectories: true)
            let current = try? String(contentsOf: file, encoding: .utf8)
            if current != askpassScript {
                try Data(askpassScript.utf8).write(to: file, options: .atomic)
            }
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: file.path)
        } catch {
            throw GitError(.failed, "cannot write the askpass helper \(file.path): \(error.localizedDescription); check that \(root.path) is writable")
        }
        return file.path
    }
}
