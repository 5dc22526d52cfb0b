import BosunCore
import Foundation

/// The simulated cluster's state: jobs with their versions, deployments and allocations, with a
/// Raft-like index that every write advances and that blocking queries wait on.
actor NomadState {
    /// How many versions of a job Nomad keeps (`job_tracked_versions`, default 6).
    static let trackedVersions = 6

    var deployDelay: Duration
    let nodeID = UUID().uuidString.lowercased()
    let nodeName = "nomad-simulator-node"

    private(set) var index = 10
    private var tableIndexes: [String: Int] = [:]
    var records: [String: JobRecord] = [:]
    var deployments: [String: SimulatedDeployment] = [:]
    var allocations: [String: SimulatedAllocation] = [:]
    var namespaces: Set<String>
    private(set) var changeCounter = 0
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var timers: [UUID: Task<Void, Never>] = [:]
    private(set) var isShutdown = false

    init(deployDelay: Duration, namespaces: [String]) {
        self.deployDelay = deployDelay
        self.namespaces = Set(namespaces + ["default"])
    }

    static func key(_ namespace: String, _ id: String) -> String { namespace + "\u{1F}" + id }

    // MARK: Indexes and change notification

    /// Advances the index, stamps the given tables with it and wakes blocked queries.
    @discardableResult
    func bump(_ tables: String...) -> Int {
        index += 1
        for table in tables { tableIndexes[table] = index }
        changeCounter += 1
        let waiting = waiters
        waiters = [:]
        for continuation in waiting.values { continuation.resume() }
        return index
    }

    func tableIndex(_ tables: String...) -> Int {
        max(1, tables.map { tableIndexes[$0] ?? 1 }.max() ?? 1)
    }

    /// Returns when anything changes after `counter`, or at `deadline`, or at shutdown.
    func waitForChange(after counter: Int, until deadline: ContinuousClock.Instant) async {
        guard counter == changeCounter, !isShutdown, deadline > .now else { return }
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            await self?.expire(id)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waiters[id] = continuation
        }
        timer.cancel()
    }

    private func expire(_ id: UUID) {
        waiters.removeValue(forKey: id)?.resume()
    }

    /// Runs `action` on this actor after `delay`; cancelled at shutdown.
    func after(_ delay: Duration, _ action: @escaping @Sendable (isolated NomadState) -> Void) {
        let id = UUID()
        timers[id] = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled, let self else { return }
            await self.fire(id, action)
        }
    }

    private func fire(_ id: UUID, _ action: @Sendable (isolated NomadState) -> Void) {
        timers.removeValue(forKey: id)
        guard !isShutdown else { return }
        action(self)
    }

    func shutdown() {
        isShutdown = true
        for timer in timers.values { timer.cancel() }
        timers = [:]
        let waiting = waiters
        waiters = [:]
        for continuation in waiting.values { continuation.resume() }
    }

    func setDeployDelay(_ delay: Duration) { deployDelay = delay }

    // MARK: Namespaces

    func createNamespace(_ name: String) {
        namespaces.insert(name)
        bump("namespaces")
    }

    func namespaceList() -> (Int, JSONValue) {
        let items: [JSONValue] = namespaces.sorted().map { name in
            [
                "Name": .string(name), "Description": name == "default" ? "Default shared namespace" : "",
                "Quota": "", "Meta": nil, "Capabilities": nil, "NodePoolConfiguration": nil, "VaultConfiguration": nil,
                "ConsulConfiguration": nil, "CreateIndex": 1, "ModifyIndex": 1,
            ]
        }
        return (tableIndex("namespaces"), .array(items))
    }

    // MARK: Reads

    func job(_ namespace: String, _ id: String) -> JSONObject? { records[Self.key(namespace, id)]?.job }

    /// `GET /v1/job/:id`: the job's ModifyIndex, or the jobs table's index when it is missing.
    func readJob(_ namespace: String, _ id: String) -> (Int, JSONObject?) {
        guard let job = job(namespace, id) else { return (tableIndex("jobs"), nil) }
        return (job.int("ModifyIndex") ?? 1, job)
    }

    func readVersions(_ namespace: String, _ id: String, diffs: Bool) -> (Int, JSONValue?) {
        guard let record = records[Self.key(namespace, id)] else { return (tableIndex("job_version"), nil) }
        let versions = record.versions
        let index = versions.compactMap { $0.int("ModifyIndex") }.max() ?? 1
        var diffList: JSONValue = .null
        if diffs {
            var list: [JSONValue] = []
            for i in versions.indices.dropLast() {
                list.append(JobDiff.jobs(versions[i + 1], versions[i]).json)
            }
            diffList = .array(list)
        }
        return (
            index,
            [
                "Versions": .array(versions.map { .object($0) }), "Diffs": diffList, "Index": .int(index),
                "LastContact": 0, "KnownLeader": true, "NextToken": "",
            ]
        )
    }

    /// `GET /v1/jobs`: stubs sorted by ID (namespace first for `*`), filtered by prefix and expression.
    func listJobs(namespace: String, prefix: String, filter: FilterExpression?, meta: Bool) -> (Int, JSONValue) {
        let jobs = records.values.map(\.job)
            .filter { namespace == "*" || $0.string("Namespace") == namespace }
            .filter { prefix.isEmpty || ($0.string("ID") ?? "").hasPrefix(prefix) }
            .filter { filter?.matches(.object($0)) ?? true }
            .sorted { ($0.string("Namespace") ?? "", $0.string("ID") ?? "") < ($1.string("Namespace") ?? "", $1.string("ID") ?? "") }
        // Group allocations once, not once per job.
        let byJob = Dictionary(grouping: allocations.values) { Self.key($0.namespace, $0.jobID) }
        return (
            tableIndex("jobs", "job_summary"),
            .array(jobs.map { job in
                let allocs = byJob[Self.key(job.string("Namespace") ?? "default", job.string("ID") ?? "")] ?? []
                return .object(stub(job, allocations: allocs, meta: meta))
            })
        )
    }

    private func stub(_ job: JSONObject, allocations allocs: [SimulatedAllocation], meta: Bool) -> JSONObject {
        var out: JSONObject = [
            "ID": job["ID"] ?? "", "ParentID": job["ParentID"] ?? "", "Name": job["Name"] ?? "",
            "Namespace": job["Namespace"] ?? "default", "Datacenters": job["Datacenters"] ?? nil,
            "NodePool": job["NodePool"] ?? "default", "Multiregion": nil, "Type": job["Type"] ?? "service",
            "Priority": job["Priority"] ?? 50, "Periodic": false, "ParameterizedJob": false,
            "Stop": job["Stop"] ?? false, "Status": job["Status"] ?? "", "StatusDescription": job["StatusDescription"] ?? "",
            "JobSummary": .object(summary(job, allocations: allocs)), "CreateIndex": job["CreateIndex"] ?? 0,
            "ModifyIndex": job["ModifyIndex"] ?? 0, "JobModifyIndex": job["JobModifyIndex"] ?? 0,
            "SubmitTime": job["SubmitTime"] ?? 0,
        ]
        if meta, let m = job.object("Meta"), !m.isEmpty { out["Meta"] = .object(m) }
        return out
    }

    /// `JobSummary`: allocation counts per task group.
    func summary(_ job: JSONObject, allocations given: [SimulatedAllocation]? = nil) -> JSONObject {
        let namespace = job.string("Namespace") ?? "default"
        let id = job.string("ID") ?? ""
        var groups = JSONObject()
        let allocs = given ?? allocations.values.filter { $0.namespace == namespace && $0.jobID == id }
        for group in job.objects("TaskGroups").compactMap({ $0.string("Name") }).sorted() {
            let mine = allocs.filter { $0.taskGroup == group }
            func count(_ status: String) -> JSONValue { .int(mine.filter { $0.clientStatus == status }.count) }
            groups[group] = [
                "Queued": 0, "Complete": count("complete"), "Failed": count("failed"), "Running": count("running"),
                "Starting": count("pending"), "Lost": count("lost"), "Unknown": count("unknown"),
            ]
        }
        return [
            "JobID": .string(id), "Namespace": .string(namespace), "Summary": .object(groups),
            "Children": ["Pending": 0, "Running": 0, "Dead": 0], "CreateIndex": job["CreateIndex"] ?? 0,
            "ModifyIndex": .int(tableIndex("job_summary")),
        ]
    }

    func readAllocations(_ namespace: String, _ id: String) -> (Int, JSONValue) {
        let list = allocations.values.filter { $0.namespace == namespace && $0.jobID == id }
            .sorted { $0.createIndex == $1.createIndex ? $0.name < $1.name : $0.createIndex > $1.createIndex }
        return (tableIndex("allocs"), .array(list.map(\.stubJSON)))
    }

    func readDeployments(_ namespace: String, _ id: String) -> (Int, JSONValue) {
        let list = jobDeployments(namespace, id)
        return (tableIndex("deployment"), .array(list.map(\.json)))
    }

    func readLatestDeployment(_ namespace: String, _ id: String) -> (Int, JSONValue) {
        (tableIndex("deployment"), jobDeployments(namespace, id).first?.json ?? .null)
    }

    /// A job's deployments, newest first.
    func jobDeployments(_ namespace: String, _ id: String) -> [SimulatedDeployment] {
        deployments.values.filter { $0.namespace == namespace && $0.jobID == id }.sorted { $0.createIndex > $1.createIndex }
    }

    func readDeployment(_ id: String) -> (Int, JSONValue?) {
        (tableIndex("deployment"), deployments[id]?.json)
    }

    func readAllocation(_ id: String) -> (Int, JSONValue?) {
        guard let alloc = allocations[id] else { return (tableIndex("allocs"), nil) }
        return (alloc.modifyIndex, alloc.stubJSON)
    }
}
