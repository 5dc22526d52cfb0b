import BosunCore
import Foundation

/// The simulated scheduler and clients: placement, rolling out, health, and Nomad's auto-revert.
extension NomadState {
    enum GroupChange { case none, inPlace, destructive }

    /// How a task group changed between two job versions, as the scheduler would treat it.
    static func groupChange(_ old: JSONObject?, _ new: JSONObject) -> GroupChange {
        guard let old else { return .destructive }
        var diff = JobDiff.group(old, new, name: new.string("Name") ?? "", contextual: false)
        if diff.type == .none { return .none }
        var job = JobDiff.Job(type: .edited, id: "", groups: [diff])
        JobDiff.annotate(&job, desired: [:])
        diff = job.groups[0]
        if diff.tasks.contains(where: { $0.annotations.contains("forces create/destroy update") || $0.type == .added || $0.type == .deleted }) {
            return .destructive
        }
        if diff.objects.contains(where: { ["Network", "EphemeralDisk"].contains($0.name) }) { return .destructive }
        if diff.fields.contains(where: { $0.name.hasPrefix("Meta[") }) { return .destructive }
        return .inPlace
    }

    /// Live allocations of a job's group: what the scheduler would keep, update or stop.
    private func liveAllocations(_ namespace: String, _ jobID: String, group: String? = nil) -> [SimulatedAllocation] {
        allocations.values.filter {
            $0.namespace == namespace && $0.jobID == jobID && (group == nil || $0.taskGroup == group)
                && $0.desiredStatus == "run" && ($0.clientStatus == "pending" || $0.clientStatus == "running"
                    || ($0.jobType == "batch" && $0.clientStatus == "complete"))
        }.sorted { $0.name < $1.name }
    }

