// `PipelineBench replay-bench`: how fast `inlet replay run` re-produces a filtered range into a replay topic, against
// the raw rate of reading the same range, in the same run (issue 6). Prints one JSON object.
//
// N GitHub `pull_request` deliveries (~3 KB, with their envelope headers, as on a unique topic) are preloaded into a
// scratch topic. Then, alternating for `--rounds` rounds:
// - read: a `PartitionRangeReader` over the same ranges the replay plans, with the replayer's batch size, counting
//   records and doing nothing else: the floor any replay pays;
// - replay: the real `Replayer.start` (filter, replay headers, ordered produce with every ack awaited, progress
//   recorded in PostgreSQL after each batch) into a scratch replay topic, so no running stage picks the records up.
// Rates are records scanned per second (the replay also reports how many it matched and produced). Medians are
// reported, since the machine is shared. The replay tables live in a schema of the run's own, dropped at the end.
// Both passes read the ranges `Replayer.plan` resolves for `--to end`; on Tansu those log ends can come out short of
// what was preloaded (`read_records_per_round`, `replay_scanned_per_round` show it), which does not change a rate.
import Foundation
import InletCore
import InletKafka
import InletOperations
import InletPostgres
import InletStageRuntime
import Logging

extension PipelineBench {
    /// `replay-bench [--records N] [--rounds R] [--brokers B] [--partitions P] [--postgres URL] [--filter CEL]`.
    static func replayBench() async throws {
        let total = intOption("records", 50_000)
        let rounds = max(1, intOption("rounds", 3))
        let brokers = option("brokers", "127.0.0.1:9092")
        let partitions = intOption("partitions", 4)
        let postgresURL = option("postgres", ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"]
                                 ?? "postgresql://inlet@127.0.0.1:55432/inlet")
        // Half of the records match: the filter has to parse every payload, and half of them are produced.
        let filter = try RecordFilter(option("filter", "payload.pull_request.number % 2 == 0"))
        let runID = "\(ProcessInfo.processInfo.processIdentifier)-\(Int(Date().timeIntervalSince1970))"
        let input = TopicName.scratch("replay-bench-input-\(runID)")
        let target = TopicName.scratch("replay-bench-target-\(runID)")
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: brokers), logger: logger)
        try await admin.createTopics([input, target].map { KafkaTopicSpecification(name: $0.rawValue, partitions: partitions) })
        try await ReplayBenchInput.preload(count: total, topic: input, runID: runID, brokers: brokers)

        let schema = "replay_bench_" + runID.replacingOccurrences(of: "-", with: "_")
        let postgres = PostgresClient(configuration: PostgresConfiguration(url: postgresURL, poolSize: 2))
        _ = try await postgres.query("CREATE SCHEMA \(schema)")
        let store = ReplayStore(client: postgres, tables: OperationsTables(schema: schema))
        let clients = try OperatorClients(brokers: brokers, logger: logger)
        let request = ReplayRequest(stage: .mapper, topics: [input.rawValue], from: .beginning, to: .end, filter: filter,
                                    targetTopic: target.rawValue)

        var readSamples: [Double] = []
        var replaySamples: [Double] = []
        var readRecords: [Int] = []
        var replayScanned: [Int64] = []
        var matched: Int64 = 0
        var produced: Int64 = 0
        do {
            for _ in 1...rounds {
                let read = try await ReplayBenchReadPass.run(request, brokers: brokers, clients: clients)
                readSamples.append(read.rate)
                readRecords.append(read.records)
                let (rate, report) = try await clients.withProducer { producer in
                    let replayer = Replayer(admin: clients.admin, reader: clients.reader, producer: producer, store: store, logger: logger)
                    let clock = ContinuousClock()
                    let started = clock.now
                    let report = try await replayer.start(request)
                    return (Double(report.progress.scanned) / (milliseconds(clock.now - started) / 1000), report)
                }
                guard report.status == .completed else {
                    throw ReplayBenchError("the replay ended \(report.status.rawValue) after \(report.progress.scanned) of \(total) records; check the broker")
                }
                // The replay plans `--to end` from the log ends OffsetResolver finds (Tansu's high watermark lags);
                // when it finds them short, fewer records are scanned. The rate is per record scanned either way, and
                // the counts are reported so a short plan is visible.
                replayScanned.append(report.progress.scanned)
                replaySamples.append(rate)
                matched = report.progress.matched
                produced = report.progress.produced
            }
        } catch {
            _ = try? await postgres.query("DROP SCHEMA \(schema) CASCADE")
            await postgres.close()
            throw error
        }
        _ = try await postgres.query("SET client_min_messages = warning")  // no NOTICE per dropped table on stdout
        _ = try await postgres.query("DROP SCHEMA \(schema) CASCADE")
        await postgres.close()

        let read = replayBenchMedian(readSamples)
        let replay = replayBenchMedian(replaySamples)
        emit([
            "records": total, "rounds": rounds, "partitions": partitions, "filter": filter.source ?? "true",
            "matched_last_round": matched, "produced_last_round": produced,
            "read_records_per_second": read, "replay_records_per_second": replay,
            "replay_to_read_ratio": replay / read,
            "read_samples": readSamples, "replay_samples": replaySamples, "replay_scanned_per_round": replayScanned,
            "read_records_per_round": readRecords,
        ])
    }

    static func replayBenchMedian(_ samples: [Double]) -> Double {
        let sorted = samples.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}

