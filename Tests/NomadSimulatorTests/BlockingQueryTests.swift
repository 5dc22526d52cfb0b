import BosunCore
import Testing

@testable import NomadSimulator

/// `?index=N&wait=D` holds a read until the index passes N or the wait elapses.
@Suite struct BlockingQueryTests {
    @Test func aBlockedReadReturnsWhenTheJobChanges() async throws {
        let h = try await Harness.start { $0.deployDelay = .seconds(30) }
        #expect(try await h.register(try await h.parsedJob(simpleJob)).status == 200)
        let first = try await h.get("/v1/job/web")
        let index = try #require(first.index)

        async let blocked = h.get("/v1/job/web?index=\(index)&wait=30s")
        // Register a change while the read is held.
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await h.register(try await h.parsedJob(simpleJob, variables: "tag = \"2\"")).status == 200)
        let answer = try await blocked
        #expect(answer.status == 200)
        #expect((answer.index ?? 0) > index)
        #expect(try answer.json["Version"] == 1)
        await h.stop()
    }

    @Test func aBlockedListReturnsWhenAJobIsAdded() async throws {
        let h = try await Harness.start { $0.deployDelay = .seconds(30) }
        let empty = try await h.get("/v1/jobs")
        #expect(try empty.json == [])
        let index = try #require(empty.index)
        async let blocked = h.get("/v1/jobs?index=\(index)&wait=30s")
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await h.register(try await h.parsedJob(simpleJob)).status == 200)
        let answer = try await blocked
        #expect((answer.index ?? 0) > index)
        #expect(try answer.json.arrayValue?.count == 1)
        await h.stop()
    }

    @Test func aBlockedReadReturnsTheSameIndexWhenTheWaitElapses() async throws {
        let h = try await Harness.start { $0.deployDelay = .seconds(30) }
        #expect(try await h.register(try await h.parsedJob(simpleJob)).status == 200)
        let first = try await h.get("/v1/job/web")
        let index = try #require(first.index)
        let answer = try await h.get("/v1/job/web?index=\(index)&wait=200ms")
        #expect(answer.status == 200)
        #expect(answer.index == index)
        await h.stop()
    }

    @Test func badIndexOrWaitIsA400() async throws {
        let h = try await Harness.start()
        let badIndex = try await h.get("/v1/jobs?index=abc")
        #expect(badIndex.status == 400)
        #expect(badIndex.text == "Invalid index")
        let badWait = try await h.get("/v1/jobs?index=1&wait=soon")
        #expect(badWait.status == 400)
        #expect(badWait.text == "Invalid wait time")
        await h.stop()
    }
}
