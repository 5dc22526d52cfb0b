import BosunCore
import BosunGit
import Foundation

/// The resolved commit (or tag) is not signed by a key the repository's `verify` trusts.
struct VerificationFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension Engine {
    /// Refuses a commit the repository's `verify` policy does not trust, before anything renders
    /// or applies it. Git checks the signature against a keyring and allowed-signers file Bosun
    /// builds from the config, never the user's own (`GitMirrors.verify`). Every resolve goes
    /// through here (automatic syncs, manual syncs, rollbacks, diffs), so an unsigned commit
    /// never reaches a target; what runs keeps running.
    func verifySignature(_ revision: RevisionSpec, commit: Commit, in repository: RepositorySpec) async throws {
        guard var spec = repository.verify else { return }
        // Key files are relative to the config file, as every other path in it, not to where Bosun runs.
        spec.gpgKeys = spec.gpgKeys.map(config.resolvePath)
        spec.sshAllowedSigners = spec.sshAllowedSigners.map(config.resolvePath)
        var resolved = repository
        resolved.verify = spec
        do {
            try await git.verify(revision, commit: commit.sha, in: resolved)
        } catch let error as GitError where error.code == .verification {
            throw VerificationFailure(message: error.message)
        }
    }
}
