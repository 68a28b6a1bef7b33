import Foundation
import InletCore
import InletHTTPClient
import InletKafka
import InletSink
import Logging
import Testing
@testable import InletDeliverer

/// The deliverer against the sink over real HTTP (libcurl client, Hummingbird server on 127.0.0.1), no Kafka.
@Suite("WebhookSink")
struct WebhookSinkTests {
    static var logger: Logger {
        var logger = Logger(label: "inlet.deliverer.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["INLET_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }

    /// Runs a sink on a free port and a curl-backed deliverer pointed at it.
    func withSink(
        script: [Int] = [], sinkSecret: String = DelivererFixtures.secret, maxRecordsPerBody: Int = 1000,
        deadLetters: RecordingDeadLetters = RecordingDeadLetters(),
        _ body: @Sendable (WebhookSink, BatchDeliverer) async throws -> Void
    ) async throws {
        var sinkConfiguration = WebhookSinkConfiguration(secret: sinkSecret, port: 0)
        sinkConfiguration.statusScript = script
        let sink = try WebhookSink(configuration: sinkConfiguration, logger: Self.logger)
        let client = try HTTPClient(logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sink.run() }
            let url = await sink.url()
            var configuration = DelivererFixtures.configuration(subscriptions: [DelivererFixtures.subscription(url: url)])
            configuration.maxRecordsPerBody = maxRecordsPerBody
            let deliverer = try BatchDeliverer(configuration: configuration, transport: CurlWebhookTransport(client: client),
                                               deadLetters: deadLetters, logger: Self.logger)
            do {
                try await body(sink, deliverer)
            } catch {
                group.cancelAll()
                await client.shutdown()
                throw error
            }
            group.cancelAll()
        }
        await client.shutdown()
    }

    static func records(_ count: Int, size: Int, from offset: Int64 = 0) -> [KafkaRecord] {
        (0..<count).map { index in
            let filler = String(repeating: "r", count: max(0, size - 40))
            return DelivererFixtures.record(offset: offset + Int64(index),
                                            value: Array(#"{"integration_id":"acme","n":\#(index),"f":"\#(filler)"}"#.utf8))
        }
    }

    @Test("the stats endpoint counts verified records")
    func statsCountRecords() async throws {
        try await withSink { sink, deliverer in
            try await deliverer.deliver(KafkaRecordBatch(records: Self.records(3, size: 100)))
            let client = try HTTPClient(logger: Self.logger)
            let response = try await client.execute(HTTPRequest(url: await sink.url() + "/stats"))
            await client.shutdown()
            #expect(response.status == 200)
            let stats = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int]
            #expect(stats?["records"] == 3)
            #expect(stats?["signature_failures"] == 0)
        }
    }

    @Test("batches arrive verified, in order, each body at most 300,000 bytes")
    func batchesArriveVerified() async throws {
        try await withSink { sink, deliverer in
            try await deliverer.deliver(KafkaRecordBatch(records: Self.records(400, size: 3000)))
            let snapshot = sink.snapshot()
            #expect(snapshot.signatureFailures == 0)
            #expect(snapshot.records.map(\.id) == (0..<400).map { "rec-0-\($0)" })
            #expect(snapshot.acceptedBodies.count > 1)
            #expect(snapshot.acceptedBodies.allSatisfy { $0.count <= BodyPacker.hardLimitBytes })
            #expect(snapshot.acceptedBodies.dropLast().allSatisfy { $0.count > BodyPacker.hardLimitBytes - 3200 },
                    "bodies are filled close to the limit")
        }
    }

