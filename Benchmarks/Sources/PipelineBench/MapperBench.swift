// `PipelineBench mapper-bench`: the mapper stage alone, against the raw consume-and-produce rate of the same records
// with no mapping, in the same run (issue 5). Prints one JSON object; Benchmarks/run-pipeline.sh reports the ratio.
//
// Both passes read the same preloaded records (GitHub `pull_request` deliveries with their envelope, as the
// deduplicator writes them to a unique topic) through a fresh consumer group with the mapper's consumer and producer
// settings, and stop once every record's output is acknowledged:
// - copy: the mapper's loop (`OverlappedBatchLoop`: the next batch is prepared while the previous one is produced
//   and committed) with no mapping: it produces each record unchanged (value and headers) to a scratch topic with
//   `KafkaProducer.sendAll`, then commits: the floor any consuming stage pays;
// - mapper: the real `MapperService` with the repository's `mappings/`, producing PullRequest records to
//   `inlet.model.pull_request`.
// Each pass's clock runs from the moment its first batch is counted as consumed to the moment its last output is
// acknowledged, so the consumer-group join (seconds on Tansu) is left out of both. `MapperService` counts a batch as
// consumed only after it mapped it, so the mapper's clock starts one batch (≤ `--batch-size` records) late: that
// favours the mapper by one batch's evaluation, about 25 µs a record (docs/mapper.md), under 1 % of a 20,000-record
// pass. The passes alternate for `--rounds` rounds and the medians are reported, since the machine is shared.
// Both passes wait on the broker the same way (fetches, acknowledgements, the consumer's pause and resume when its
// batch buffer is full), so the rate ratio shows what the mapping costs a stage as it runs today; the process CPU
// time per record, also reported, shows the mapping's own cost apart from waiting (`cpu_bound_ratio`: the rate
// ratio a CPU-bound stage would see).
import Foundation
import InletCore
import InletKafka
import InletMapper
import InletStageRuntime
import Logging
import Synchronization

extension PipelineBench {
    /// `mapper-bench [--records N] [--rounds R] [--brokers B] [--mappings DIR] [--partitions P] [--batch-size S]`.
    static func mapperBench() async throws {
        let total = intOption("records", 20_000)
        let rounds = max(1, intOption("rounds", 3))
        let brokers = option("brokers", "127.0.0.1:9092")
        let partitions = intOption("partitions", 4)
        let batchSize = intOption("batch-size", MapperConfiguration().maxBatchSize)
        let runID = "\(ProcessInfo.processInfo.processIdentifier)-\(Int(Date().timeIntervalSince1970))"

        let catalog = try MappingCatalog.load(
            directory: option("mappings", "mappings"), definitions: try DefinitionRegistry(), models: try ModelRegistry())
        guard catalog.mapping(definition: WebhookDefinition.github.name.rawValue, event: "pull_request") != nil else {
            throw MapperBenchError("the mappings directory has no github/pull_request.yaml; run from the repository root or pass --mappings")
        }

        let input = TopicName.scratch("mapper-bench-input-\(runID)")
        let copies = TopicName.scratch("mapper-bench-copies-\(runID)")
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: brokers), logger: logger)
        try await admin.createTopics([input, copies, TopicName.model(ModelDeclaration.pullRequest.name)].map {
            KafkaTopicSpecification(name: $0.rawValue, partitions: partitions)
        })
        try await MapperBenchInput.preload(
            count: total, topic: input, runID: runID, firstID: intOption("first-id", 2_000_000_000), brokers: brokers)

        var copySamples: [MapperBenchPass] = []
        var mapperSamples: [MapperBenchPass] = []
        for round in 1...rounds {
            let settings = MapperBenchSettings(
                brokers: brokers, input: input, batchSize: batchSize, records: total, groupSuffix: "\(runID)-\(round)")
            copySamples.append(try await MapperBenchCopyPass.run(settings, output: copies))
            mapperSamples.append(try await MapperBenchMapperPass.run(settings, catalog: catalog))
        }

        let copy = MapperBenchPass.median(copySamples)
        let mapper = MapperBenchPass.median(mapperSamples)
        let ratio = mapper.recordsPerSecond / copy.recordsPerSecond
        emit([
            "records": total, "rounds": rounds, "batch_size": batchSize, "partitions": partitions,
            "copy_records_per_second": copy.recordsPerSecond, "mapper_records_per_second": mapper.recordsPerSecond,
            "copy_cpu_us_per_record": copy.cpuMicrosecondsPerRecord, "mapper_cpu_us_per_record": mapper.cpuMicrosecondsPerRecord,
            // Issue 5's goal: the mapping costs less than 25 % of the raw rate, i.e. mapper / copy ≥ 0.75.
            "mapper_to_copy_ratio": ratio, "mapping_cost": 1 - ratio, "goal_mapping_cost_below": 0.25,
            "cpu_bound_ratio": copy.cpuMicrosecondsPerRecord / mapper.cpuMicrosecondsPerRecord,
            "copy_samples": copySamples.map(\.recordsPerSecond), "mapper_samples": mapperSamples.map(\.recordsPerSecond),
            "mapper_dead_letters": mapperSamples.map(\.deadLetters).reduce(0, +),
        ])
    }
}

