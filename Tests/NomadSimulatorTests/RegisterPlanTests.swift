import BosunCore
import Testing

@testable import NomadSimulator

/// Plan with `Diff: true` and register with check-and-set, as `nomad job plan` / `run -check-index` use them.
@Suite struct RegisterPlanTests {
    func image(_ job: JSONValue, _ image: String) -> JSONValue {
        var job = job
        guard var groups = job["TaskGroups"]?.arrayValue, var tasks = groups[0]["Tasks"]?.arrayValue else { return job }
        tasks[0]["Config"]?["image"] = .string(image)
        groups[0]["Tasks"] = .array(tasks)
        job["TaskGroups"] = .array(groups)
        return job
    }

    func count(_ job: JSONValue, _ count: Int) -> JSONValue {
        var job = job
        guard var groups = job["TaskGroups"]?.arrayValue else { return job }
        groups[0]["Count"] = .int(count)
        job["TaskGroups"] = .array(groups)
        return job
    }

    @Test func planOfANewJobIsAddedAndPlacesEveryAllocation() async throws {
        let h = try await Harness.start()
        let job = try await h.parsedJob(simpleJob)
        let plan = try await h.plan(job, id: "web")
        #expect(shapeDifferences(plan, try Fixture.json("plan-response.json"), maps: ["DesiredTGUpdates", "Updates"]).isEmpty)
        #expect(plan["JobModifyIndex"] == 0)
        #expect(plan["Annotations"]?["DesiredTGUpdates"]?["app"]?["Place"] == 2)
        let diff = try #require(plan["Diff"])
        #expect(diff["Type"] == "Added")
        #expect(diff["ID"] == "web")
        let fields = diff["Fields"]?.arrayValue ?? []
        #expect(fields.contains { $0["Name"] == "Meta[bosun.app]" && $0["New"] == "shop" && $0["Type"] == "Added" })
        let group = diff["TaskGroups"]?.arrayValue?.first
        #expect(group?["Type"] == "Added")
        #expect(group?["Updates"] == ["create": 2])
        #expect(group?["Fields"]?.arrayValue?.first { $0["Name"] == "Count" }?["Annotations"] == ["forces create"])
        #expect(group?["Tasks"]?.arrayValue?.first?["Annotations"] == ["forces create"])
        await h.stop()
    }

    @Test func planAfterRegisterShowsNoneEditedAndTheRightUpdates() async throws {
        let h = try await Harness.start()
        let job = try await h.parsedJob(simpleJob)
        let registered = try await h.register(job)
        #expect(registered.status == 200)
        let jobModifyIndex = try registered.json["JobModifyIndex"]

        let same = try await h.plan(job, id: "web")
        #expect(same["Diff"]?["Type"] == "None")
        #expect(same["JobModifyIndex"] == jobModifyIndex)
        #expect(same["Annotations"]?["DesiredTGUpdates"]?["app"]?["Ignore"] == 2)

        let newImage = try await h.plan(image(job, "nginx:1.27"), id: "web")
        #expect(newImage["Diff"]?["Type"] == "Edited")
        let group = newImage["Diff"]?["TaskGroups"]?.arrayValue?.first
        #expect(group?["Type"] == "Edited")
        let task = group?["Tasks"]?.arrayValue?.first
        #expect(task?["Annotations"] == ["forces create/destroy update"])
        let config = task?["Objects"]?.arrayValue?.first { $0["Name"] == "Config" }
        #expect(config?["Type"] == "Edited")
        #expect(config?["Fields"] == [["Type": "Edited", "Name": "image", "Old": "nginx:1.25", "New": "nginx:1.27", "Annotations": nil]])
        // max_parallel = 1: one allocation is replaced now, the other waits its turn.
        #expect(newImage["Annotations"]?["DesiredTGUpdates"]?["app"]?["DestructiveUpdate"] == 1)
        #expect(newImage["Annotations"]?["DesiredTGUpdates"]?["app"]?["Ignore"] == 1)

        let scaled = try await h.plan(count(job, 3), id: "web")
        let countField = scaled["Diff"]?["TaskGroups"]?.arrayValue?.first?["Fields"]?.arrayValue?.first { $0["Name"] == "Count" }
        #expect(countField?["Type"] == "Edited")
        #expect(countField?["Old"] == "2")
        #expect(countField?["New"] == "3")
        #expect(countField?["Annotations"] == ["forces create"])
        #expect(scaled["Annotations"]?["DesiredTGUpdates"]?["app"]?["Place"] == 1)
        // Existing allocations move to the new version in place, as Nomad's reconciler does.
        #expect(scaled["Annotations"]?["DesiredTGUpdates"]?["app"]?["InPlaceUpdate"] == 2)
        await h.stop()
    }

