import BosunCore
import Foundation

/// One notification, as generic JSON or as a Slack-compatible message (`text` plus one coloured
/// attachment; Mattermost, Rocket.Chat and Discord's `/slack` endpoint read the same shape).
struct NotificationMessage: Sendable, Equatable {
    var event: NotificationSpec.Event
    var app: String
    var message: String
    var severity: EventRecord.Severity
    var time: Date
    var eventID: Int64
    var target: String?
    var revision: String?
    var subject: String?
    var health: String?

    /// The engine events that are notifications, by reason. A manual rollback is a
    /// `SyncSucceeded` whose sync was triggered by `rollback`; the notifier tells them apart.
    static let eventsByReason: [String: NotificationSpec.Event] = [
        "SyncSucceeded": .syncSucceeded, "SyncFailed": .syncFailed, "HealthDegraded": .healthDegraded,
        "RolledBack": .rolledBack, "DriftDetected": .driftDetected, "PruneRefused": .pruneRefused,
    ]

    var title: String {
        switch event {
        case .syncSucceeded: "\(app): sync succeeded"
        case .syncFailed: "\(app): sync failed"
        case .healthDegraded: "\(app): health degraded"
        case .rolledBack: "\(app): rolled back"
        case .driftDetected: "\(app): drift detected"
        case .pruneRefused: "\(app): prune refused"
        }
    }

    var good: Bool { event == .syncSucceeded }

    func body(_ format: NotificationSpec.Format) -> JSONValue {
        switch format {
        case .json: json
        case .slack: slack
        }
    }

    private var json: JSONValue {
        var object: JSONObject = [
            "event": .string(event.rawValue), "application": .string(app), "title": .string(title), "message": .string(message),
            "severity": .string(severity.rawValue), "time": .string(ISO8601.format(time)), "eventId": .int(Int(eventID)),
        ]
        if let target { object["target"] = .string(target) }
        if let revision { object["revision"] = .string(revision) }
        if let subject { object["subject"] = .string(subject) }
        if let health { object["health"] = .string(health) }
        return .object(object)
    }

    private var slack: JSONValue {
        let icon = good ? ":white_check_mark:" : event == .driftDetected ? ":warning:" : event == .rolledBack ? ":rewind:" : ":x:"
        var fields: [JSONValue] = []
        if let revision, !revision.isEmpty {
            fields.append(["title": "Commit", "value": .string("\(SourceRevision.short(revision))\(subject.map { " \($0)" } ?? "")"), "short": false])
        }
        if let target { fields.append(["title": "Target", "value": .string(target), "short": true]) }
        if let health { fields.append(["title": "Health", "value": .string(health), "short": true]) }
        let color = good ? "#2eb67d" : event == .driftDetected ? "#ecb22e" : "#e01e5a"
        return [
            "text": .string("\(icon) *\(title)*: \(message)"),
            "attachments": [[
                "color": .string(color), "title": .string(title), "text": .string(message), "fields": .array(fields),
                "footer": "Bosun", "ts": .int(Int(time.timeIntervalSince1970)),
            ]],
        ]
    }
}
