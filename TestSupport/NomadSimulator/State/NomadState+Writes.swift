import BosunCore
import Foundation

extension NomadState {
    /// Fields a re-registration may differ in without it being a new version (`Job.SpecChanged`).
    static let nonSpecFields: Set<String> = [
        "Status", "StatusDescription", "Stable", "Version", "CreateIndex", "ModifyIndex", "JobModifyIndex", "SubmitTime",
    ]

    static func specEqual(_ a: JSONObject, _ b: JSONObject) -> Bool {
        var x = a
        var y = b
        x.removeAll { nonSpecFields.contains($0.key) }
        y.removeAll { nonSpecFields.contains($0.key) }
        return x == y
    }

    static func newID() -> String { UUID().uuidString.lowercased() }

    /// Server-side validation (`Job.Validate`), worded as Nomad's multierror output.
    static func validate(_ job: JSONObject) throws(NomadAPIError) {
        var errors: [String] = []
        let type = job.string("Type") ?? "service"
        if !["service", "batch", "system", "sysbatch"].contains(type) { errors.append("Invalid job type: \"\(type)\"") }
        let groups = job.objects("TaskGroups")
        if groups.isEmpty { errors.append("Missing job task groups") }
        for group in groups {
            var groupErrors: [String] = []
            if (group.int("Count") ?? 0) < 0 { groupErrors.append("Task group count can't be negative") }
            let tasks = group.objects("Tasks")
            if tasks.isEmpty { groupErrors.append("Missing tasks for task group") }
            for task in tasks where (task.string("Driver") ?? "").isEmpty {
                groupErrors.append("Task \(task.string("Name") ?? "") validation failed: \(multierror(["Missing task driver"]))")
            }
            if !groupErrors.isEmpty {
                errors.append("Task group \(group.string("Name") ?? "") validation failed: \(multierror(groupErrors))")
            }
        }
        if !errors.isEmpty { throw NomadAPIError(500, multierror(errors)) }
    }

    static func multierror(_ errors: [String]) -> String {
        let head = errors.count == 1 ? "1 error occurred:" : "\(errors.count) errors occurred:"
        return head + "\n" + errors.map { "\t* \($0)" }.joined(separator: "\n") + "\n\n"
    }

    // MARK: Register

    /// `POST /v1/jobs` (and `/v1/job/:id`): check-and-set, spec comparison, versioning, scheduling.
    func register(
        _ apiJob: JSONObject, namespace: String, enforceIndex: Bool, jobModifyIndex: Int
    ) throws(NomadAPIError) -> JSONObject {
        var api = apiJob
        api["Namespace"] = .string(namespace)
        guard namespaces.contains(namespace) else {
            throw NomadAPIError(500, "job \"\(api.string("ID") ?? "")\" is in nonexistent namespace \"\(namespace)\"")
        }
        let proposed = ServerJob.fromAPI(api)
        try Self.validate(proposed)
        let id = proposed.string("ID") ?? ""
        let existing = records[Self.key(namespace, id)]?.job
        if enforceIndex {
            try Self.enforce(existing, jobModifyIndex)
        }
        return commit(proposed, existing: existing)
    }

    static func enforce(_ existing: JSONObject?, _ index: Int) throws(NomadAPIError) {
        let prefix = "Enforcing job modify index"
        if let existing {
            let current = existing.int("JobModifyIndex") ?? 0
            if index == 0 { throw NomadAPIError(500, "\(prefix) 0: job already exists") }
            if index != current {
                throw NomadAPIError(500, "\(prefix) \(index): job exists with conflicting job modify index: \(current)")
            }
        } else if index != 0 {
            throw NomadAPIError(500, "\(prefix) \(index): job does not exist")
        }
    }

    /// Stores `proposed` as a new version unless its spec equals the current one; schedules it.
    func commit(_ proposed: JSONObject, existing: JSONObject?) -> JSONObject {
        let evalID = Self.newID()
        let namespace = proposed.string("Namespace") ?? "default"
        let id = proposed.string("ID") ?? ""
        if let existing, Self.specEqual(existing, proposed) {
            // Nothing changed: Nomad still creates an evaluation, and answers the job's ModifyIndex.
            let evalIndex = bump("evals")
            return registerResponse(evalID: evalID, evalIndex: evalIndex, jobModifyIndex: existing.int("ModifyIndex") ?? 0, index: evalIndex)
        }
        let index = bump("jobs", "job_version", "job_summary", "evals")
        var job = proposed
        job["Version"] = .int(existing.map { ($0.int("Version") ?? 0) + 1 } ?? 0)
        job["CreateIndex"] = .int(existing?.int("CreateIndex") ?? index)
        job["ModifyIndex"] = .int(index)
        job["JobModifyIndex"] = .int(index)
        job["SubmitTime"] = .int(Int(GoFormat.nowNanoseconds()))
        job["Status"] = "pending"
        job["Stable"] = false
        var record = records[Self.key(namespace, id)] ?? JobRecord(job: job, versions: [])
        record.job = job
        record.versions.insert(job, at: 0)
        if record.versions.count > Self.trackedVersions { record.versions.removeLast(record.versions.count - Self.trackedVersions) }
        records[Self.key(namespace, id)] = record
        schedule(job, previous: existing, evalID: evalID)
        return registerResponse(evalID: evalID, evalIndex: index, jobModifyIndex: index, index: index)
    }

