import BosunCore
import Foundation

extension PodmanTarget {
    /// Changes Podman reported for Bosun's containers (a container died, was removed, restarted),
    /// so drift is looked at within about a second instead of at the next interval.
    public func changes() -> AsyncStream<TargetChange> {
        AsyncStream { continuation in
            subscribers.withLock { $0.append(continuation) }
        }
    }

    /// Follows `/libpod/events` filtered by Bosun's label; reconnects when the stream drops and
    /// asks for what was missed since the last event seen.
    func startEvents() {
        let task = Task { [weak self] in
            var since: Int?
            var delay = Duration.milliseconds(500)
            while !Task.isCancelled {
                guard let self else { return }
                do {
                    try await self.follow(since: &since)
                    delay = .milliseconds(500)
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("podman events stream dropped; reconnecting", metadata: ["target": "\(self.name)", "error": "\(error)"])
                }
                await self.snapshots.setStreaming(false)
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
        eventsTask.withLock { $0 = task }
    }

    private func follow(since: inout Int?) async throws {
        var query = [PodmanClient.filters([
            "label": ["\(PodmanManifests.managedLabel)=\(PodmanManifests.managedValue)"], "type": ["container"],
        ]), ("stream", "true")]
        if let since { query.append(("since", "\(since)")) }
        let lines = try await client.lines(.init(path: "/events", query: query, operation: "events"), timeout: nil)
        await snapshots.setStreaming(true)
        for try await line in lines {
            guard let event = try? JSONParser.parse(line) else { continue }
            if let time = event["time"]?.intValue { since = time }
            await snapshots.invalidate()
            let action = event["Action"]?.stringValue ?? event["status"]?.stringValue ?? ""
            guard ["died", "remove", "stop", "kill", "start", "restart", "pause", "unpause", "health_status", "oom"].contains(action) else { continue }
            let attributes = event["Actor"]?["Attributes"]
            guard let tracking = attributes?[Annotations.trackingID]?.stringValue, let parsed = PodmanManifests.key(fromTracking: tracking) else { continue }
            if busy.withLock({ $0.contains(tracking) }) { continue }
            let container = attributes?["name"]?.stringValue ?? "?"
            let change = TargetChange(app: attributes?[Annotations.appLabel]?.stringValue ?? parsed.app, key: parsed.key, reason: "container \(container): \(action)")
            for subscriber in subscribers.withLock({ $0 }) { subscriber.yield(change) }
        }
    }
}
