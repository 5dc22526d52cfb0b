import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// The API held to its own OpenAPI document by schemathesis (PyPI `schemathesis`, which
    /// `.ci/run` installs): every operation fuzzed with valid and invalid input, all checks on.
    @Suite(.serialized) struct APIContractTests {
        static let schemathesis: String? = ["/usr/local/bin/st", "/usr/bin/st"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? (try? Shell.runBlocking(["sh", "-c", "command -v st"]))?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty

        @Test(.enabled(if: schemathesis != nil, "schemathesis is not installed (`pip install schemathesis`; .ci/run installs it)"))
        func theServerAnswersAsItsDocumentSays() async throws {
            let st = try #require(Self.schemathesis)
            let setup = try HostLoopTests.Setup(adminToken: "contract-admin-token")
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await setup.waitSynced(url, at: try setup.repo.head())
            let common = [st, "run", "\(url)/api/v1/openapi.yaml", "-H", "Authorization: Bearer contract-admin-token",
                          "--max-examples", "10", "--workers", "1", "--seed", "20261202", "--no-color"]
            // The machine contract (API, probes, webhooks), every check.
            let api = try await Shell.execute(common + ["--checks", "all", "--exclude-tag", "dashboard"], environment: ["NO_COLOR": "1"])
            #expect(api.status == 0, "\(api.stdout.suffix(6000))\(api.stderr.suffix(2000))")
            // The dashboard's pages: every check but ignored_auth, which cannot hold here: the run's
            // own (valid) bearer header rides along with the invalid cookies it generates.
            let pages = try await Shell.execute(common + ["--checks", "all", "--exclude-checks", "ignored_auth", "--include-tag", "dashboard"],
                                                environment: ["NO_COLOR": "1"])
            #expect(pages.status == 0, "\(pages.stdout.suffix(6000))\(pages.stderr.suffix(2000))")
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