    private func registerResponse(evalID: String, evalIndex: Int, jobModifyIndex: Int, index: Int) -> JSONObject {
        [
            "EvalID": .string(evalID), "EvalCreateIndex": .int(evalIndex), "JobModifyIndex": .int(jobModifyIndex),
            "Warnings": "", "Index": .int(index), "LastContact": 0, "KnownLeader": true, "NextToken": "",
        ]
    }

    // MARK: Plan

    /// `POST /v1/job/:id/plan`: what registering would do, without doing it.
    func plan(_ apiJob: JSONObject, namespace: String, diff: Bool) throws(NomadAPIError) -> JSONObject {
        var api = apiJob
        api["Namespace"] = .string(namespace)
        guard namespaces.contains(namespace) else {
            throw NomadAPIError(500, "job \"\(api.string("ID") ?? "")\" is in nonexistent namespace \"\(namespace)\"")
        }
        let proposed = ServerJob.fromAPI(api)
        try Self.validate(proposed)
        let existing = job(namespace, proposed.string("ID") ?? "")
        let desired = desiredUpdates(previous: existing, next: proposed)
        var updates = JSONObject()
        for name in desired.keys.sorted() { updates[name] = desired[name]?.json ?? .null }
        var response: JSONObject = [
            "Annotations": ["DesiredTGUpdates": .object(updates), "PreemptedAllocs": nil], "FailedTGAllocs": nil,
            "JobModifyIndex": .int(existing?.int("JobModifyIndex") ?? 0), "CreatedEvals": nil, "Diff": nil,
            "NextPeriodicLaunch": "0001-01-01T00:00:00Z", "Warnings": "",
            "Index": .int(existing?.int("JobModifyIndex") ?? 0),
        ]
        if diff {
            var jobDiff = JobDiff.jobs(existing, proposed)
            JobDiff.annotate(&jobDiff, desired: desired)
            response["Diff"] = jobDiff.json
        }
        return response
    }

    // MARK: Revert

    /// `POST /v1/job/:id/revert`: registers an earlier version's spec as a new version.
    func revert(_ namespace: String, _ id: String, to version: Int, enforcePriorVersion: Int?) throws(NomadAPIError) -> JSONObject {
        guard let record = records[Self.key(namespace, id)] else { throw NomadAPIError(500, "job \"\(id)\" not found") }
        let current = record.job
        if version == current.int("Version") { throw NomadAPIError(500, "can't revert to current version") }
        guard let target = record.versions.first(where: { $0.int("Version") == version }) else {
            throw NomadAPIError(500, "job \"\(id)\" in namespace \"\(namespace)\" at version \(version) not found")
        }
        if let prior = enforcePriorVersion {
            let currentVersion = current.int("Version") ?? 0
            if currentVersion != prior {
                throw NomadAPIError(500, "Current job has version \(currentVersion); enforcing version \(prior)")
            }
        }
        var proposed = target
        proposed["Stable"] = false
        proposed["VersionTag"] = .null
        return commit(proposed, existing: current)
    }

    // MARK: Deregister

    /// `DELETE /v1/job/:id`: stops the job (a new version with `Stop`), or removes it with `purge`.
    func deregister(_ namespace: String, _ id: String, purge: Bool) -> JSONObject {
        let key = Self.key(namespace, id)
        guard let record = records[key] else {
            return [
                "EvalID": "", "EvalCreateIndex": 0, "JobModifyIndex": 0, "VolumeEvalID": "", "VolumeEvalIndex": 0,
                "Index": 0, "LastContact": 0, "KnownLeader": false, "NextToken": "",
            ]
        }
        let evalID = Self.newID()
        let index: Int
        if purge {
            records[key] = nil
            for (allocID, alloc) in allocations where alloc.namespace == namespace && alloc.jobID == id {
                allocations[allocID] = nil
            }
            for (deploymentID, deployment) in deployments where deployment.namespace == namespace && deployment.jobID == id {
                deployments[deploymentID] = nil
            }
            index = bump("jobs", "job_version", "job_summary", "evals", "allocs", "deployment")
        } else {
            var stopped = record.job
            stopped["Stop"] = true
            if (record.job.bool("Stop") ?? false) == false {
                _ = commit(stopped, existing: record.job)
            }
            index = self.index
        }
        return [
            "EvalID": .string(evalID), "EvalCreateIndex": .int(index), "JobModifyIndex": .int(index),
            "VolumeEvalID": "", "VolumeEvalIndex": 0, "Index": .int(index), "LastContact": 0, "KnownLeader": true,
            "NextToken": "",
        ]
    }
}
