import BosunCore
import Foundation

/// Health of host resources from their live objects: a File is Healthy when its bytes and mode
/// are what Git says; a Process when it is ready.
enum HostHealth {
    static func file(live: Resource?, desired: Resource?) -> HealthStatus {
        guard let live, let spec = live.body["spec"]?.objectValue else { return .missing("the file does not exist on the host") }
        let path = spec["path"]?.stringValue ?? live.name
        if let target = spec["symlinkTo"]?.stringValue { return .degraded("\(path) is a symlink to \(target); Git says a regular file") }
        if spec["directory"] != nil { return .degraded("\(path) is a folder; Git says a regular file") }
        if spec["special"] != nil { return .degraded("\(path) is not a regular file") }
        guard let desired, let wantedSpec = desired.body["spec"]?.objectValue else { return .healthy() }
        if bytes(of: spec) != bytes(of: wantedSpec) { return .degraded("content of \(path) differs from Git") }
        let liveMode = (try? FileSpec.parseMode(spec["mode"], field: "")) ?? 0
        let wantedMode = (try? FileSpec.parseMode(wantedSpec["mode"], field: "")) ?? FileSpec.defaultMode
        if liveMode != wantedMode {
            return .degraded("mode of \(path) is \(FileSpec.modeText(liveMode)), Git says \(FileSpec.modeText(wantedMode))")
        }
        return .healthy()
    }

    /// The bytes a File spec stands for, from `content` or `contentBase64`.
    private static func bytes(of spec: JSONObject) -> [UInt8]? {
        if let text = spec["content"]?.stringValue { return Array(text.utf8) }
        if let encoded = spec["contentBase64"]?.stringValue {
            return Data(base64Encoded: encoded, options: .ignoreUnknownCharacters).map(Array.init)
        }
        return spec["content"] == nil ? [] : nil
    }

    /// `logTail`: the last lines of the process's log, shown when it is crash looping or ended.
    static func process(name: String, live: Resource?, logTail: [String]) -> HealthStatus {
        guard let live, let status = live.body["status"]?.objectValue else {
            return .missing("process \(name) is not running under Bosun")
        }
        let phase = status["phase"]?.stringValue.flatMap(ProcessPhase.init(rawValue:)) ?? .starting
        let restarts = status["restarts"]?.intValue ?? 0
        let lastExit = status["lastExit"]?["reason"]?.stringValue
        let message = status["message"]?.stringValue
        let policy = live.body["spec"]?["restartPolicy"]?.stringValue ?? RestartPolicy.always.rawValue
        let tail = logTail.isEmpty ? "" : "; last log lines:\n" + logTail.joined(separator: "\n")
        switch phase {
        case .ready:
            let pid = status["pid"]?.intValue.map { " as pid \($0)" } ?? ""
            return .healthy("running\(pid), ready")
        case .exited, .failed:
            return .degraded("process \(name) exited (\(lastExit ?? "unknown status")) and restartPolicy \(policy) does not restart it\(tail)")
        case .backOff, .starting, .running:
            if status["crashLoop"]?.boolValue == true {
                let next = status["backoffSeconds"]?.doubleValue.map { "; next start in \(Duration.milliseconds(Int64($0 * 1000)).shortText)" } ?? ""
                return .degraded("process \(name) is crash looping: restarted \(restarts) times, last exit: \(lastExit ?? "unknown")\(next)\(tail)")
            }
            if phase == .backOff {
                let next = status["backoffSeconds"]?.doubleValue.map { "; restarting in \(Duration.milliseconds(Int64($0 * 1000)).shortText)" } ?? ""
                return .progressing("process \(name) exited (\(lastExit ?? "unknown status"))\(next)")
            }
            return .progressing(message ?? (phase == .running ? "running, not ready" : "starting"))
        }
    }
}
