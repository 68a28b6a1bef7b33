import CoreMetrics
import InletStageRuntime
import Prometheus
import Synchronization

/// The process's metrics backend: one Prometheus registry behind swift-metrics, bootstrapped once.
///
/// The stages only use the swift-metrics API (`Counter`, `Timer`, `Gauge`, …); the `inlet` executable calls
/// ``bootstrap(descriptions:)`` before it builds them, and the ``AdminServer`` (or the receiver's `GET /metrics`)
/// renders ``exposition`` on every scrape. Code that never bootstraps — unit tests, embedding — keeps swift-metrics'
/// no-op backend. Tests that want to read metrics bind a factory of their own for their task with
/// `withMetricsFactory(InletMetricsSystem.makeFactory(registry: registry, descriptions: …)) { … }`, which needs no
/// global state.
public enum InletMetricsSystem {
    private static let bootstrapped = Mutex<PrometheusExposition?>(nil)

    /// Bootstraps swift-metrics with a Prometheus factory over a new registry, once per process; later calls return
    /// the first exposition and change nothing.
    ///
    /// - Parameter descriptions: every metric the process may publish (``MetricDescription``), for `# HELP` lines
    ///   and histogram buckets.
    /// - Important: `MetricsSystem.bootstrap` may run once per process: do not bootstrap swift-metrics elsewhere.
    @discardableResult
    public static func bootstrap(descriptions: [MetricDescription]) -> PrometheusExposition {
        bootstrapped.withLock { current in
            if let current { return current }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(makeFactory(registry: registry, descriptions: descriptions))
            let exposition = PrometheusExposition(registry: registry, descriptions: descriptions)
            current = exposition
            return exposition
        }
    }

    /// The exposition of the bootstrapped registry; nil until ``bootstrap(descriptions:)`` ran.
    public static var exposition: PrometheusExposition? { bootstrapped.withLock { $0 } }

    /// A Prometheus factory over `registry` with the histogram buckets of `descriptions` (the backend's defaults for
    /// the others).
    public static func makeFactory(registry: PrometheusCollectorRegistry, descriptions: [MetricDescription]) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        for description in descriptions {
            if let buckets = description.durationBuckets { factory.durationHistogramBuckets[description.name] = buckets }
            if let buckets = description.valueBuckets { factory.valueHistogramBuckets[description.name] = buckets }
        }
        return factory
    }
}
