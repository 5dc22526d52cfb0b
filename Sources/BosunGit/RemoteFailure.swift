/// Turns a failed network run of git (ls-remote, fetch) into a `GitError` whose code says what
/// to fix: the credentials, the URL or network, or something else. Secrets are scrubbed.
enum RemoteFailure {
    static let authenticationSigns = [
        "authentication failed", "could not read username", "could not read password", "terminal prompts disabled",
        "permission denied (publickey", "permission denied, please try again", "host key verification failed",
        "the requested url returned error: 401", "the requested url returned error: 403", "invalid username or password",
        "no such identity", "access denied", "http basic: access denied",
    ]
    static let unreachableSigns = [
        "could not resolve host", "couldn't resolve host", "connection refused", "failed to connect",
        "does not appear to be a git repository", "repository not found", "not found", "no such file or directory",
        "could not read from remote repository", "unable to access", "connection timed out", "network is unreachable",
        "no route to host", "name or service not known", "connection reset", "the remote end hung up",
        "returned error: 404", "unable to connect", "ssl", "certificate",
    ]

    static func error(for output: GitOutput, remote: RemoteURL, secrets: [String]) -> GitError {
        let reason = redactSecrets(in: output.reason, secrets: secrets)
        let lowered = output.stderr.lowercased()
        if authenticationSigns.contains(where: lowered.contains) {
            return GitError(
                .authentication,
                "\(remote.redacted) refused the credentials: \(reason). Check credentials (usernameEnv/passwordEnv or sshKeyFile/knownHostsFile) for this repository")
        }
        if unreachableSigns.contains(where: lowered.contains) {
            return GitError(.unreachable, "cannot reach \(remote.redacted): \(reason). Check the URL and that the remote is up")
        }
        return GitError(.failed, "git could not fetch \(remote.redacted): \(reason)")
    }
}
