import BosunCore
import Foundation

/// The fetch itself: list the remote's refs, fetch only when they moved, follow the remote HEAD.
extension GitMirrors {
    /// A file touched after every good fetch: its date is "last fetched", across restarts.
    static let fetchedMarker = "bosun-fetched"

    func synchronize(_ repository: RepositorySpec) async throws -> FetchOutcome {
        let start = ContinuousClock.now
        let mirror = mirrorPath(for: repository)
        let existed = Self.mirrorExists(mirror)
        statistics.fetches += 1
        do {
            let remote = try RemoteURL(repository.url)
            let askpass = try GitAccess.installAskpass(in: root)
            let access = try GitAccess(repository: repository, remote: remote, base: environment, askpassScript: askpass)
            if existed {
                defer { invalidate(mirror) }
                try await update(mirror: mirror, remote: remote, access: access, repository: repository)
            } else {
                try await clone(into: mirror, remote: remote, access: access, repository: repository)
                invalidate(mirror)
            }
            _ = FileManager.default.createFile(atPath: mirror.appendingPathComponent(Self.fetchedMarker).path, contents: Data())
            logger.debug("fetched \(remote.redacted)", metadata: ["mirror": "\(mirror.lastPathComponent)"])
            return FetchOutcome(fetched: true, duration: start.duration(to: .now))
        } catch let error as GitError {
            statistics.failedFetches += 1
            guard existed else { throw error }
            let warning = "\(error.message); using the last good mirror (\(lastFetchDescription(mirror)))"
            logger.warning("\(warning)")
            return FetchOutcome(fetched: false, warning: warning, duration: start.duration(to: .now))
        }
    }

    nonisolated func lastFetchDescription(_ mirror: URL) -> String {
        let marker = mirror.appendingPathComponent(Self.fetchedMarker).path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: marker),
            let date = attributes[.modificationDate] as? Date
        else { return "fetched earlier" }
        return "fetched at \(date.formatted(.iso8601))"
    }

    /// First fetch: a bare repository filled in a temporary folder, then moved into place, so a
    /// failed clone never leaves a half-made mirror behind.
    func clone(into mirror: URL, remote: RemoteURL, access: GitAccess, repository: RepositorySpec) async throws {
        let incoming = root.appendingPathComponent(".incoming", isDirectory: true)
            .appendingPathComponent("\(mirror.lastPathComponent)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: incoming, withIntermediateDirectories: true)
        } catch {
            throw GitError(.failed, "cannot create \(incoming.path): \(error.localizedDescription); check that \(root.path) is writable")
        }
        defer { try? manager.removeItem(at: incoming) }
        let initialized = try await git(["init", "--bare", "--quiet", incoming.path], in: incoming)
        guard initialized.succeeded else {
            throw GitError(.failed, "cannot create a mirror in \(incoming.path): \(initialized.reason)")
        }
        try await update(mirror: incoming, remote: remote, access: access, repository: repository)
        do {
            try manager.moveItem(at: incoming, to: mirror)
        } catch {
            // Another Bosun process may have made the mirror first; theirs is as good as ours.
            if !Self.mirrorExists(mirror) {
                throw GitError(.failed, "cannot move the new mirror into \(mirror.path): \(error.localizedDescription)")
            }
        }
    }

    /// Lists the remote's branches and tags; fetches only when they differ from the mirror's,
    /// then points the mirror's HEAD where the remote's HEAD points.
    func update(mirror: URL, remote: RemoteURL, access: GitAccess, repository: RepositorySpec) async throws(GitError) {
        let listing = try await remoteGit(["ls-remote", "--symref", "--end-of-options", remote.forGit],
                                          mirror: mirror, remote: remote, access: access, repository: repository)
        let advertised = RemoteListing(parsing: listing.text)
        let local = try await localRefs(mirror)
        if advertised.refs != local {
            statistics.gitFetchProcesses += 1
            _ = try await remoteGit(
                ["fetch", "--quiet", "--prune", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules",
                 "--end-of-options", remote.forGit, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
                mirror: mirror, remote: remote, access: access, repository: repository)
        }
        try await followHead(advertised, mirror: mirror)
    }

    /// Runs a git command that talks to the remote: its credentials, the shorter of the two
    /// timeouts, and failures turned into errors that say what to fix.
    func remoteGit(
        _ arguments: [String], mirror: URL, remote: RemoteURL, access: GitAccess, repository: RepositorySpec
    ) async throws(GitError) -> GitOutput {
        let verb = arguments[0]
        let limit = min(timeout, repository.fetchTimeout)
        let output: GitOutput
        do {
            output = try await GitProcess.run(GitInvocation(
                arguments: GitAccess.configOptions + ["--git-dir=\(mirror.path)"] + arguments,
                environment: access.environment, timeout: limit, outputLimit: 256 << 20,
                summary: "git \(verb) \(remote.redacted)"))
        } catch {
            throw GitError(error.code, redactSecrets(in: error.message, secrets: access.secrets))
        }
        guard output.succeeded else { throw RemoteFailure.error(for: output, remote: remote, secrets: access.secrets) }
        return output
    }

    /// The mirror's branches and tags: full ref name → object id (tags unpeeled, as ls-remote lists them).
    func localRefs(_ mirror: URL) async throws(GitError) -> [String: String] {
        let output = try await git(["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags"], in: mirror)
        guard output.succeeded else { throw GitError(.failed, "cannot list the refs of \(mirror.path): \(output.reason)") }
        var refs: [String: String] = [:]
        for line in output.text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { refs[String(parts[1])] = String(parts[0]) }
        }
        return refs
    }

    /// Points the mirror's HEAD at the branch the remote's HEAD names (or its commit, when the
    /// remote's HEAD is detached or the transport does not say which branch).
    func followHead(_ listing: RemoteListing, mirror: URL) async throws(GitError) {
        let headFile = mirror.appendingPathComponent("HEAD")
        let current = (try? String(contentsOf: headFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let branch = listing.headSymref, branch.hasPrefix("refs/heads/") {
            guard current != "ref: \(branch)" else { return }
            let output = try await git(["symbolic-ref", "HEAD", branch], in: mirror)
            if !output.succeeded { logger.warning("cannot point HEAD of \(mirror.lastPathComponent) at \(branch): \(output.reason)") }
        } else if let sha = listing.headSHA, current != sha {
            let output = try await git(["update-ref", "--no-deref", "HEAD", sha], in: mirror)
            // A detached remote HEAD at a commit no branch or tag holds is not fetched: leave HEAD be.
            if !output.succeeded { logger.debug("HEAD of \(mirror.lastPathComponent) not moved: \(output.reason)") }
        }
    }
}

/// `git ls-remote --symref` output: branches, tags, and where HEAD points.
struct RemoteListing: Sendable {
    /// refs/heads/* and refs/tags/* → object id (peeled `^{}` lines left out).
    var refs: [String: String] = [:]
    var headSymref: String?
    var headSHA: String?

    init(parsing text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let (value, name) = (parts[0], parts[1])
            if value.hasPrefix("ref: ") {
                if name == "HEAD" { headSymref = String(value.dropFirst(5)) }
                continue
            }
            if name == "HEAD" {
                headSHA = value
            } else if (name.hasPrefix("refs/heads/") || name.hasPrefix("refs/tags/")) && !name.hasSuffix("^{}") {
                refs[name] = value
            }
        }
    }
}