    /// The plan's `DesiredTGUpdates`, including Nomad's rolling-update limit (`max_parallel`).
    func desiredUpdates(previous: JSONObject?, next: JSONObject) -> [String: DesiredUpdates] {
        let namespace = next.string("Namespace") ?? "default"
        let id = next.string("ID") ?? ""
        var result: [String: DesiredUpdates] = [:]
        let previousGroups = Dictionary(
            (previous?.objects("TaskGroups") ?? []).map { ($0.string("Name") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let stopping = next.bool("Stop") ?? false
        for group in next.objects("TaskGroups") {
            let name = group.string("Name") ?? ""
            let count = next.string("Type") == "system" ? 1 : (group.int("Count") ?? 1)
            let live = liveAllocations(namespace, id, group: name).count
            var updates = DesiredUpdates()
            if stopping {
                updates.stop = live
                result[name] = updates
                continue
            }
            let kept = min(live, count)
            switch previous.map({ _ in Self.groupChange(previousGroups[name], group) }) ?? .destructive {
            case .none: updates.ignore = kept
            case .inPlace: updates.inPlaceUpdate = kept
            case .destructive:
                let limit = group.object("Update")?.int("MaxParallel") ?? 0
                updates.destructiveUpdate = limit > 0 ? min(kept, limit) : kept
                updates.ignore = kept - updates.destructiveUpdate
            }
            updates.place = max(0, count - live)
            updates.stop = max(0, live - count)
            result[name] = updates
        }
        let nextNames = Set(next.objects("TaskGroups").compactMap { $0.string("Name") })
        for name in previousGroups.keys where !nextNames.contains(name) {
            let live = liveAllocations(namespace, id, group: name).count
            if live > 0 { result[name] = DesiredUpdates(stop: live) }
        }
        return result
    }

    /// Places a new job version: stops what it replaces, places allocations, starts a deployment
    /// for service jobs, and sets timers that start the tasks and then judge their health.
    func schedule(_ job: JSONObject, previous: JSONObject?, evalID: String) {
        let namespace = job.string("Namespace") ?? "default"
        let id = job.string("ID") ?? ""
        let type = job.string("Type") ?? "service"
        let version = job.int("Version") ?? 0
        let now = GoFormat.nowNanoseconds()
        let index = bump("allocs", "job_summary", "deployment")

        for (key, deployment) in deployments where deployment.namespace == namespace && deployment.jobID == id && deployment.isActive {
            deployments[key]?.status = "cancelled"
            deployments[key]?.statusDescription =
                (job.bool("Stop") ?? false) ? "Cancelled because job is stopped" : "Cancelled due to newer version of job"
            deployments[key]?.modifyIndex = index
            deployments[key]?.modifyTime = now
        }
        if job.bool("Stop") ?? false {
            for alloc in liveAllocations(namespace, id) { stop(alloc.id, index: index, now: now, reason: "alloc not needed due to job update") }
            updateJobStatus(namespace, id)
            return
        }

        let previousGroups = Dictionary(
            (previous?.objects("TaskGroups") ?? []).map { ($0.string("Name") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        var deployment: SimulatedDeployment?
        if type == "service" {
            deployment = SimulatedDeployment(
                id: Self.newID(), namespace: namespace, jobID: id, jobVersion: version,
                jobModifyIndex: job.int("ModifyIndex") ?? index, jobSpecModifyIndex: job.int("JobModifyIndex") ?? index,
                jobCreateIndex: job.int("CreateIndex") ?? index, groups: [:], evalPriority: job.int("Priority") ?? 50,
                createIndex: index, modifyIndex: index, createTime: now, modifyTime: now)
        }
        var placed: [String] = []
        for group in job.objects("TaskGroups") {
            let name = group.string("Name") ?? ""
            let count = type == "system" ? 1 : (group.int("Count") ?? 1)
            var live = liveAllocations(namespace, id, group: name)
            let change = previous.map { _ in Self.groupChange(previousGroups[name], group) } ?? .destructive
            if change == .destructive {
                for alloc in live { stop(alloc.id, index: index, now: now, reason: "alloc is being updated due to job update") }
                live = []
            }
            for alloc in live.dropFirst(count) { stop(alloc.id, index: index, now: now, reason: "alloc not needed due to job update") }
            live = Array(live.prefix(count))
            for alloc in live {
                allocations[alloc.id]?.jobVersion = version
                allocations[alloc.id]?.deploymentID = deployment?.id
                allocations[alloc.id]?.modifyIndex = index
            }
            let used = Set(live.map(\.name))
            var newAllocations: [String] = []
            var slot = 0
            while live.count + newAllocations.count < count {
                let allocName = "\(id).\(name)[\(slot)]"
                slot += 1
                if used.contains(allocName) { continue }
                let alloc = newAllocation(job: job, group: group, name: allocName, evalID: evalID, deploymentID: deployment?.id, index: index, now: now)
                allocations[alloc.id] = alloc
                newAllocations.append(alloc.id)
            }
            placed += newAllocations
            let update = group.object("Update")
            deployment?.groups[name] = SimulatedDeployment.GroupState(
                autoRevert: update?.bool("AutoRevert") ?? false,
                progressDeadline: update?.int("ProgressDeadline") ?? 10 * Nanoseconds.minute,
                requireProgressBy: now + Int64(update?.int("ProgressDeadline") ?? 10 * Nanoseconds.minute),
                desiredTotal: count, placedAllocs: live.count + newAllocations.count, healthyAllocs: live.count)
        }
        let previousNames = Set(previousGroups.keys)
        let nextNames = Set(job.objects("TaskGroups").compactMap { $0.string("Name") })
        for name in previousNames.subtracting(nextNames) {
            for alloc in liveAllocations(namespace, id, group: name) {
                stop(alloc.id, index: index, now: now, reason: "alloc not needed as task group was removed")
            }
        }
        if let deployment { deployments[deployment.id] = deployment }
        updateJobStatus(namespace, id)

        let delay = deployDelay
        let deploymentID = deployment?.id
        let placedIDs = placed
        after(delay / 2) { state in state.startAllocations(placedIDs) }
        after(delay) { state in state.judgeHealth(placedIDs, deploymentID: deploymentID) }
    }

    private func newAllocation(
        job: JSONObject, group: JSONObject, name: String, evalID: String, deploymentID: String?, index: Int, now: Int64
    ) -> SimulatedAllocation {
        let tasks = group.objects("Tasks")
        let failing = tasks.contains { ($0.object("Config")?.string("image") ?? "").contains("fail") }
        var states: [String: SimulatedTaskState] = [:]
        for task in tasks {
            var state = SimulatedTaskState()
            state.events.append(("Received", now, "Task received by client", [:], false))
            states[task.string("Name") ?? ""] = state
        }
        return SimulatedAllocation(
            id: Self.newID(), evalID: evalID, name: name, namespace: job.string("Namespace") ?? "default",
            nodeID: nodeID, nodeName: nodeName, jobID: job.string("ID") ?? "", jobType: job.string("Type") ?? "service",
            jobVersion: job.int("Version") ?? 0, taskGroup: group.string("Name") ?? "", taskStates: states,
            deploymentID: deploymentID, createIndex: index, modifyIndex: index, createTime: now, modifyTime: now,
            willFail: failing)
    }

    private func stop(_ id: String, index: Int, now: Int64, reason: String) {
        guard var alloc = allocations[id] else { return }
        alloc.desiredStatus = "stop"
        alloc.desiredDescription = reason
        if alloc.clientStatus == "pending" || alloc.clientStatus == "running" {
            alloc.clientStatus = "complete"
            alloc.clientDescription = "All tasks have completed"
            for name in alloc.taskStates.keys {
                alloc.taskStates[name]?.state = "dead"
                alloc.taskStates[name]?.finishedAt = now
                alloc.taskStates[name]?.events.append(("Killed", now, "Task successfully killed", [:], false))
            }
        }
        alloc.modifyIndex = index
        alloc.modifyTime = now
        allocations[id] = alloc
    }

    /// The client starts the tasks: they run, or (image containing "fail") fail to start.
    func startAllocations(_ ids: [String]) {
        let now = GoFormat.nowNanoseconds()
        let index = bump("allocs", "job_summary", "deployment")
        var jobs: Set<String> = []
        for id in ids {
            guard var alloc = allocations[id], alloc.desiredStatus == "run", alloc.clientStatus == "pending" else { continue }
            for name in alloc.taskStates.keys {
                alloc.taskStates[name]?.events.append(("Task Setup", now, "Building Task Directory", [:], false))
                if alloc.willFail {
                    let message = "Failed to pull image: image not found (simulated failure)"
                    alloc.taskStates[name]?.events.append(("Driver Failure", now, message, [:], true))
                    alloc.taskStates[name]?.events.append(("Not Restarting", now, "Error was unrecoverable", ["fails_task": "true"], true))
                    alloc.taskStates[name]?.state = "dead"
                    alloc.taskStates[name]?.failed = true
                    alloc.taskStates[name]?.finishedAt = now
                } else {
                    alloc.taskStates[name]?.events.append(("Started", now, "Task started by client", [:], false))
                    alloc.taskStates[name]?.state = "running"
                    alloc.taskStates[name]?.startedAt = now
                }
            }
            if alloc.willFail {
                alloc.clientStatus = "failed"
                alloc.clientDescription = "Failed tasks"
                if let deploymentID = alloc.deploymentID {
                    alloc.healthy = false
                    alloc.healthTimestamp = now
                    deployments[deploymentID]?.groups[alloc.taskGroup]?.unhealthyAllocs += 1
                    deployments[deploymentID]?.modifyIndex = index
                    deployments[deploymentID]?.modifyTime = now
                }
            } else {
                alloc.clientStatus = "running"
                alloc.clientDescription = "Tasks are running"
            }
            alloc.modifyIndex = index
            alloc.modifyTime = now
            allocations[id] = alloc
            jobs.insert(Self.key(alloc.namespace, alloc.jobID))
        }
        for key in jobs {
            let parts = key.split(separator: "\u{1F}", maxSplits: 1).map(String.init)
            if parts.count == 2 { updateJobStatus(parts[0], parts[1]) }
        }
    }

    /// After the health window: running allocations turn healthy, batch work completes, and the
    /// deployment succeeds or fails (and, with `auto_revert`, rolls back to the last stable version).
    func judgeHealth(_ ids: [String], deploymentID: String?) {
        let now = GoFormat.nowNanoseconds()
        let index = bump("allocs", "job_summary", "deployment")
        var touched: Set<String> = []
        for id in ids {
            guard var alloc = allocations[id], alloc.desiredStatus == "run" else { continue }
            touched.insert(Self.key(alloc.namespace, alloc.jobID))
            if alloc.clientStatus == "running" {
                if alloc.jobType == "batch" || alloc.jobType == "sysbatch" {
                    alloc.clientStatus = "complete"
                    alloc.clientDescription = "All tasks have completed"
                    for name in alloc.taskStates.keys {
                        alloc.taskStates[name]?.state = "dead"
                        alloc.taskStates[name]?.finishedAt = now
                        alloc.taskStates[name]?.events.append(("Terminated", now, "Exit Code: 0", ["exit_code": "0"], false))
                    }
                } else if let deploymentID = alloc.deploymentID, alloc.healthy == nil {
                    alloc.healthy = true
                    alloc.healthTimestamp = now
                    deployments[deploymentID]?.groups[alloc.taskGroup]?.healthyAllocs += 1
                }
            }
            alloc.modifyIndex = index
            alloc.modifyTime = now
            allocations[id] = alloc
        }
        if let deploymentID { finishDeployment(deploymentID, index: index, now: now) }
        for key in touched {
            let parts = key.split(separator: "\u{1F}", maxSplits: 1).map(String.init)
            if parts.count == 2 { updateJobStatus(parts[0], parts[1]) }
        }
    }

    private func finishDeployment(_ id: String, index: Int, now: Int64) {
        guard var deployment = deployments[id], deployment.status == "running" else { return }
        let failedGroups = deployment.groups.filter { $0.value.unhealthyAllocs > 0 }
        deployment.modifyIndex = index
        deployment.modifyTime = now
        if failedGroups.isEmpty {
            deployment.status = "successful"
            deployment.statusDescription = "Deployment completed successfully"
            deployments[id] = deployment
            markStable(deployment.namespace, deployment.jobID, version: deployment.jobVersion)
            return
        }
        deployment.status = "failed"
        var description = "Failed due to unhealthy allocations"
        var revertTo: JSONObject?
        if failedGroups.values.contains(where: \.autoRevert), let record = records[Self.key(deployment.namespace, deployment.jobID)] {
            if let stable = record.versions.first(where: { ($0.bool("Stable") ?? false) && $0.int("Version") != deployment.jobVersion }) {
                let version = stable.int("Version") ?? 0
                if Self.specEqual(stable, record.job) {
                    description += " - not rolling back to stable job version \(version) as current job has same specification"
                } else {
                    description += " - rolling back to job version \(version)"
                    revertTo = stable
                }
            } else {
                description += " - no stable job version to auto revert to"
            }
        }
        deployment.statusDescription = description
        deployments[id] = deployment
        if let revertTo, let current = records[Self.key(deployment.namespace, deployment.jobID)]?.job {
            // Nomad's deployment watcher registers the stable version again, as a new version.
            var proposed = revertTo
            proposed["Stable"] = false
            _ = commit(proposed, existing: current)
        }
    }

    private func markStable(_ namespace: String, _ id: String, version: Int) {
        let key = Self.key(namespace, id)
        guard var record = records[key] else { return }
        let index = bump("jobs", "job_version")
        if record.job.int("Version") == version {
            record.job["Stable"] = true
            record.job["ModifyIndex"] = .int(index)
        }
        for i in record.versions.indices where record.versions[i].int("Version") == version {
            record.versions[i]["Stable"] = true
            record.versions[i]["ModifyIndex"] = .int(index)
        }
        records[key] = record
    }

    /// Nomad's job status: pending until something is placed, running while any allocation is
    /// live, dead when all are terminal (or the job is stopped).
    func updateJobStatus(_ namespace: String, _ id: String) {
        let key = Self.key(namespace, id)
        guard var record = records[key] else { return }
        let allocs = allocations.values.filter { $0.namespace == namespace && $0.jobID == id }
        let status: String
        if allocs.contains(where: { !$0.isTerminal }) {
            status = "running"
        } else if !allocs.isEmpty || (record.job.bool("Stop") ?? false) {
            status = "dead"
        } else {
            status = "pending"
        }
        guard record.job.string("Status") != status else { return }
        let index = bump("jobs", "job_version")
        record.job["Status"] = .string(status)
        record.job["ModifyIndex"] = .int(index)
        if !record.versions.isEmpty {
            record.versions[0]["Status"] = .string(status)
            record.versions[0]["ModifyIndex"] = .int(index)
        }
        records[key] = record
    }
}
