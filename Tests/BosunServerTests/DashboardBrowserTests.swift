import BosunCore
import BosunServer
import BosunTesting
import Foundation
import Testing

/// The dashboard in a real headless Chromium (Debian's `chromium`, installed by `.ci/run`),
/// driven over the DevTools protocol by `Browser/dashboard_check.py`: sign in, look, press
/// Sync, see the new sync appear. Screenshots go to `.build/artifacts/`.
@Suite struct DashboardBrowserTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The package root, from this file's place in it.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(.enabled(if: chromium != nil, "chromium is not installed (apt-get install chromium); the browser test is skipped"))
    func signInPressSyncAndSeeTheNewSyncAppear() async throws {
        let chromium = try #require(Self.chromium)
        let h = try await ServerHarness(apps: [("storefront", "repo", "main"), ("search", "repo", "main")], tokens: ServerHarness.tokenSpecs,
                                  auto: false, keepAlive: .seconds(2))
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        _ = try await h.engine.sync("storefront", .init())
        try await h.waitForSyncs(1, app: "storefront")
        // A new commit waits (no auto-sync) for someone to press Sync.
        let waiting = try h.repo().commit(files: ["storefront/cm.yaml": ServerHarness.configMap("storefront", data: "v2")], message: "Raise prices")
        try await h.engine.refresh("storefront")
        try await eventually("the new commit is compared") {
            let status = try await h.engine.status("storefront")
            return status.commit?.sha == waiting && status.sync.status == .outOfSync
        }

        let artifacts = Self.packageRoot.appendingPathComponent(".build/artifacts").path
        let script = Self.packageRoot.appendingPathComponent("Tests/BosunServerTests/Browser/dashboard_check.py").path
        let token = try #require(ServerHarness.tokens[.operator_])
        let seen = try await h.withLiveServer { base in
            try await Task.detached {
                try await Shell.run(["python3", script, chromium, base, token, "storefront", artifacts])
            }.value
        }
        let result = try JSONParser.parse(seen)
        #expect(result["error"] == nil, "the browser stopped: \(result["error"]?.stringValue ?? "")")

        #expect(result["redirectedTo"]?.stringValue == "/login?next=/")
        #expect(result["signedInAs"]?.stringValue == "otto · operator")
        let apps = result["apps"]?.arrayValue?.compactMap { $0.arrayValue?.compactMap(\.stringValue) } ?? []
        #expect(apps.map { $0.first ?? "" } == ["search", "storefront"])
        #expect(apps.last == ["storefront", "OutOfSync", "Healthy", String(waiting.prefix(7))])
        #expect(result["resources"]?.arrayValue?.compactMap(\.stringValue) == ["/ConfigMap/demo/storefront"])

        let history = try await h.history("storefront")
        try #require(history.count == 2, "pressing Sync in the browser made no sync")
        let newSync = history[0]
        #expect(newSync.revision == waiting && newSync.trigger == .manual && newSync.result == .succeeded)
        #expect(result["historyBefore"]?.arrayValue?.compactMap(\.intValue) == [Int(history[1].id)])
        #expect(result["toast"]?.stringValue == "Sync #\(newSync.id) of storefront started")
        let after = result["historyAfter"]?.arrayValue?.first?.arrayValue
        #expect(after?.first?.intValue == Int(newSync.id) && after?.last?.stringValue == "Succeeded")
        #expect(result["samePage"]?.boolValue == true, "the history must update live, without a reload")
        #expect(result["detailRows"]?.arrayValue?.compactMap(\.stringValue) == ["/ConfigMap/demo/storefront"])

        let screenshot = try #require(result["screenshot"]?.stringValue)
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
        print("dashboard screenshots: \(artifacts)/dashboard-applications.png, \(screenshot)")
    }
}
