import BosunCore
import Testing

@testable import NomadSimulator

/// Versions bump only on spec changes, newest first; revert registers an old spec as a new version.
@Suite struct VersionsRevertTests {
    @Test func versionsAreNewestFirstAndOnlySpecChangesBumpThem() async throws {
        let h = try await Harness.start()
        let v0 = try await h.parsedJob(simpleJob)
        let first = try await h.register(v0)
        let unchanged = try await h.register(v0)
        #expect(unchanged.status == 200)
        // Nomad answers an unchanged spec with the job's ModifyIndex and no new version.
        #expect(try unchanged.json["EvalID"] != first.json["EvalID"])
        let v1 = try await h.parsedJob(simpleJob, variables: "tag = \"1.26\"")
        #expect(try await h.register(v1).status == 200)

        let answer = try await h.get("/v1/job/web/versions")
        let body = try answer.json
        #expect(shapeDifferences(body, try Fixture.json("job-versions.json")).isEmpty)
        let versions = body["Versions"]?.arrayValue ?? []
        #expect(versions.map { $0["Version"] } == [1, 0])
        #expect(body["Diffs"] == .null)
        #expect(try await h.get("/v1/job/web").json["Version"] == 1)

        let withDiffs = try await h.get("/v1/job/web/versions?diffs=true").json
        let diff = withDiffs["Diffs"]?.arrayValue?.first
        #expect(diff?["Type"] == "Edited")
        let config = diff?["TaskGroups"]?.arrayValue?.first?["Tasks"]?.arrayValue?.first?["Objects"]?.arrayValue?.first { $0["Name"] == "Config" }
        #expect(config?["Fields"]?.arrayValue?.first?["New"] == "nginx:1.26")

        #expect(try await h.get("/v1/job/missing/versions").status == 404)
        await h.stop()
    }

    @Test func revertRegistersTheOldSpecAsANewVersion() async throws {
        let h = try await Harness.start()
        #expect(try await h.register(try await h.parsedJob(simpleJob)).status == 200)
        #expect(try await h.register(try await h.parsedJob(simpleJob, variables: "tag = \"2\"")).status == 200)

        let wrongPrior = try await h.send("POST", "/v1/job/web/revert", body: ["JobID": "web", "JobVersion": 0, "EnforcePriorVersion": 0])
        #expect(wrongPrior.status == 500)
        #expect(wrongPrior.text == "Current job has version 1; enforcing version 0")

        let current = try await h.send("POST", "/v1/job/web/revert", body: ["JobID": "web", "JobVersion": 1])
        #expect(current.text == "can't revert to current version")

        let reverted = try await h.send("POST", "/v1/job/web/revert", body: ["JobID": "web", "JobVersion": 0, "EnforcePriorVersion": 1])
        #expect(reverted.status == 200)
        #expect(try reverted.json["JobModifyIndex"]?.intValue != nil)
        let job = try await h.get("/v1/job/web").json
        #expect(job["Version"] == 2)
        #expect(job["TaskGroups"]?.arrayValue?.first?["Tasks"]?.arrayValue?.first?["Config"]?["image"] == "nginx:1.25")

        let mismatch = try await h.send("POST", "/v1/job/web/revert", body: ["JobID": "other", "JobVersion": 0])
        #expect(mismatch.status == 400)
        #expect(mismatch.text == "Job ID does not match")
        await h.stop()
    }

    @Test func stopThenPurge() async throws {
        let h = try await Harness.start()
        #expect(try await h.register(try await h.parsedJob(simpleJob)).status == 200)
        let stopped = try await h.send("DELETE", "/v1/job/web")
        #expect(stopped.status == 200)
        let job = try await h.waitForJob("web") { $0["Status"] == "dead" }
        #expect(job["Stop"] == true)
        #expect(job["Version"] == 1)
        let allocations = try await h.get("/v1/job/web/allocations").json.arrayValue ?? []
        #expect(!allocations.isEmpty)
        #expect(allocations.allSatisfy { $0["DesiredStatus"] == "stop" })

        #expect(try await h.send("DELETE", "/v1/job/web?purge=true").status == 200)
        let gone = try await h.get("/v1/job/web")
        #expect(gone.status == 404)
        #expect(gone.text == "job not found")
        await h.stop()
    }
}
