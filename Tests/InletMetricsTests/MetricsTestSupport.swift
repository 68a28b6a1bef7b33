import CoreMetrics
import Foundation
import InletKafka
import InletMetrics
import InletStageRuntime
import Logging
import Prometheus

/// A Prometheus registry of one test's own, bound as the task-local swift-metrics factory while `run` executes, so
/// tests run in parallel without a process-wide bootstrap and read exactly what their code exported.
struct MetricsScope: Sendable {
    let registry = PrometheusCollectorRegistry()
    let descriptions: [MetricDescription]

    init(descriptions: [MetricDescription] = StageMetricName.descriptions) {
        self.descriptions = descriptions
    }

    var exposition: PrometheusExposition { PrometheusExposition(registry: registry, descriptions: descriptions) }

    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withMetricsFactory(InletMetricsSystem.makeFactory(registry: registry, descriptions: descriptions)) {
            try await body()
        }
    }

    /// Every sample of the exposition.
    var samples: [MetricSample] { MetricSample.parse(exposition.text()) }

    /// The value of the sample named `name` whose labels include `labels`; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
    }
}

/// One line of the text exposition: `name{key="value",…} value`.
struct MetricSample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double

    static func parse(_ text: String) -> [MetricSample] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                return nil
            }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return MetricSample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            // Label values here never contain `",` (they are names and codes).
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].components(separatedBy: "\",") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                labels[String(pair[..<equals])] = String(pair[pair.index(equals, offsetBy: 2)...]).replacingOccurrences(of: "\"", with: "")
            }
            return MetricSample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }
}

enum MetricsTestEnvironment {
    static var brokers: String? { ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] }
    static var postgresURL: String? { ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"] }

    static var logger: Logger {
        var logger = Logger(label: "inlet.metrics.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["INLET_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }

    /// A name no other test run uses.
    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
    static func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}

/// The label keys any Inlet series may carry (`le` is the histogram bucket bound the backend adds). A new key is a
/// deliberate decision: it must be bounded and never carry a secret.
let allowedMetricLabelKeys: Set<String> = [
    "stage", "topic", "partition", "reason", "model", "definition", "subscription", "outcome", "status", "operation", "le",
]
