import InletCore
import InletKafka
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Watches a stage's consumer: exports what only the consumer knows (gap healing, assignment, lag, the producer's
/// queue) every ``Configuration/interval``, and answers the consumer part of `/readyz`.
///
/// A stage creates one at `init` (so `/readyz` can ask before the stage runs) and runs ``run(consumer:producer:)``
/// beside its consume loop, in the same task group, cancelling it when the loop ends.
///
/// Readiness: ready while the consumer is running, owns at least one partition, and the stage is not shutting down.
/// A member that owns nothing (still joining the group, or more instances than partitions) is reported not ready
/// with that reason.
public final class ConsumerMonitor: Sendable {
    public struct Configuration: Sendable {
        /// How often the consumer's state is exported. Default: 15 seconds (a typical Prometheus scrape interval).
        public var interval: Duration = .seconds(15)
        /// Whether consumer lag is measured (one OffsetFetch and one ListOffsets per owned partition per interval).
        /// Default: true.
        public var measuresLag = true
        /// How long each lag request may take. Default: 5 seconds.
        public var lagRequestTimeout: Duration = .seconds(5)

        public init() {}
    }

    /// The name of the consumer's readiness check.
    public static let checkName = "kafka_consumer"

    public let stage: Stage
    public let configuration: Configuration
    /// `stage` and the caller's extra labels: every series this monitor writes carries them.
    private let seriesLabels: [(String, String)]
    private let consumerConfiguration: KafkaConsumerConfiguration
    private let logger: Logger
    private let state = Mutex(State())

    private enum Phase: Sendable {
        case starting, consuming, draining, stopped
    }

    private struct State: Sendable {
        var phase = Phase.starting
        var consumer: KafkaConsumer?
        /// The consumer's cumulative counters at the last export, to add only the difference to the metric counters.
        var exportedGaps = 0
        var exportedGapsAccepted = 0
        var exportedDuplicates = 0
        /// Partitions that have a lag series, to remove the series of partitions given away.
        var lagSeries: Set<KafkaTopicPartition> = []
    }

    /// - Parameters:
    ///   - consumer: the settings the stage's consumer was created with (group and brokers are used to measure lag).
    ///   - labels: labels added after `stage` to every series, for a stage that runs several consumers (the
    ///     deliverer: one per subscription, labelled `subscription`), so their series do not overwrite each other.
    public init(stage: Stage, consumer: KafkaConsumerConfiguration, configuration: Configuration = Configuration(),
                labels: [(String, String)] = [], logger: Logger) {
        self.stage = stage
        self.seriesLabels = [(StageMetricName.Label.stage, stage.rawValue)] + labels
        self.consumerConfiguration = consumer
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: Readiness

    /// The consumer part of `/readyz`.
    public func readiness() -> ReadinessCheck {
        let (phase, consumer) = state.withLock { ($0.phase, $0.consumer) }
        switch phase {
        case .starting:
            return .notReady(Self.checkName, "the \(stage.rawValue) is starting; its consumer has not joined the group yet")
        case .draining:
            return .notReady(Self.checkName, "the \(stage.rawValue) is shutting down")
        case .stopped:
            return .notReady(Self.checkName, "the \(stage.rawValue) consumer has stopped")
        case .consuming:
            guard let consumer else { return .notReady(Self.checkName, "no consumer") }
            let assigned = (try? consumer.assignment()) ?? []
            if assigned.isEmpty {
                return .notReady(Self.checkName,
                                 "no partitions assigned to this instance yet (joining group \(consumerConfiguration.groupID), or more instances than partitions)")
            }
            return .ready(Self.checkName)
        }
    }

    /// Marks the stage as shutting down (`/readyz` turns unready). Called on graceful shutdown; idempotent.
    public func beginDraining() {
        state.withLock { if $0.phase != .stopped { $0.phase = .draining } }
    }

    // MARK: Running

    /// Exports the consumer's state every ``Configuration/interval`` until cancelled, then once more, and marks the
    /// consumer stopped. Graceful shutdown marks the stage draining.
    ///
    /// - Parameter producer: the stage's producer, whose outstanding records are exported; nil when it has none of
    ///   its own.
    public func run(consumer: KafkaConsumer, producer: KafkaProducer? = nil) async {
        state.withLock {
            $0.consumer = consumer
            if $0.phase == .starting { $0.phase = .consuming }
        }
        let probe = configuration.measuresLag ? KafkaLagProbe(consumer: consumer, requestTimeout: configuration.lagRequestTimeout) : nil
        await withGracefulShutdownHandler {
            while !Task.isCancelled {
                await export(consumer: consumer, producer: producer, probe: probe)
                try? await Task.sleep(for: configuration.interval)
            }
        } onGracefulShutdown: { [self] in
            beginDraining()
        }
        exportConsumerCounters(consumer)
        state.withLock {
            $0.phase = .stopped
            $0.consumer = nil
        }
    }

    private func export(consumer: KafkaConsumer, producer: KafkaProducer?, probe: KafkaLagProbe?) async {
        exportConsumerCounters(consumer)
        let stageLabel = seriesLabels
        if let producer {
            Gauge(label: StageMetricName.producerOutstandingRecords, dimensions: stageLabel).record(producer.outstandingRecords)
        }
        guard let assigned = try? consumer.assignment() else { return }
        Gauge(label: StageMetricName.assignedPartitions, dimensions: stageLabel).record(assigned.count)
        guard let probe else { return }
        let offsets: [KafkaPartitionOffsets]
        do {
            offsets = try await probe.offsets(of: assigned)
        } catch {
            logger.debug("measuring consumer lag failed; will retry", metadata: ["error": "\(error)"])
            return
        }
        for partition in offsets {
            Gauge(label: StageMetricName.consumerLag, dimensions: lagLabels(partition.topicPartition)).record(partition.lag)
        }
        // Partitions given away keep no series here: their new owner reports them, and a sum over instances stays
        // right.
        let owned = Set(offsets.map(\.topicPartition))
        let released = state.withLock { state -> Set<KafkaTopicPartition> in
            defer { state.lagSeries = owned }
            return state.lagSeries.subtracting(owned)
        }
        for partition in released {
            Gauge(label: StageMetricName.consumerLag, dimensions: lagLabels(partition)).destroy()
        }
    }

    /// Adds what the consumer's gap-healing counters grew by since the last export to the metric counters.
    private func exportConsumerCounters(_ consumer: KafkaConsumer) {
        let (gaps, accepted, duplicates) = (consumer.offsetGapsDetected, consumer.offsetGapsAccepted, consumer.duplicateRecordsDropped)
        let delta = state.withLock { state -> (Int, Int, Int) in
            defer {
                state.exportedGaps = gaps
                state.exportedGapsAccepted = accepted
                state.exportedDuplicates = duplicates
            }
            return (gaps - state.exportedGaps, accepted - state.exportedGapsAccepted, duplicates - state.exportedDuplicates)
        }
        let stageLabel = seriesLabels
        // Created even at zero, so the series exist (an alert on their rate needs them) before the first gap.
        Counter(label: StageMetricName.offsetGaps, dimensions: stageLabel).increment(by: max(0, delta.0))
        Counter(label: StageMetricName.offsetGapsAccepted, dimensions: stageLabel).increment(by: max(0, delta.1))
        Counter(label: StageMetricName.duplicateRecordsDropped, dimensions: stageLabel).increment(by: max(0, delta.2))
    }

    private func lagLabels(_ partition: KafkaTopicPartition) -> [(String, String)] {
        seriesLabels + [(StageMetricName.Label.topic, partition.topic), (StageMetricName.Label.partition, String(partition.partition))]
    }
}