    @Test("a 1 MB record arrives in chunks and is reassembled exactly")
    func oneMegabyteRecord() async throws {
        let big = Array(#"{"integration_id":"acme","blob":""#.utf8) + [UInt8](repeating: UInt8(ascii: "b"), count: 1_000_000) + Array(#""}"#.utf8)
        try await withSink { sink, deliverer in
            let records = [DelivererFixtures.record(offset: 0), DelivererFixtures.record(offset: 1, value: big), DelivererFixtures.record(offset: 2)]
            try await deliverer.deliver(KafkaRecordBatch(records: records))
            let snapshot = sink.snapshot()
            #expect(snapshot.records.map(\.id) == ["rec-0-0", "rec-0-1", "rec-0-2"])
            let reassembled = try #require(snapshot.records.first { $0.wasChunked })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(reassembled.element)) as? [String: Any])
            #expect(((object["data"] as? [String: Any])?["blob"] as? String)?.utf8.count == 1_000_000)
            #expect(snapshot.largestBody <= BodyPacker.hardLimitBytes)
            #expect(snapshot.acceptedBodies.count == 2 + 4)
        }
    }

    @Test("503, 503, then 200 delivers exactly once")
    func retriesDeliverOnce() async throws {
        let deadLetters = RecordingDeadLetters()
        try await withSink(script: [503, 503], deadLetters: deadLetters) { sink, deliverer in
            try await deliverer.deliver(KafkaRecordBatch(records: Self.records(3, size: 200)))
            let snapshot = sink.snapshot()
            #expect(snapshot.scriptedFailures == 2)
            #expect(snapshot.records.count == 3)
            #expect(snapshot.acceptedBodies.count == 1)
            #expect(deadLetters.all.isEmpty)
            #expect(deliverer.statistics.retries == 2)
        }
    }

    @Test("410 Gone dead-letters the records as subscriber_gone")
    func goneDeadLetters() async throws {
        let deadLetters = RecordingDeadLetters()
        try await withSink(script: [410], deadLetters: deadLetters) { sink, deliverer in
            try await deliverer.deliver(KafkaRecordBatch(records: Self.records(2, size: 200)))
            #expect(sink.snapshot().records.isEmpty)
            #expect(deadLetters.all.count == 2)
            #expect(deadLetters.all.allSatisfy { $0.headers.first(DeadLetter.Header.errorCode) == "subscriber_gone" })
        }
    }

    @Test("a request signed with another secret is answered 401 and dead-lettered as rejected_401")
    func wrongSecret() async throws {
        let deadLetters = RecordingDeadLetters()
        try await withSink(sinkSecret: "whsec_" + "b3RoZXItc2VjcmV0LW9mLXRoZS1zaW5r", deadLetters: deadLetters) { sink, deliverer in
            try await deliverer.deliver(KafkaRecordBatch(records: Self.records(1, size: 200)))
            #expect(sink.snapshot().signatureFailures == 1)
            #expect(deadLetters.all.first?.headers.first(DeadLetter.Header.errorCode) == "rejected_401")
        }
    }

    @Test("throughput to the local sink (figures printed; asserts completeness only)")
    func throughput() async throws {
        let records = Self.records(20_000, size: 500)
        // Baseline from the same run: the deliverer alone (packing, signing) with an in-memory transport.
        let transport = ScriptedTransport()
        let alone = try BatchDeliverer(configuration: DelivererFixtures.configuration(), transport: transport,
                                       deadLetters: RecordingDeadLetters(), logger: Self.logger)
        let clock = ContinuousClock()
        let started = clock.now
        for start in stride(from: 0, to: records.count, by: 1000) {
            try await alone.deliver(KafkaRecordBatch(records: Array(records[start..<start + 1000])))
        }
        let aloneSeconds = (clock.now - started).seconds
        #expect(alone.statistics.recordsDelivered == records.count)
        print("deliverer alone (in-memory transport): \(records.count) records in \(String(format: "%.2f", aloneSeconds)) s = \(Int(Double(records.count) / aloneSeconds)) records/s, \(transport.requests.count) bodies")
        for perBody in [1000, 1] {
            let subset = perBody == 1 ? Array(records.prefix(2000)) : records
            try await withSink(maxRecordsPerBody: perBody) { sink, deliverer in
                let clock = ContinuousClock()
                let started = clock.now
                for start in stride(from: 0, to: subset.count, by: 1000) {
                    try await deliverer.deliver(KafkaRecordBatch(records: Array(subset[start..<min(subset.count, start + 1000)])))
                }
                let elapsed = (clock.now - started).seconds
                let snapshot = sink.snapshot()
                #expect(snapshot.records.count == subset.count)
                print("deliverer→sink: \(subset.count) records of ~500 B, \(perBody) per body: \(snapshot.acceptedBodies.count) requests in \(String(format: "%.2f", elapsed)) s = \(Int(Double(subset.count) / elapsed)) records/s, \(Int(Double(snapshot.acceptedBodies.count) / elapsed)) requests/s")
            }
        }
    }
}
