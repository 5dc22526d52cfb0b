import BosunCore
import BosunEngine
import CoreMetrics
import Prometheus
import Synchronization

/// Prometheus text at `/metrics`, with swift-prometheus.
///
/// Counters and histograms (syncs, reconciles, Git fetches, renders, target requests, webhook
/// deliveries) are recorded through swift-metrics into one process-wide registry, bootstrapped
/// once. `bosun_app_info` is drawn from the engine at each scrape, into a registry of the
/// server's own, so two servers in one process (tests) never remove each other's series.
public enum ServerMetrics {
    /// Where swift-metrics writes once `bootstrap()` ran.
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = Mutex(false)

    /// Makes swift-metrics write to `registry`; the first call wins, later calls do nothing.
    public static func bootstrap() {
        bootstrapped.withLock { done in
            guard !done else { return }
            var factory = PrometheusMetricsFactory(registry: registry)
            // Syncs wait for health: minutes, not milliseconds.
            let long: [Duration] = [.milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15), .seconds(30),
                                    .seconds(60), .seconds(120), .seconds(300), .seconds(600)]
            factory.durationHistogramBuckets["bosun_sync_duration_seconds"] = long
            factory.durationHistogramBuckets["bosun_reconcile_duration_seconds"] = long
            MetricsSystem.bootstrap(factory)
            done = true
        }
    }

    /// The process-wide registry in Prometheus text (without `bosun_app_info`, which is per server).
    public static func exposition() -> String { registry.emitToString() }
}

/// `bosun_app_info{app,target,sync_status,health_status} 1`: one series per application, whose
/// labels follow its status (the old series goes when a label changes).
final class AppInfoMetrics: Sendable {
    static var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "bosun", metricName: "app", unitName: "info",
            helpText: "One series per application, always 1, labelled with its target, sync status and health status.")
    }
    let registry = PrometheusCollectorRegistry()
    private let series = Mutex<[String: (labels: [String], gauge: Prometheus.Gauge)]>([:])

    func update(_ statuses: [ApplicationStatus]) {
        series.withLock { series in
            let present = Set(statuses.map(\.name))
            for (app, old) in series where !present.contains(app) {
                registry.unregisterGauge(old.gauge)
                series[app] = nil
            }
            for status in statuses {
                let labels = [status.name, status.target, status.sync.status.rawValue, status.health.status.rawValue]
                if let old = series[status.name] {
                    if old.labels == labels { continue }
                    registry.unregisterGauge(old.gauge)
                }
                let gauge = registry.makeGauge(
                    descriptor: Self.descriptor, labels: zip(["app", "target", "sync_status", "health_status"], labels).map { ($0, $1) })
                gauge.set(to: 1.0)
                series[status.name] = (labels, gauge)
            }
        }
    }

    /// Scrapes: the application series, then the process-wide registry.
    func exposition(_ statuses: [ApplicationStatus]) -> String {
        update(statuses)
        return registry.emitToString() + ServerMetrics.exposition()
    }
}