/// The baseline pass: read the replay's planned ranges with the replayer's reader and batch size, nothing else.
enum ReplayBenchReadPass {
    /// - Returns: records read per second, and how many were read (fewer than preloaded when the plan's log ends
    ///   came out short).
    static func run(_ request: ReplayRequest, brokers: String, clients: OperatorClients) async throws -> (rate: Double, records: Int) {
        let planner = Replayer(admin: clients.admin, reader: clients.reader, producer: nil, store: nil, logger: PipelineBench.logger)
        let positions = try await planner.plan(request)
        // A reader of its own, as `inlet replay` creates one per run.
        let reader = try KafkaPartitionReader(configuration: KafkaAdminConfiguration(brokers: brokers), logger: PipelineBench.logger)
        let ranges = PartitionRangeReader(
            reader: reader, ranges: Dictionary(uniqueKeysWithValues: positions.map { ($0.partition, (start: $0.start, end: Optional($0.end))) }))
        let clock = ContinuousClock()
        let started = clock.now
        var count = 0
        while let batch = try await ranges.nextBatch(maxRecords: Replayer.batchSize) {
            count += batch.count
        }
        let seconds = PipelineBench.milliseconds(clock.now - started) / 1000
        return (Double(count) / seconds, count)
    }
}

/// The preloaded records: GitHub `pull_request` deliveries with a received envelope, numbered 0..<count.
enum ReplayBenchInput {
    static func preload(count: Int, topic: TopicName, runID: String, brokers: String) async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: brokers), logger: PipelineBench.logger)
        let running = Task.detached { try await producer.run() }
        let sample = try Data(contentsOf: URL(fileURLWithPath: "deploy/local/samples/github/pull_request.json"))
        guard var object = try JSONSerialization.jsonObject(with: sample) as? [String: Any],
              var pullRequest = object["pull_request"] as? [String: Any] else {
            throw ReplayBenchError("deploy/local/samples/github/pull_request.json is not a pull_request payload; run from the repository root")
        }
        do {
            var start = 0
            while start < count {
                let records = try (start..<min(count, start + 1000)).map { index in
                    pullRequest["id"] = 3_000_000_000 + index
                    pullRequest["number"] = index
                    object["pull_request"] = pullRequest
                    let deliveryID = "replay-bench-\(runID)-\(index)"
                    let envelope = Envelope.received(deliveryID: deliveryID, definition: WebhookDefinition.github.name,
                                                     event: "pull_request", integration: "bench", variant: nil,
                                                     receivedAt: RFC3339.now())
                    return KafkaProducerRecord(topic: topic.rawValue, key: Array("bench/\(deliveryID)".utf8),
                                               value: Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])),
                                               headers: envelope.kafkaHeaders)
                }
                try await producer.sendAll(records)
                start += 1000
            }
        } catch {
            producer.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        producer.triggerGracefulShutdown()
        try await running.value
    }
}

struct ReplayBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
