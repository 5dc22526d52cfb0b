import BosunCore
import Foundation

/// An error answered the way Nomad's HTTP agent answers: a status code and a plain-text body.
public struct NomadAPIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status code Nomad would answer with.
    public var status: Int
    /// The plain-text body, worded as Nomad words it.
    public var message: String
    /// An error with Nomad's status code and wording.
    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
    public var description: String { "\(status): \(message)" }

    static let permissionDenied = NomadAPIError(403, "Permission denied")
    static let tokenNotFound = NomadAPIError(403, "ACL token not found")
}

/// One simulated task's state on its (simulated) client.
struct SimulatedTaskState: Sendable {
    var state = "pending"
    var failed = false
    var startedAt: Int64 = 0
    var finishedAt: Int64 = 0
    var events: [(type: String, time: Int64, message: String, details: [String: String], failsTask: Bool)] = []

    var json: JSONValue {
        var eventList: [JSONValue] = []
        for event in events {
            var details = JSONObject()
            for key in event.details.keys.sorted() { details[key] = .string(event.details[key] ?? "") }
            eventList.append([
                "Type": .string(event.type), "Time": .int(Int(event.time)), "Message": .string(event.message),
                "DisplayMessage": .string(event.message), "Details": .object(details), "FailsTask": .bool(event.failsTask),
                "RestartReason": "", "SetupError": "", "DriverError": .string(event.failsTask ? event.message : ""),
                "ExitCode": 0, "Signal": 0, "KillTimeout": 0, "KillError": "", "KillReason": "", "StartDelay": 0,
                "DownloadError": "", "ValidationError": "", "DiskLimit": 0, "FailedSibling": "", "VaultError": "",
                "TaskSignalReason": "", "TaskSignal": "", "DriverMessage": "", "GenericSource": "",
            ])
        }
        return [
            "State": .string(state), "Failed": .bool(failed), "Restarts": 0, "LastRestart": "0001-01-01T00:00:00Z",
            "StartedAt": .string(GoFormat.timestamp(nanoseconds: startedAt)),
            "FinishedAt": .string(GoFormat.timestamp(nanoseconds: finishedAt)), "Events": .array(eventList),
            "Paused": "",
        ]
    }
}

/// A simulated allocation, rendered as Nomad's `AllocListStub`.
struct SimulatedAllocation: Sendable {
    var id: String
    var evalID: String
    var name: String
    var namespace: String
    var nodeID: String
    var nodeName: String
    var jobID: String
    var jobType: String
    var jobVersion: Int
    var taskGroup: String
    var desiredStatus = "run"
    var desiredDescription = ""
    var clientStatus = "pending"
    var clientDescription = "No tasks have started"
    var taskStates: [String: SimulatedTaskState] = [:]
    var deploymentID: String?
    var healthy: Bool?
    var healthTimestamp: Int64 = 0
    var createIndex: Int
    var modifyIndex: Int
    var createTime: Int64
    var modifyTime: Int64
    /// Whether its tasks are configured to fail (an image whose name contains "fail").
    var willFail: Bool

    var isTerminal: Bool {
        desiredStatus == "stop" || desiredStatus == "evict" || ["complete", "failed", "lost"].contains(clientStatus)
    }

    var stubJSON: JSONValue {
        var states = JSONObject()
        for name in taskStates.keys.sorted() { states[name] = taskStates[name]?.json ?? .null }
        let deploymentStatus: JSONValue =
            deploymentID == nil
            ? .null
            : [
                "Healthy": healthy.map { .bool($0) } ?? .null,
                "Timestamp": .string(GoFormat.timestamp(nanoseconds: healthTimestamp)), "Canary": false,
                "ModifyIndex": .int(modifyIndex),
            ]
        return [
            "ID": .string(id), "EvalID": .string(evalID), "Name": .string(name), "Namespace": .string(namespace),
            "NodeID": .string(nodeID), "NodeName": .string(nodeName), "JobID": .string(jobID),
            "JobType": .string(jobType), "JobVersion": .int(jobVersion), "TaskGroup": .string(taskGroup),
            "DesiredStatus": .string(desiredStatus), "DesiredDescription": .string(desiredDescription),
            "ClientStatus": .string(clientStatus), "ClientDescription": .string(clientDescription),
            "DesiredTransition": ["Migrate": nil, "Reschedule": nil, "ForceReschedule": nil, "NoShutdownDelay": nil],
            "TaskStates": taskStates.isEmpty ? .null : .object(states), "DeploymentStatus": deploymentStatus,
            "FollowupEvalID": "", "NextAllocation": "", "RescheduleTracker": nil, "PreemptedAllocations": nil,
            "PreemptedByAllocation": "", "CreateIndex": .int(createIndex), "ModifyIndex": .int(modifyIndex),
            "CreateTime": .int(Int(createTime)), "ModifyTime": .int(Int(modifyTime)),
        ]
    }
}

/// A simulated deployment, rendered as Nomad's `structs.Deployment`.
struct SimulatedDeployment: Sendable {
    struct GroupState: Sendable {
        var autoRevert: Bool
        var progressDeadline: Int
        var requireProgressBy: Int64
        var desiredTotal: Int
        var placedAllocs = 0
        var healthyAllocs = 0
        var unhealthyAllocs = 0
    }

    var id: String
    var namespace: String
    var jobID: String
    var jobVersion: Int
    var jobModifyIndex: Int
    var jobSpecModifyIndex: Int
    var jobCreateIndex: Int
    var groups: [String: GroupState]
    var status = "running"
    var statusDescription = "Deployment is running"
    var evalPriority: Int
    var createIndex: Int
    var modifyIndex: Int
    var createTime: Int64
    var modifyTime: Int64

    var isActive: Bool { status == "running" || status == "paused" || status == "pending" || status == "initializing" }

    var json: JSONValue {
        var groupsJSON = JSONObject()
        for name in groups.keys.sorted() {
            guard let g = groups[name] else { continue }
            groupsJSON[name] = [
                "AutoRevert": .bool(g.autoRevert), "AutoPromote": false, "ProgressDeadline": .int(g.progressDeadline),
                "RequireProgressBy": .string(GoFormat.timestamp(nanoseconds: g.requireProgressBy)), "Promoted": false,
                "PlacedCanaries": nil, "DesiredCanaries": 0, "DesiredTotal": .int(g.desiredTotal),
                "PlacedAllocs": .int(g.placedAllocs), "HealthyAllocs": .int(g.healthyAllocs),
                "UnhealthyAllocs": .int(g.unhealthyAllocs),
            ]
        }
        return [
            "ID": .string(id), "Namespace": .string(namespace), "JobID": .string(jobID), "JobVersion": .int(jobVersion),
            "JobModifyIndex": .int(jobModifyIndex), "JobSpecModifyIndex": .int(jobSpecModifyIndex),
            "JobCreateIndex": .int(jobCreateIndex), "IsMultiregion": false, "TaskGroups": .object(groupsJSON),
            "Status": .string(status), "StatusDescription": .string(statusDescription),
            "EvalPriority": .int(evalPriority), "CreateIndex": .int(createIndex), "ModifyIndex": .int(modifyIndex),
            "CreateTime": .int(Int(createTime)), "ModifyTime": .int(Int(modifyTime)),
        ]
    }
}

/// A job and its tracked versions (newest first, at most `NomadState.trackedVersions`).
struct JobRecord: Sendable {
    var job: JSONObject
    var versions: [JSONObject]
}
