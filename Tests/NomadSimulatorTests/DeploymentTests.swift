import BosunCore
import Testing

@testable import NomadSimulator

/// Simulated scheduling: deployments succeed, fail on a `fail` image, and auto-revert as Nomad does.
@Suite struct DeploymentTests {
    @Test func aServiceJobDeploysSuccessfullyAndBecomesStable() async throws {
        let h = try await Harness.start()
        #expect(try await h.register(try await h.parsedJob(simpleJob)).status == 200)
        let deployment = try await h.waitForDeployment("web") { $0["Status"] == "successful" }
        #expect(shapeDifferences(deployment, try Fixture.json("deployment.json"), maps: ["TaskGroups"]).isEmpty)
        #expect(deployment["StatusDescription"] == "Deployment completed successfully")
        #expect(deployment["JobVersion"] == 0)
        let group = deployment["TaskGroups"]?["app"]
        #expect(group?["DesiredTotal"] == 2)
        #expect(group?["PlacedAllocs"] == 2)
        #expect(group?["HealthyAllocs"] == 2)
        #expect(group?["UnhealthyAllocs"] == 0)
        #expect(group?["AutoRevert"] == true)

        let allocations = try await h.get("/v1/job/web/allocations").json.arrayValue ?? []
        #expect(allocations.count == 2)
        for allocation in allocations {
            #expect(shapeDifferences(allocation, try Fixture.json("allocation-stub.json"), maps: ["TaskStates"]).isEmpty)
            #expect(allocation["ClientStatus"] == "running")
            #expect(allocation["DeploymentStatus"]?["Healthy"] == true)
            #expect(allocation["TaskStates"]?["server"]?["State"] == "running")
        }
        let job = try await h.waitForJob("web") { $0["Stable"] == true }
        #expect(job["Status"] == "running")
        let list = try await h.get("/v1/job/web/deployments").json.arrayValue ?? []
        #expect(list.count == 1)
        await h.stop()
    }

    @Test func aFailImageFailsTheDeployment() async throws {
        let h = try await Harness.start()
        let job = try await h.parsedJob(
            jobspec("bad", image: "registry/fail:1"))
        #expect(try await h.register(job).status == 200)
        let deployment = try await h.waitForDeployment("bad") { $0["Status"] == "failed" }
        #expect(deployment["StatusDescription"] == "Failed due to unhealthy allocations")
        #expect(deployment["TaskGroups"]?["g"]?["UnhealthyAllocs"] == 1)
        let allocation = try await h.get("/v1/job/bad/allocations").json.arrayValue?.first
        #expect(allocation?["ClientStatus"] == "failed")
        #expect(allocation?["DeploymentStatus"]?["Healthy"] == false)
        #expect(allocation?["TaskStates"]?["t"]?["Failed"] == true)
        await h.stop()
    }

    @Test func autoRevertRollsBackToTheLastStableVersion() async throws {
        let h = try await Harness.start()
        #expect(try await h.register(try await h.parsedJob(simpleJob)).status == 200)
        _ = try await h.waitForJob("web") { $0["Stable"] == true }

        #expect(try await h.register(try await h.parsedJob(simpleJob, variables: "tag = \"fail\"")).status == 200)

        // Nomad registers version 0's spec again, as version 2, and deploys it.
        let reverted = try await h.waitForDeployment("web") { $0["JobVersion"] == 2 && $0["Status"] == "successful" }
        #expect(reverted["Status"] == "successful")
        let deployments = try await h.get("/v1/job/web/deployments").json.arrayValue ?? []
        #expect(deployments.map { $0["JobVersion"] } == [2, 1, 0])
        let failed = deployments[1]
        #expect(failed["Status"] == "failed")
        #expect(failed["StatusDescription"] == "Failed due to unhealthy allocations - rolling back to job version 0")
        let job = try await h.get("/v1/job/web").json
        #expect(job["Version"] == 2)
        #expect(job["TaskGroups"]?.arrayValue?.first?["Tasks"]?.arrayValue?.first?["Config"]?["image"] == "nginx:1.25")
        let versions = try await h.get("/v1/job/web/versions").json["Versions"]?.arrayValue ?? []
        #expect(versions.map { $0["Version"] } == [2, 1, 0])
        await h.stop()
    }

    @Test func withoutAStableVersionThereIsNothingToRevertTo() async throws {
        let h = try await Harness.start()
        #expect(try await h.register(try await h.parsedJob(simpleJob, variables: "tag = \"fail\"")).status == 200)
        let failed = try await h.waitForDeployment("web") { $0["Status"] == "failed" }
        #expect(failed["StatusDescription"] == "Failed due to unhealthy allocations - no stable job version to auto revert to")
        await h.stop()
    }

    @Test func aBatchJobHasNoDeploymentAndCompletes() async throws {
        let h = try await Harness.start()
        let job = try await h.parsedJob(
            jobspec("once", type: "batch", driver: "exec"))
        #expect(try await h.register(job).status == 200)
        let done = try await h.waitForJob("once") { $0["Status"] == "dead" }
        #expect(done["Type"] == "batch")
        let deployment = try await h.get("/v1/job/once/deployment")
        #expect(deployment.status == 200)
        #expect(deployment.text == "null")
        let allocation = try await h.get("/v1/job/once/allocations").json.arrayValue?.first
        #expect(allocation?["ClientStatus"] == "complete")
        #expect(allocation?["DeploymentStatus"] == .null)
        await h.stop()
    }

    @Test func aChangeBehindBosunsBackIsVisibleInVersions() async throws {
        let h = try await Harness.start()
        #expect(try await h.register(try await h.parsedJob(simpleJob)).status == 200)
        var job = try #require(await h.simulator.job("web"))
        job["Meta"] = ["bosun.app": "shop", "edited-by": "someone"]
        try await h.simulator.register(job)
        let current = try await h.get("/v1/job/web").json
        #expect(current["Version"] == 1)
        #expect(current["Meta"]?["edited-by"] == "someone")
        await h.stop()
    }
}
