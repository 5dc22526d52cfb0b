import BosunCore
import Foundation
import Metrics

/// The engine's Prometheus figures, through swift-metrics (a no-op until the process bootstraps
/// a metrics backend; `bosun serve` bootstraps swift-prometheus). One name, one set of label
/// names: Prometheus refuses a family whose labels differ between series.
enum EngineMetrics {
    /// `bosun_sync_total{app,result,trigger}` and `bosun_sync_duration_seconds{app}`.
    static func syncFinished(app: String, result: SyncResult, trigger: SyncTrigger, duration: Duration) {
        Counter(label: "bosun_sync_total", dimensions: [("app", app), ("result", result.rawValue), ("trigger", trigger.rawValue)])
            .increment()
        Metrics.Timer(label: "bosun_sync_duration_seconds", dimensions: [("app", app)]).record(duration: duration)
    }

    /// `bosun_reconcile_duration_seconds{trigger}` and `bosun_reconcile_total{app,trigger}`: one
    /// look at an application (resolve, render, compare, and the sync it decided on).
    static func reconciled(app: String, trigger: SyncTrigger, duration: Duration) {
        Counter(label: "bosun_reconcile_total", dimensions: [("app", app), ("trigger", trigger.rawValue)]).increment()
        Metrics.Timer(label: "bosun_reconcile_duration_seconds", dimensions: [("trigger", trigger.rawValue)]).record(duration: duration)
    }

    /// `bosun_git_fetch_total{repository,result}` and `bosun_git_fetch_duration_seconds{repository}`.
    static func fetched(repository: String, succeeded: Bool, duration: Duration) {
        Counter(label: "bosun_git_fetch_total", dimensions: [("repository", repository), ("result", succeeded ? "success" : "failure")])
            .increment()
        Metrics.Timer(label: "bosun_git_fetch_duration_seconds", dimensions: [("repository", repository)]).record(duration: duration)
    }

    /// `bosun_render_duration_seconds{renderer}`: renders that missed the cache.
    static func rendered(renderer: String, duration: Duration) {
        Metrics.Timer(label: "bosun_render_duration_seconds", dimensions: [("renderer", renderer)]).record(duration: duration)
    }
}

extension SyncOutcome {
    /// How the sync is recorded in history and counted.
    var result: SyncResult {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        case .interrupted: .interrupted
        case .terminated: .terminated
        }
    }
}