    @Test func removingAGroupIsDeletedAndStopsItsAllocations() async throws {
        let h = try await Harness.start()
        let two = try await h.parsedJob(
            jobspec("pair", groups: ["a", "b"]))
        #expect(try await h.register(two).status == 200)
        let one = try await h.parsedJob(jobspec("pair", groups: ["a"]))
        let plan = try await h.plan(one, id: "pair")
        let groups = plan["Diff"]?["TaskGroups"]?.arrayValue ?? []
        #expect(groups.map { $0["Name"] } == ["a", "b"])
        #expect(groups.map { $0["Type"] } == ["None", "Deleted"])
        #expect(groups[1]["Updates"] == ["destroy": 1])
        #expect(plan["Annotations"]?["DesiredTGUpdates"]?["b"]?["Stop"] == 1)
        await h.stop()
    }

    @Test func registeringTheJobAsReadBackChangesNothing() async throws {
        let h = try await Harness.start()
        #expect(try await h.register(try await h.parsedJob(simpleJob)).status == 200)
        let stored = try await h.get("/v1/job/web").json
        let again = try await h.register(stored)
        #expect(again.status == 200)
        #expect(try await h.get("/v1/job/web").json["Version"] == 0)
        #expect(try await h.plan(stored, id: "web")["Diff"]?["Type"] == "None")
        await h.stop()
    }

    @Test func registerAnswersAsDocumented() async throws {
        let h = try await Harness.start()
        let answer = try await h.register(try await h.parsedJob(simpleJob))
        #expect(answer.status == 200)
        #expect(shapeDifferences(try answer.json, try Fixture.json("register-response.json")).isEmpty)
        #expect(answer.index == (try answer.json["Index"]?.intValue))
        #expect((try answer.json["EvalID"]?.stringValue?.count) == 36)
        await h.stop()
    }

    @Test func checkAndSetRejectsAStaleIndexWithNomadsMessage() async throws {
        let h = try await Harness.start()
        let job = try await h.parsedJob(simpleJob)
        let created = try await h.register(job, enforceIndex: true, jobModifyIndex: 0)
        #expect(created.status == 200)
        let index = try #require(try created.json["JobModifyIndex"]?.intValue)

        let again = try await h.register(image(job, "nginx:2"), enforceIndex: true, jobModifyIndex: 0)
        #expect(again.status == 500)
        #expect(again.text == "Enforcing job modify index 0: job already exists")

        let stale = try await h.register(image(job, "nginx:2"), enforceIndex: true, jobModifyIndex: index - 1)
        #expect(stale.status == 500)
        #expect(stale.text == "Enforcing job modify index \(index - 1): job exists with conflicting job modify index: \(index)")

        let fresh = try await h.register(image(job, "nginx:2"), enforceIndex: true, jobModifyIndex: index)
        #expect(fresh.status == 200)

        let missing = try await h.register(try await h.parsedJob(jobspec("nope")), enforceIndex: true, jobModifyIndex: 5)
        #expect(missing.text == "Enforcing job modify index 5: job does not exist")
        await h.stop()
    }

    @Test func invalidJobsAreRejectedAsNomadValidatesThem() async throws {
        let h = try await Harness.start()
        let noGroups = try await h.register(["ID": "empty", "Name": "empty"])
        #expect(noGroups.status == 500)
        #expect(noGroups.text == "1 error occurred:\n\t* Missing job task groups\n\n")
        let noID = try await h.register(["Name": "x"])
        #expect(noID.status == 400)
        #expect(noID.text == "Job ID hasn't been provided")
        let noJob = try await h.send("POST", "/v1/jobs", body: [:])
        #expect(noJob.text == "Job must be specified")
        await h.stop()
    }

    @Test func aJobWrittenAsNomadsDocumentedPayloadIsStoredInServerForm() async throws {
        let h = try await Harness.start()
        let payload: JSONValue = [
            "Datacenters": ["dc1"], "ID": "cache",
            "TaskGroups": [[
                "Name": "cache", "Networks": [["DynamicPorts": [["Label": "db", "To": 6379]]]],
                "Services": [["Name": "redis-cache", "PortLabel": "db"]],
                "Tasks": [["Config": ["image": "redis:7", "ports": ["db"]], "Driver": "docker", "Name": "redis"]],
            ]],
        ]
        #expect(try await h.register(payload).status == 200)
        let answer = try await h.get("/v1/job/cache")
        let job = try answer.json
        #expect(answer.header("X-Nomad-KnownLeader") == "true")
        #expect(answer.header("X-Nomad-LastContact") == "0")
        #expect(answer.index == job["ModifyIndex"]?.intValue)
        #expect(job["NodePool"] == "default")
        #expect(job["Update"]?["MaxParallel"] == 1)
        #expect(job["Update"]?["HealthyDeadline"] == 0)
        let group = job["TaskGroups"]?.arrayValue?.first
        #expect(group?["Update"]?["HealthyDeadline"] == .int(300_000_000_000))
        #expect(group?["Networks"]?.arrayValue?.first?["DynamicPorts"]?.arrayValue?.first?["HostNetwork"] == "default")
        let task = group?["Tasks"]?.arrayValue?.first
        #expect(task?["Identity"]?["Name"] == "default")
        #expect(task?["Resources"]?["CPU"] == 100)
        #expect(group?["Services"]?.arrayValue?.first?["Provider"] == "consul")
        await h.stop()
    }
}
