import BosunCore
import Testing

@testable import NomadSimulator

/// Injected faults, over HTTP and programmatically.
@Suite struct FaultTests {
    @Test func failNextOverHTTPThenRecover() async throws {
        let h = try await Harness.start()
        let set = try await h.send("POST", "/_simulator/faults", body: ["FailNext": 2, "FailPathPrefix": "/v1/jobs"])
        #expect(set.status == 200)
        let first = try await h.get("/v1/jobs")
        #expect(first.status == 500)
        #expect(first.text == "No cluster leader")
        // Other paths are untouched.
        #expect(try await h.get("/v1/job/none").status == 404)
        #expect(try await h.get("/v1/jobs").status == 500)
        #expect(try await h.get("/v1/jobs").status == 200)
        await h.stop()
    }

    @Test func faultsSetInProcessAreVisibleOverHTTP() async throws {
        let h = try await Harness.start()
        await h.simulator.setFaults(NomadFaults(failNext: 1, failStatus: 503, failMessage: "overloaded", failMethod: "POST", latency: .milliseconds(20)))
        let faults = try await h.get("/_simulator/faults").json
        #expect(faults["FailStatus"] == 503)
        #expect(faults["LatencyMs"] == 20)
        #expect(try await h.get("/v1/jobs").status == 200)
        let post = try await h.send("POST", "/v1/jobs", body: [:])
        #expect(post.status == 503)
        #expect(post.text == "overloaded")
        #expect(try await h.send("DELETE", "/_simulator/faults").status == 200)
        #expect(try await h.get("/_simulator/faults").json["LatencyMs"] == 0)
        await h.stop()
    }
}
