import BosunCore
import BosunTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `/metrics`, `/healthz` and `/readyz` as Prometheus and a load balancer read them.
@Suite struct MetricsTests {
    @Test func metricsDescribeApplicationsSyncsFetchesRendersAndTargetRequests() async throws {
        let h = try await ServerHarness(apps: [("metered", "metrics-repo", "main")], repositories: ["metrics-repo"])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await eventually("metered synced") { try await h.engine.status("metered").sync.status == .synced }
        let text = try await h.withRouter { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            return response.text
        }
        let expected = [
            #"bosun_app_info{app="metered",target="memory",sync_status="Synced",health_status="Healthy"} 1"#,
            #"bosun_sync_total{app="metered",result="Succeeded",trigger="interval"} 1"#,
            #"bosun_sync_duration_seconds_count{app="metered"} 1"#,
            #"bosun_reconcile_duration_seconds_count{trigger="interval"}"#,
            #"bosun_git_fetch_total{repository="metrics-repo",result="success"}"#,
            #"bosun_git_fetch_duration_seconds_count{repository="metrics-repo"}"#,
            #"bosun_render_duration_seconds_count{renderer="plain"}"#,
            #"bosun_target_requests_total{target="memory",verb="apply",code="ok"}"#,
            #"bosun_target_requests_total{target="memory",verb="live",code="ok"}"#,
            "# TYPE bosun_sync_duration_seconds histogram",
            "# HELP bosun_app_info One series per application",
        ]
        for line in expected { #expect(text.contains(line), "missing \(line)") }

        // The series follows the status: drift (no self-heal here) makes it OutOfSync, and the old series goes.
        await h.target.edit(ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "metered")) {
            $0.body["data"] = ["k": "changed by hand"]
        }
        try await eventually("metered out of sync") { try await h.engine.status("metered").sync.status == .outOfSync }
        let drifted = try await h.withRouter { try await $0.execute(uri: "/metrics", method: .get).text }
        #expect(drifted.contains(#"bosun_app_info{app="metered",target="memory",sync_status="OutOfSync",health_status="Healthy"} 1"#))
        #expect(!drifted.contains(#"bosun_app_info{app="metered",target="memory",sync_status="Synced""#))
    }

    @Test func targetErrorsAreCountedByCode() async throws {
        let h = try await ServerHarness(apps: [("failing", "fail-repo", "main")], repositories: ["fail-repo"])
        defer { Task { await h.cleanup() } }
        await h.target.setFailure(ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "failing"),
                                  TargetError(.forbidden, "the service account may not create ConfigMaps"))
        try await h.engine.start()
        try await h.waitForSyncs(1, app: "failing")
        let text = try await h.withRouter { try await $0.execute(uri: "/metrics", method: .get).text }
        #expect(text.contains(#"bosun_target_requests_total{target="memory",verb="apply",code="forbidden"}"#))
        #expect(text.contains(#"bosun_sync_total{app="failing",result="Failed",trigger="interval"} 1"#))
    }

    @Test func readinessWaitsForTheEngine() async throws {
        let h = try await ServerHarness()
        defer { Task { await h.cleanup() } }
        try await h.withRouter { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let before = try await client.execute(uri: "/readyz", method: .get)
            #expect(before.status == .serviceUnavailable)
            try await h.engine.start()
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            await h.engine.stop()
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
        }
    }
}
