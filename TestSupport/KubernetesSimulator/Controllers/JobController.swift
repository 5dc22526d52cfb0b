import BosunCore

/// The job controller, simulated: a Job starts at once and completes after
/// `controllerDelayMilliseconds` (conditions SuccessCriteriaMet and Complete), or, when its pod
/// template names an image containing `fail`, fails with BackoffLimitExceeded.
struct JobController: Sendable {
    let context: ControllerContext

    var type: ResourceType { context.type("batch", "Job") }

    func run() async {
        let type = self.type
        await context.follow(type) { event in
            guard event.type != .deleted, let object = event.object?.object else { return }
            let metadata = object["metadata"]?.objectValue ?? JSONObject()
            guard metadata["deletionTimestamp"] == nil else { return }
            let status = object["status"]?.objectValue ?? JSONObject()
            if Conditions.isTrue(object, "Complete") || Conditions.isTrue(object, "Failed") { return }
            let namespace = metadata["namespace"]?.stringValue ?? ""
            let name = metadata["name"]?.stringValue ?? ""
            let suspended = object["spec"]?["suspend"]?.boolValue == true
            if suspended {
                if !Conditions.isTrue(object, "Suspended") {
                    context.updateStatus(type, namespace: namespace, name: name) { current in
                        var status = current["status"]?.objectValue ?? JSONObject()
                        status["conditions"] = .array(
                            Conditions.set(
                                status["conditions"]?.arrayValue ?? [], type: "Suspended", status: "True", reason: "JobSuspended",
                                message: "Job suspended", now: Timestamp.now()))
                        status["active"] = nil
                        return status
                    }
                }
                return
            }
            guard status["startTime"] == nil || Conditions.isTrue(object, "Suspended") else { return }
            context.updateStatus(type, namespace: namespace, name: name) { current in
                var status = current["status"]?.objectValue ?? JSONObject()
                if let conditions = status["conditions"]?.arrayValue, Conditions.isTrue(current, "Suspended") {
                    status["conditions"] = .array(
                        Conditions.set(conditions, type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed", now: Timestamp.now()))
                }
                status["startTime"] = .string(Timestamp.now())
                status["active"] = .int(current["spec"]?["parallelism"]?.intValue ?? 1)
                status["ready"] = 0
                status["terminating"] = 0
                status["uncountedTerminatedPods"] = .object(JSONObject())
                return status
            }
            context.after(context.delay) {
                finish(namespace: namespace, name: name, uid: metadata["uid"]?.stringValue ?? "")
            }
        }
    }

    private func finish(namespace: String, name: String, uid: String) {
        context.updateStatus(type, namespace: namespace, name: name) { current in
            guard current["metadata"]?["uid"]?.stringValue == uid, current["spec"]?["suspend"]?.boolValue != true,
                !Conditions.isTrue(current, "Complete"), !Conditions.isTrue(current, "Failed")
            else { return nil }
            let spec = current["spec"]?.objectValue ?? JSONObject()
            var status = current["status"]?.objectValue ?? JSONObject()
            let now = Timestamp.now()
            var conditions = status["conditions"]?.arrayValue ?? []
            if FailureConvention.failingImage(spec["template"]?["spec"]?.objectValue) != nil {
                let message = "Job has reached the specified backoff limit"
                conditions = Conditions.set(conditions, type: "FailureTarget", status: "True", reason: "BackoffLimitExceeded", message: message, now: now)
                conditions = Conditions.set(conditions, type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: message, now: now)
                status["failed"] = .int((spec["backoffLimit"]?.intValue ?? 6) + 1)
            } else {
                let message = "Reached expected number of succeeded pods"
                conditions = Conditions.set(conditions, type: "SuccessCriteriaMet", status: "True", reason: "CompletionsReached", message: message, now: now)
                conditions = Conditions.set(conditions, type: "Complete", status: "True", reason: "CompletionsReached", message: message, now: now)
                status["succeeded"] = .int(spec["completions"]?.intValue ?? 1)
                status["completionTime"] = .string(now)
            }
            status["conditions"] = .array(conditions)
            status["active"] = nil
            status["ready"] = 0
            return status
        }
    }
}