/// What a pass needs to know; every pass gets a consumer group of its own so it reads the input from the start.
struct MapperBenchSettings: Sendable {
    let brokers: String
    let input: TopicName
    let batchSize: Int
    let records: Int
    let groupSuffix: String
}

/// One pass's result.
struct MapperBenchPass: Sendable {
    let records: Int
    let seconds: Double
    let cpuSeconds: Double
    let deadLetters: Int

    var recordsPerSecond: Double { Double(records) / seconds }
    var cpuMicrosecondsPerRecord: Double { cpuSeconds * 1e6 / Double(records) }

    /// The pass with the median rate (the lower middle one for an even count).
    static func median(_ passes: [MapperBenchPass]) -> MapperBenchPass {
        passes.sorted { $0.recordsPerSecond < $1.recordsPerSecond }[(passes.count - 1) / 2]
    }
}

struct MapperBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The input: `count` distinct pull request deliveries with the envelope headers the deduplicator writes.
enum MapperBenchInput {
    static func preload(count: Int, topic: TopicName, runID: String, firstID: Int, brokers: String) async throws {
        let bodies = try PipelineBench.pullRequestBodies(count: count, firstID: firstID)
        let receivedAt = RFC3339.now()
        let records = bodies.enumerated().map { index, body in
            let deliveryID = "mapper-bench-\(runID)-\(index)"
            let envelope = Envelope.received(
                deliveryID: deliveryID, definition: WebhookDefinition.github.name, event: "pull_request", integration: "bench",
                variant: "repository", receivedAt: receivedAt)
            return KafkaProducerRecord(topic: topic.rawValue, key: Array(deliveryID.utf8), value: body, headers: envelope.kafkaHeaders)
        }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: brokers), logger: PipelineBench.logger)
        let serving = Task { try await producer.run() }
        defer { serving.cancel() }
        var start = 0
        while start < records.count {
            let end = min(start + 5_000, records.count)
            try await producer.sendAll(Array(records[start..<end]))
            start = end
        }
        producer.triggerGracefulShutdown()
        _ = try? await serving.value
    }
}

/// Watches a pass's counters from outside and times it: from the first consumed record to the last acknowledged
/// output, with the process's CPU time over the same span (librdkafka's threads included).
struct MapperBenchStopwatch {
    /// How long a pass may take before the benchmark gives up (a stuck consumer, a broker that went away).
    static let timeout: Duration = .seconds(600)

