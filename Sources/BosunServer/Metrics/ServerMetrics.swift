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
    /// `replica`: a label every series carries, when Bosun runs as replicas.
    public static func bootstrap(replica: String? = nil) {
        bootstrapped.withLock { done in
            guard !done else { return }
            var factory = PrometheusMetricsFactory(registry: registry)
            // Syncs wait for health: minutes, not milliseconds.
            let long: [Duration] = [.milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15), .seconds(30),
                                    .seconds(60), .seconds(120), .seconds(300), .seconds(600)]
            factory.durationHistogramBuckets["bosun_sync_duration_seconds"] = long
            factory.durationHistogramBuckets["bosun_reconcile_duration_seconds"] = long
            MetricsSystem.bootstrap(replica.map { ReplicaLabelledFactory(base: factory, replica: $0) as any MetricsFactory } ?? factory)
            done = true
        }
    }

    /// The process-wide registry in Prometheus text (without `bosun_app_info`, which is per server).
    public static func exposition() -> String { registry.emitToString() }
}

/// Adds `replica="NAME"` to every series, so the replicas' metrics add up without clashing.
struct ReplicaLabelledFactory: MetricsFactory {
    let base: any MetricsFactory
    let replica: String

    private func labelled(_ dimensions: [(String, String)]) -> [(String, String)] { dimensions + [("replica", replica)] }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        base.makeCounter(label: label, dimensions: labelled(dimensions))
    }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        base.makeFloatingPointCounter(label: label, dimensions: labelled(dimensions))
    }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        base.makeMeter(label: label, dimensions: labelled(dimensions))
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        base.makeRecorder(label: label, dimensions: labelled(dimensions), aggregate: aggregate)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        base.makeTimer(label: label, dimensions: labelled(dimensions))
    }
    func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { base.destroyFloatingPointCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
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
