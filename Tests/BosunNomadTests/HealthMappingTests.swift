import BosunCore
import BosunNomad
import Testing

/// Health from deployments (`/v1/deployment/:id`, `/v1/job/:id/deployments`) and allocations
/// (`/v1/job/:id/allocations`), as the dashboard and `bosun status` show it.
struct HealthMappingTests {
    @Test func aRunningDeploymentIsProgressingWithItsCounts() throws {
        let health = NomadHealth.fromDeployment(try Fixture.json("deployment-running.json"), jobID: "example")
        #expect(health.status == .progressing)
        #expect(health.message == "deployment running (job version 1): 1/3 allocations healthy")
    }

    @Test func aSuccessfulDeploymentIsHealthy() throws {
        let health = NomadHealth.fromDeployment(try Fixture.json("deployment-successful.json"), jobID: "example")
        #expect(health == .healthy("Deployment completed successfully (job version 2)"))
    }

    @Test func aFailedDeploymentIsDegradedWithNomadsDescriptionAndTheRevert() throws {
        let deployments = try #require(try Fixture.json("deployments-failed-auto-revert.json").arrayValue)
        let failed = try #require(deployments.first { $0["Status"] == "failed" })
        let health = NomadHealth.fromDeployment(failed, jobID: "example")
        #expect(health.status == .degraded)
        #expect(health.message.contains("Failed due to unhealthy allocations - rolling back to job version 2"))
        #expect(health.message.contains("Nomad rolled job example back to version 2"))
        #expect(NomadHealth.revertedVersion(failed["StatusDescription"]?.stringValue ?? "") == 2)
        // The revert's own deployment is fine; the failure is only visible on the failed one.
        #expect(NomadHealth.fromDeployment(deployments[0], jobID: "example").status == .healthy)
    }

    @Test func aCancelledDeploymentIsDegraded() throws {
        let health = NomadHealth.fromDeployment(try Fixture.json("deployment-cancelled.json"), jobID: "example")
        #expect(health == .degraded("deployment cancelled (job version 5): Cancelled because job is stopped"))
    }

    @Test func aBatchJobIsJudgedFromItsAllocations() throws {
        let allocations = try Fixture.json("allocations-batch-complete.json")
        #expect(NomadHealth.fromAllocations(allocations, jobType: "batch", jobVersion: 0) == .healthy("all 1 allocations complete"))
    }

    @Test func aSystemJobWithAFailedAllocationIsDegradedWithTheDriverError() throws {
        let allocations = try Fixture.json("allocations-failed.json")
        let health = NomadHealth.fromAllocations(allocations, jobType: "system", jobVersion: 2)
        #expect(health == .degraded("1/2 allocations failed: task agent: Failed to pull `agent:9`: not found"))
        // The stopped allocation of version 1 is not counted.
        let running = NomadHealth.fromAllocations(.array([try #require(allocations.arrayValue?[1])]), jobType: "system", jobVersion: 2)
        #expect(running == .healthy("1/1 allocations running"))
    }

    @Test func noAllocationsYetIsProgressing() {
        #expect(NomadHealth.fromAllocations(.array([]), jobType: "service", jobVersion: 0).status == .progressing)
    }
}
