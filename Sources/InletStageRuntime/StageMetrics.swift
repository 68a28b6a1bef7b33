import InletCore
import InletKafka
import Metrics

/// The metrics of one consuming stage (names in ``StageMetricName``) together with the in-memory ``counters`` that
/// tests and shutdown logs read: each method updates both.
///
/// Metrics go to whatever swift-metrics backend the process bootstrapped (Prometheus in the `inlet` executable, see
/// `InletMetrics`), or to a task-local factory bound with `withMetricsFactory`; without either they cost next to
/// nothing (swift-metrics' no-op backend), so stages and their tests need no set-up.
///
/// Handles are made per call rather than cached: the backend returns the existing series for a name and label set,
/// and a call happens per batch, not per record.
public final class StageMetrics: Sendable {
    public let stage: Stage
    /// The in-memory counts (consumed, forwarded, skipped, dead-lettered, committed batches).
    public let counters: StageCounters
    private let stageLabel: [(String, String)]

    public init(stage: Stage, counters: StageCounters = StageCounters()) {
        self.stage = stage
        self.counters = counters
        self.stageLabel = [(StageMetricName.Label.stage, stage.rawValue)]
    }

    /// A batch was taken from the consumer: counts it in ``counters`` and exports it (``exportReceived(_:)``).
    public func received(_ batch: KafkaRecordBatch) {
        counters.add(.consumed, batch.records.count)
        exportReceived(batch)
    }

    /// Exports a received batch without touching ``counters``, for a stage that counts consumed records itself:
    /// records by input topic, replayed records (header `ce_inletreplayid`) by topic, and the batch size.
    public func exportReceived(_ batch: KafkaRecordBatch) {
        var consumed: [String: Int] = [:]
        var replayed: [String: Int] = [:]
        for record in batch.records {
            consumed[record.topic, default: 0] += 1
            if record.isReplayed { replayed[record.topic, default: 0] += 1 }
        }
        for (topic, count) in consumed {
            Counter(label: StageMetricName.recordsConsumed, dimensions: labels(topic: topic)).increment(by: count)
        }
        for (topic, count) in replayed {
            Counter(label: StageMetricName.recordsReplayed, dimensions: labels(topic: topic)).increment(by: count)
        }
        Recorder(label: StageMetricName.batchRecords, dimensions: stageLabel).record(batch.records.count)
    }

    /// Records written to the stage's output.
    public func forwarded(_ count: Int) {
        guard count > 0 else { return }
        counters.add(.forwarded, count)
        Counter(label: StageMetricName.recordsForwarded, dimensions: stageLabel).increment(by: count)
    }

    /// Records deliberately not forwarded; `reason` is a stable code such as `repeat` or `filtered`.
    public func skipped(_ count: Int, reason: String) {
        guard count > 0 else { return }
        counters.add(.skipped, count)
        Counter(label: StageMetricName.recordsSkipped, dimensions: labels(reason: reason)).increment(by: count)
    }

    /// Records stored on the stage's dead-letter topic; `reason` is their `inlet-dlq-error-code`.
    public func deadLettered(_ count: Int, reason: String) {
        guard count > 0 else { return }
        counters.add(.deadLettered, count)
        Counter(label: StageMetricName.recordsDeadLettered, dimensions: labels(reason: reason)).increment(by: count)
    }

    /// Dead letters by `inlet-dlq-error-code`.
    public func deadLettered(byReason counts: [String: Int]) {
        for (reason, count) in counts { deadLettered(count, reason: reason) }
    }

    /// How long a batch took from receipt until its output was durable (retries included).
    public func batchProcessed(in duration: Duration) {
        Timer(label: StageMetricName.batchDuration, dimensions: stageLabel).recordNanoseconds(duration.nanosecondsClamped)
    }

    /// An attempt at a batch failed and will be retried (``BatchRetry``).
    public func batchAttemptFailed() {
        counters.add(.failedAttempts, 1)
        Counter(label: StageMetricName.batchAttemptsFailed, dimensions: stageLabel).increment()
    }

    /// Commits `batch` on `consumer`, timing the commit and counting it (``StageCounters/Counter/committedBatches``)
    /// or its failure.
    /// - Throws: the commit's error, unchanged.
    public func commit(_ batch: KafkaRecordBatch, on consumer: KafkaConsumer) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await consumer.commit(batch)
        } catch {
            Counter(label: StageMetricName.commitFailures, dimensions: stageLabel).increment()
            throw error
        }
        Timer(label: StageMetricName.commitDuration, dimensions: stageLabel).recordNanoseconds((clock.now - start).nanosecondsClamped)
        counters.add(.committedBatches, 1)
        Counter(label: StageMetricName.batchesCommitted, dimensions: stageLabel).increment()
    }

    /// `stage` first, then `topic`: one fixed order, so one label set is one series.
    private func labels(topic: String) -> [(String, String)] {
        stageLabel + [(StageMetricName.Label.topic, topic)]
    }

    private func labels(reason: String) -> [(String, String)] {
        stageLabel + [(StageMetricName.Label.reason, reason)]
    }
}

extension KafkaRecord {
    /// Whether the record was re-produced by `inlet replay` or `inlet dlq redrive` (it carries `ce_inletreplayid`).
    public var isReplayed: Bool { headers.contains { $0.key == Envelope.Header.replayID } }
}

extension Duration {
    /// Whole nanoseconds, clamped to `Int64` (a duration of centuries saturates instead of trapping).
    public var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflowAdding) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowAdding ? (seconds < 0 ? .min : .max) : total
    }
}