    /// Polls `progress` (consumed, produced) every millisecond until `records` outputs are acknowledged.
    static func time(records: Int, progress: () -> (consumed: Int, produced: Int)) async throws -> (seconds: Double, cpuSeconds: Double) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var started: (ContinuousClock.Instant, Double)?
        while true {
            let (consumed, produced) = progress()
            if started == nil, consumed > 0 { started = (clock.now, processCPUSeconds()) }
            if produced >= records, let (startInstant, startCPU) = started {
                return (PipelineBench.milliseconds(clock.now - startInstant) / 1000, processCPUSeconds() - startCPU)
            }
            guard clock.now < deadline else {
                throw MapperBenchError("a pass produced \(produced) of \(records) outputs in \(timeout); is the broker up?")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// Consumes the input and produces every record unchanged: the rate of a consuming stage that does no work.
enum MapperBenchCopyPass {
    /// Counters the loop updates and the stopwatch reads.
    final class Progress: Sendable {
        let consumed = Atomic<Int>(0)
        let produced = Atomic<Int>(0)
    }

    static func run(_ settings: MapperBenchSettings, output: TopicName) async throws -> MapperBenchPass {
        // The mapper's consumer and producer settings (MapperService), so only the work in between differs.
        let mapperDefaults = MapperConfiguration()
        var consumerConfiguration = KafkaConsumerConfiguration(
            groupID: "mapper-bench-copy-\(settings.groupSuffix)", topics: [settings.input.rawValue], brokers: settings.brokers)
        consumerConfiguration.clientID = "mapper-bench-copy"
        consumerConfiguration.maxBatchSize = settings.batchSize
        consumerConfiguration.sessionTimeout = mapperDefaults.sessionTimeout
        consumerConfiguration.heartbeatInterval = min(.seconds(2), mapperDefaults.sessionTimeout / 3)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: PipelineBench.logger)
        var producerConfiguration = KafkaProducerConfiguration(brokers: settings.brokers)
        producerConfiguration.clientID = "mapper-bench-copy"
        producerConfiguration.lingerMilliseconds = mapperDefaults.producerLingerMilliseconds
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: PipelineBench.logger)

        let progress = Progress()
        let records = settings.records
        let loop = Task {
            try await ConsumingStage.run(stage: "mapper-bench-copy", consumer: consumer, producer: producer, logger: PipelineBench.logger) {
                // The mapper's loop (OverlappedBatchLoop) with no mapping: preparing is building the copies.
                try await OverlappedBatchLoop.run(
                    consumer.batches, unfinished: UnfinishedBatches(),
                    prepare: { batch in
                        progress.consumed.add(batch.records.count, ordering: .relaxed)
                        return batch.records.map {
                            KafkaProducerRecord(topic: output.rawValue, key: $0.key, value: $0.value, headers: $0.headers)
                        }
                    },
                    finish: { batch, copies in
                        try await producer.sendAll(copies)
                        let produced = progress.produced.add(batch.records.count, ordering: .relaxed).newValue
                        try await consumer.commit(batch)
                        if produced >= records { consumer.triggerGracefulShutdown() }
                    },
                    onFailure: { consumer.triggerGracefulShutdown() })
            }
        }
        let timing: (seconds: Double, cpuSeconds: Double)
        do {
            timing = try await MapperBenchStopwatch.time(records: records) {
                (progress.consumed.load(ordering: .relaxed), progress.produced.load(ordering: .relaxed))
            }
        } catch {
            loop.cancel()
            throw error
        }
        try await loop.value
        return MapperBenchPass(records: records, seconds: timing.seconds, cpuSeconds: timing.cpuSeconds, deadLetters: 0)
    }
}

/// Runs the real mapper stage on the input until it has produced a model record for every input record.
enum MapperBenchMapperPass {
    static func run(_ settings: MapperBenchSettings, catalog: MappingCatalog) async throws -> MapperBenchPass {
        var configuration = MapperConfiguration()
        configuration.brokers = settings.brokers
        configuration.consumerGroup = "mapper-bench-\(settings.groupSuffix)"
        configuration.maxBatchSize = settings.batchSize
        let service = try MapperService(
            configuration: configuration, catalog: catalog, topics: [settings.input], logger: PipelineBench.logger)
        let serving = Task { try await service.run() }
        // Cancelling `run()` stops the consumer like a graceful shutdown; by then every output is acknowledged.
        defer { serving.cancel() }
        let metrics = service.metrics
        let timing = try await MapperBenchStopwatch.time(records: settings.records) {
            // Dead letters count as outputs, so a broken mapping ends the pass instead of hanging it; they are reported.
            (metrics.recordsConsumed, metrics.recordsProduced + metrics.deadLettersTotal)
        }
        serving.cancel()
        _ = try? await serving.value
        return MapperBenchPass(
            records: settings.records, seconds: timing.seconds, cpuSeconds: timing.cpuSeconds, deadLetters: metrics.deadLettersTotal)
    }
}
