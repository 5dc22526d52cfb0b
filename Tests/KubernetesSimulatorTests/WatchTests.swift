import BosunCore
import Testing

@testable import KubernetesSimulator

/// Watches: initial state, resuming from a resourceVersion, 410 Expired, selector transitions.
@Suite struct WatchTests {
    /// The next `count` events, or fewer if the stream ends or nothing comes for a while.
    func next(_ count: Int, from iterator: inout AsyncStream<WatchEvent>.Iterator) async -> [WatchEvent] {
        var events: [WatchEvent] = []
        while events.count < count, let event = await iterator.next() { events.append(event) }
        return events
    }

    func describe(_ events: [WatchEvent]) -> [String] {
        events.map { "\($0.type.rawValue) \($0.object?.name ?? "")" }
    }

    @Test func aWatchWithoutResourceVersionStartsWithEveryObject() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("a", data: ["k": "1"]))
        try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("b", data: ["k": "1"]))
        let watch = try api.watch(api.configMaps, namespace: "default")
        defer { watch.stop() }
        var iterator = watch.events.makeAsyncIterator()
        #expect(describe(await next(2, from: &iterator)) == ["ADDED a", "ADDED b"])
        _ = try api.patch(api.configMaps, namespace: "default", name: "a", patchType: .merge, body: #"{"data":{"k":"2"}}"#)
        _ = try api.delete(api.configMaps, namespace: "default", name: "b")
        let changes = await next(2, from: &iterator)
        #expect(describe(changes) == ["MODIFIED a", "DELETED b"])
        #expect(changes.first?.object?["data", "k"] == "2")
    }

    @Test func aWatchResumesAfterAResourceVersionWithTheChangesSinceInOrder() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        let first = try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("a", data: ["k": "1"]))
        let list = try api.list(api.configMaps, namespace: "default")
        #expect(list.resourceVersion == first.resourceVersion)
        // Changes made while nobody watches...
        for value in ["2", "3"] {
            _ = try api.patch(api.configMaps, namespace: "default", name: "a", patchType: .merge, body: #"{"data":{"k":"\#(value)"}}"#)
        }
        try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("c", data: [:]))
        // ...are replayed to a watch that resumes from the list's resourceVersion.
        let watch = try api.watch(api.configMaps, namespace: "default", options: ListOptions(resourceVersion: String(list.resourceVersion)))
        defer { watch.stop() }
        var iterator = watch.events.makeAsyncIterator()
        let events = await next(3, from: &iterator)
        #expect(describe(events) == ["MODIFIED a", "MODIFIED a", "ADDED c"])
        #expect(events.map { $0.object?["data", "k"] } == ["2", "3", nil])
        let versions = events.map(\.resourceVersion)
        #expect(versions == versions.sorted() && Set(versions).count == 3)
        #expect(versions.allSatisfy { $0 > list.resourceVersion })
    }

    @Test func aResourceVersionOlderThanTheWindowIsGone() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false, watchWindow: 3))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        let first = try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("a", data: ["n": "0"]))
        for n in 1...5 {
            _ = try api.patch(api.configMaps, namespace: "default", name: "a", patchType: .merge, body: #"{"data":{"n":"\#(n)"}}"#)
        }
        let watch = try api.watch(api.configMaps, namespace: "default", options: ListOptions(resourceVersion: String(first.resourceVersion)))
        var iterator = watch.events.makeAsyncIterator()
        let events = await next(2, from: &iterator)
        #expect(events.count == 1)
        let error = try #require(events.first?.error)
        #expect(events.first?.type == .error)
        #expect(error.code == 410)
        #expect(error.reason == "Expired")
        #expect(error.message.hasPrefix("too old resource version: \(first.resourceVersion) ("))
        // A resourceVersion still in the window resumes.
        let recent = try api.get(api.configMaps, namespace: "default", name: "a").resourceVersion - 1
        let resumed = try api.watch(api.configMaps, namespace: "default", options: ListOptions(resourceVersion: String(recent)))
        defer { resumed.stop() }
        var resumedIterator = resumed.events.makeAsyncIterator()
        #expect(describe(await next(1, from: &resumedIterator)) == ["MODIFIED a"])
    }

    @Test func aLabelSelectorWatchSeesObjectsEnterAndLeave() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        let watch = try api.watch(api.configMaps, namespace: "default", options: ListOptions(labelSelector: "tier=web"))
        defer { watch.stop() }
        var iterator = watch.events.makeAsyncIterator()
        try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("a", data: [:]))
        _ = try api.patch(api.configMaps, namespace: "default", name: "a", patchType: .merge, body: #"{"metadata":{"labels":{"tier":"web"}}}"#)
        _ = try api.patch(api.configMaps, namespace: "default", name: "a", patchType: .merge, body: #"{"metadata":{"labels":{"tier":"db"}}}"#)
        #expect(describe(await next(2, from: &iterator)) == ["ADDED a", "DELETED a"])
    }

    @Test func initialEventsEndWithABookmarkAndBookmarksCarryTheCurrentVersion() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("a", data: [:]))
        let watch = try api.watch(api.configMaps, namespace: "default", options: ListOptions(allowWatchBookmarks: true, sendInitialEvents: true))
        defer { watch.stop() }
        var iterator = watch.events.makeAsyncIterator()
        let initial = await next(2, from: &iterator)
        #expect(initial.map(\.type) == [.added, .bookmark])
        #expect(initial.last?.initialEventsEnd == true)
        try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("b", data: [:]))
        watch.bookmark()
        let later = await next(2, from: &iterator)
        #expect(later.map(\.type) == [.added, .bookmark])
        #expect(later.last?.resourceVersion == api.store.revision)
    }

    @Test func droppedWatchesEnd() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        let watch = try api.watch(api.configMaps, namespace: "default", options: ListOptions(resourceVersion: String(api.store.revision)))
        #expect(api.store.openWatchCount(api.configMaps.groupResource) == 1)
        simulator.faults.dropWatches()
        var iterator = watch.events.makeAsyncIterator()
        #expect(await iterator.next() == nil)
        #expect(api.store.openWatchCount(api.configMaps.groupResource) == 0)
    }
}
