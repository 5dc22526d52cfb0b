import Testing

@testable import BosunGit

@Suite("Redaction")
struct RedactionTests {
    @Test("redactURL strips user:password, and a bare HTTP user (often a token), but keeps SSH users")
    func urls() {
        #expect(redactURL("https://bot:s3cret@git.example.com/acme/deploy.git") == "https://git.example.com/acme/deploy.git")
        #expect(redactURL("https://ghp_token123@github.com/acme/deploy.git") == "https://github.com/acme/deploy.git")
        #expect(redactURL("http://user:p%40ss@127.0.0.1:8080/x.git?a=b") == "http://127.0.0.1:8080/x.git?a=b")
        #expect(redactURL("ssh://git@github.com/acme/deploy.git") == "ssh://git@github.com/acme/deploy.git")
        #expect(redactURL("ssh://git:pw@github.com/acme/deploy.git") == "ssh://github.com/acme/deploy.git")
        #expect(redactURL("git@github.com:acme/deploy.git") == "git@github.com:acme/deploy.git")
        #expect(redactURL("/srv/git/deploy.git") == "/srv/git/deploy.git")
    }

    @Test("git's messages lose every URL's credentials and every known secret")
    func text() {
        let stderr = "fatal: unable to access 'https://bot:s3cret@git.example.com/x.git/': The requested URL returned error: 403 (token s3cret)"
        let cleaned = redactSecrets(in: stderr, secrets: ["s3cret"])
        #expect(!cleaned.contains("s3cret"))
        #expect(cleaned.contains("https://git.example.com/x.git/"))
    }

    @Test("URLs with credentials hand git a URL without the password, and keep it for askpass")
    func remoteURL() throws {
        let remote = try RemoteURL("https://bot:p%40ss@git.example.com/acme/deploy.git")
        #expect(remote.forGit == "https://git.example.com/acme/deploy.git")
        #expect(remote.embeddedUsername == "bot")
        #expect(remote.embeddedPassword == "p@ss")
        #expect(try RemoteURL("git@github.com:acme/deploy.git").kind == .scpLike)
        #expect(try RemoteURL("./repos/deploy", currentDirectory: "/srv").forGit == "/srv/repos/deploy")
        #expect(try RemoteURL("ssh://git:pw@host/x.git").forGit == "ssh://git@host/x.git")
        let empty = #expect(throws: GitError.self) { try RemoteURL("  ") }
        #expect(empty?.message.contains("empty") == true)
    }
}
