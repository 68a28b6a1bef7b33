import Foundation
import InletCore
import InletKafka
import InletSignatures
import Logging
import Testing
@testable import InletDeliverer

@Suite("BatchDeliverer")
struct BatchDelivererTests {
    let logger = Logger(label: "test.deliverer")
    let urlA = "http://127.0.0.1:1/a"
    let urlB = "http://127.0.0.1:1/b"

    func make(
        _ transport: ScriptedTransport, deadLetters: RecordingDeadLetters = RecordingDeadLetters(),
        subscription: Subscription? = nil, maxBodyBytes: Int = BodyPacker.hardLimitBytes, maxAttempts: Int = 4,
        gone: GoneSubscriptions = GoneSubscriptions()
    ) throws -> BatchDeliverer {
        let subscription = subscription ?? DelivererFixtures.subscription(id: "sub-a", url: urlA)
        let configuration = DelivererFixtures.configuration(subscriptions: [subscription], maxBodyBytes: maxBodyBytes,
                                                            maxAttempts: maxAttempts)
        return try BatchDeliverer(subscription: subscription, configuration: configuration, transport: transport,
                                  deadLetters: deadLetters, logger: logger, gone: gone)
    }

    func elements(of request: WebhookRequest) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [[String: Any]])
    }

    @Test("records arrive in order in signed batch bodies within the limit")
    func deliversInOrder() async throws {
        let transport = ScriptedTransport()
        let deliverer = try make(transport, maxBodyBytes: 1000)
        let batch = KafkaRecordBatch(records: (0..<40).map { DelivererFixtures.record(offset: Int64($0)) })
        try await deliverer.deliver(batch)

        let requests = transport.requests
        #expect(requests.count > 1)
        let signer = try WebhookSigner(secret: DelivererFixtures.secret)
        var ids: [String] = []
        for request in requests {
            #expect(request.body.count <= 1000)
            #expect(request.header("Content-Type") == "application/cloudevents-batch+json")
            let rejection = StandardWebhooksSignature.verify(
                id: request.header("webhook-id")?[...], timestamp: request.header("webhook-timestamp")?[...],
                signatures: request.header("webhook-signature")?[...], body: request.body, keys: [signer.key],
                now: Int64(Date().timeIntervalSince1970), toleranceSeconds: StandardWebhooksSignature.recommendedToleranceSeconds)
            #expect(rejection == nil)
            for element in try elements(of: request) { ids.append(element["id"] as? String ?? "") }
        }
        #expect(ids == (0..<40).map { "rec-0-\($0)" })
        #expect(Set(requests.compactMap { $0.header("webhook-id") }).count == requests.count)
        #expect(deliverer.statistics.recordsDelivered == 40)
        #expect(deliverer.statistics.batches == 1)
    }

    @Test("503, 503, 200 delivers once after two retries with the same webhook-id")
    func retriesThenDelivers() async throws {
        let transport = ScriptedTransport([urlA: [503, 503, 200]], retryAfter: "0")
        let deadLetters = RecordingDeadLetters()
        let deliverer = try make(transport, deadLetters: deadLetters)
        try await deliverer.deliver(KafkaRecordBatch(records: [DelivererFixtures.record(offset: 5)]))
        let requests = transport.requests
        #expect(requests.count == 3)
        #expect(Set(requests.compactMap { $0.header("webhook-id") }).count == 1)
        #expect(deadLetters.all.isEmpty)
        #expect(deliverer.statistics.retries == 2)
        #expect(deliverer.statistics.recordsDelivered == 1)
    }

    @Test("connection failures are retried")
    func connectionFailuresRetry() async throws {
        let transport = ScriptedTransport(connectionFailures: [urlA: 2])
        let deadLetters = RecordingDeadLetters()
        let deliverer = try make(transport, deadLetters: deadLetters)
        try await deliverer.deliver(KafkaRecordBatch(records: [DelivererFixtures.record(offset: 1)]))
        #expect(transport.requests.count == 3)
        #expect(deadLetters.all.isEmpty)
    }

    @Test("410 Gone dead-letters at once as subscriber_gone with the original coordinates")
    func goneIsDeadLettered() async throws {
        let transport = ScriptedTransport([urlA: [410]])
        let deadLetters = RecordingDeadLetters()
        let deliverer = try make(transport, deadLetters: deadLetters)
        let records = [DelivererFixtures.record(offset: 7, partition: 2), DelivererFixtures.record(offset: 8, partition: 2)]
        try await deliverer.deliver(KafkaRecordBatch(records: records))
        #expect(transport.requests.count == 1)
        let letters = deadLetters.all
        #expect(letters.count == 2)
        for (letter, record) in zip(letters.sorted { $0.value.count < $1.value.count }, records) {
            #expect(letter.topic == TopicName.deadLetter(.deliverer).rawValue)
            let pairs = letter.headers.map { (key: $0.key, value: $0.stringValue ?? "") }
            let info = try #require(DeadLetter(headers: pairs))
            #expect(info.errorCode == "subscriber_gone")
            #expect(info.attempts == 1)
            #expect(info.originalTopic == record.topic)
            #expect(info.originalPartition == 2)
            #expect(letter.headers.first(BatchDeliverer.subscriptionHeader) == "sub-a")
            #expect(letter.headers.first(Envelope.Header.id) != nil, "the original CloudEvents headers are kept")
        }
        #expect(Set(letters.map(\.value)) == Set(records.map(\.value)))
    }

    @Test("after 410 Gone nothing more is sent to that subscription; its later records are dead-lettered, others still delivered")
    func goneSubscriptionIsNotCalledAgain() async throws {
        // 410 on the first request only: a second request to sub-a would succeed, so none must be made.
        let transport = ScriptedTransport([urlA: [410]])
        let deadLetters = RecordingDeadLetters()
        let gone = GoneSubscriptions()
        let subscriptionA = DelivererFixtures.subscription(id: "sub-a", url: urlA)
        let subscriptionB = DelivererFixtures.subscription(id: "sub-b", url: urlB)
        let delivererA = try make(transport, deadLetters: deadLetters, subscription: subscriptionA, gone: gone)
        let delivererB = try make(transport, deadLetters: deadLetters, subscription: subscriptionB, gone: gone)
        try await delivererA.deliver(KafkaRecordBatch(records: [DelivererFixtures.record(offset: 1)]))
        #expect(delivererA.isGone)
        #expect(!delivererB.isGone)
        #expect(gone.goneIDs(among: [subscriptionA, subscriptionB]) == ["sub-a"])
        let later = KafkaRecordBatch(records: [DelivererFixtures.record(offset: 2), DelivererFixtures.record(offset: 3)])
        try await delivererA.deliver(later)
        try await delivererB.deliver(later)
        #expect(transport.requests.filter { $0.url == urlA }.count == 1)
        #expect(transport.requests.filter { $0.url == urlB }.count == 1)
        #expect(delivererB.statistics.recordsDelivered == 2)
        let laterLetters = deadLetters.all.filter { $0.headers.first(DeadLetter.Header.originalOffset) != "1" }
        #expect(laterLetters.count == 2)
        for letter in laterLetters {
            #expect(letter.headers.first(DeadLetter.Header.errorCode) == "subscriber_gone")
            #expect(letter.headers.first(DeadLetter.Header.attempts) == "0")
            #expect(letter.headers.first(BatchDeliverer.subscriptionHeader) == "sub-a")
        }
    }

    @Test("a gone mark belongs to the URL that answered 410: the same subscription at a new URL is served again")
    func goneMarkFollowsTheURL() async throws {
        let gone = GoneSubscriptions()
        let transport = ScriptedTransport([urlA: [410]])
        try await make(transport, subscription: DelivererFixtures.subscription(id: "sub-a", url: urlA), gone: gone)
            .deliver(KafkaRecordBatch(records: [DelivererFixtures.record(offset: 1)]))
        let moved = try make(transport, subscription: DelivererFixtures.subscription(id: "sub-a", url: urlB), gone: gone)
        #expect(!moved.isGone)
        try await moved.deliver(KafkaRecordBatch(records: [DelivererFixtures.record(offset: 2)]))
        #expect(transport.requests.map(\.url) == [urlA, urlB])
        #expect(moved.statistics.recordsDelivered == 1)
    }

    @Test("a 4xx other than 408/429 is rejected_<status> without retry")
    func rejectedIsNotRetried() async throws {
        let transport = ScriptedTransport([urlA: [422]])
        let deadLetters = RecordingDeadLetters()
        try await make(transport, deadLetters: deadLetters).deliver(KafkaRecordBatch(records: [DelivererFixtures.record(offset: 1)]))
        #expect(transport.requests.count == 1)
        #expect(deadLetters.all.first?.headers.first(DeadLetter.Header.errorCode) == "rejected_422")
    }

    @Test("retriable failures until the last attempt are delivery_exhausted")
    func exhausted() async throws {
        let transport = ScriptedTransport([urlA: [503]])
        let deadLetters = RecordingDeadLetters()
        try await make(transport, deadLetters: deadLetters, maxAttempts: 3).deliver(KafkaRecordBatch(records: [DelivererFixtures.record(offset: 1)]))
        #expect(transport.requests.count == 3)
        let headers = try #require(deadLetters.all.first?.headers)
        #expect(headers.first(DeadLetter.Header.errorCode) == "delivery_exhausted")
        #expect(headers.first(DeadLetter.Header.attempts) == "3")
    }

    @Test("records of models the subscription does not want are skipped, not dead-lettered")
    func otherModelsAreSkipped() async throws {
        let transport = ScriptedTransport()
        let deadLetters = RecordingDeadLetters()
        let deliverer = try make(transport, deadLetters: deadLetters)
        var otherModel = DelivererFixtures.record(offset: 0, topic: TopicName.replay(.deliverer).rawValue)
        otherModel.headers = otherModel.headers.map {
            $0.key == Envelope.Header.type ? KafkaHeader(key: $0.key, string: "inlet.model.Issue") : $0
        }
        try await deliverer.deliver(KafkaRecordBatch(records: [otherModel, DelivererFixtures.record(offset: 1)]))
        #expect(transport.requests.count == 1)
        #expect(deadLetters.all.isEmpty)
        #expect(deliverer.statistics.recordsDelivered == 1)
        #expect(deliverer.metrics.counters[.skipped] == 1)
    }

    @Test("a record too large for one body goes in chunks sharing a batch ID; a failed chunk stops the rest")
    func chunks() async throws {
        let big = Array(#"{"text":""#.utf8) + [UInt8](repeating: UInt8(ascii: "z"), count: 2500) + Array(#""}"#.utf8)
        let transport = ScriptedTransport()
        let deliverer = try make(transport, maxBodyBytes: 1000)
        try await deliverer.deliver(KafkaRecordBatch(records: [DelivererFixtures.record(offset: 3, value: big)]))
        let requests = transport.requests
        #expect(requests.count >= 3)
        #expect(requests.map { $0.header("Inlet-Chunk") } == (1...requests.count).map { "\($0)/\(requests.count)" })
        #expect(Set(requests.compactMap { $0.header("Inlet-Batch-Id") }).count == 1)
        #expect(Set(requests.compactMap { $0.header("webhook-id") }).count == requests.count)
        #expect(requests.allSatisfy { $0.header("Content-Type") == "application/octet-stream" && $0.body.count <= 1000 })
        var reassembler = ChunkReassembler()
        var element: [UInt8]?
        for request in requests {
            if case .complete(let bytes) = try reassembler.accept(
                batchID: request.header("Inlet-Batch-Id")!, chunk: BodyPacker.Chunk(headerValue: request.header("Inlet-Chunk")!)!,
                body: request.body) { element = bytes }
        }
        let reassembled = try #require(element)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(reassembled)) as? [String: Any])
        #expect((object["data"] as? [String: Any])?["text"] as? String == String(repeating: "z", count: 2500))
        #expect(deliverer.statistics.recordsChunked == 1)

        let failing = ScriptedTransport([urlA: [200, 410]])
        let deadLetters = RecordingDeadLetters()
        try await make(failing, deadLetters: deadLetters, maxBodyBytes: 1000).deliver(KafkaRecordBatch(records: [DelivererFixtures.record(offset: 3, value: big)]))
        #expect(failing.requests.count == 2)
        #expect(deadLetters.all.count == 1)
    }

    @Test("records without an envelope are dead-lettered as invalid_envelope, naming the subscription")
    func invalidEnvelope() async throws {
        let transport = ScriptedTransport()
        let deadLetters = RecordingDeadLetters()
        let bad = KafkaRecord(topic: TopicName.model(DelivererFixtures.model).rawValue, partition: 0, offset: 9, value: Array("{}".utf8))
        try await make(transport, deadLetters: deadLetters).deliver(KafkaRecordBatch(records: [bad, DelivererFixtures.record(offset: 10)]))
        #expect(transport.requests.count == 1)
        #expect(deadLetters.all.count == 1)
        #expect(deadLetters.all.first?.headers.first(DeadLetter.Header.errorCode) == "invalid_envelope")
        #expect(deadLetters.all.first?.headers.first(BatchDeliverer.subscriptionHeader) == "sub-a")
    }

    @Test("a replayed record naming a subscription goes to that subscription only; the others skip it")
    func replayTargetsOneSubscription() async throws {
        let transport = ScriptedTransport()
        let deadLetters = RecordingDeadLetters()
        let delivererA = try make(transport, deadLetters: deadLetters, subscription: DelivererFixtures.subscription(id: "sub-a", url: urlA))
        let delivererB = try make(transport, deadLetters: deadLetters, subscription: DelivererFixtures.subscription(id: "sub-b", url: urlB))
        var replayed = DelivererFixtures.record(offset: 0, topic: TopicName.replay(.deliverer).rawValue)
        replayed.headers.append(KafkaHeader(key: BatchDeliverer.subscriptionHeader, string: "sub-b"))
        try await delivererA.deliver(KafkaRecordBatch(records: [replayed]))
        try await delivererB.deliver(KafkaRecordBatch(records: [replayed]))
        #expect(transport.requests.map(\.url) == [urlB])
        #expect(deadLetters.all.isEmpty)
    }

    @Test("a redriven dead letter that fails again names its subscription once")
    func deadLetterOfADeadLetterKeepsOneSubscriptionHeader() async throws {
        let transport = ScriptedTransport([urlA: [422]])
        let deadLetters = RecordingDeadLetters()
        var replayed = DelivererFixtures.record(offset: 0, topic: TopicName.replay(.deliverer).rawValue)
        replayed.headers.append(KafkaHeader(key: BatchDeliverer.subscriptionHeader, string: "sub-a"))
        try await make(transport, deadLetters: deadLetters).deliver(KafkaRecordBatch(records: [replayed]))
        let letter = try #require(deadLetters.all.first)
        #expect(letter.headers.filter { $0.key == BatchDeliverer.subscriptionHeader }.map(\.stringValue) == ["sub-a"])
    }

    @Test("when dead letters cannot be stored, deliver throws so the batch is not committed")
    func deadLetterFailureThrows() async throws {
        let transport = ScriptedTransport([urlA: [410]])
        let deliverer = try make(transport, deadLetters: RecordingDeadLetters(failing: true))
        await #expect(throws: DelivererError.self) {
            try await deliverer.deliver(KafkaRecordBatch(records: [DelivererFixtures.record(offset: 1)]))
        }
        #expect(deliverer.statistics.batches == 0)
    }

    @Test("duplicate subscription ids and bad secrets are refused at construction")
    func validation() {
        let duplicate = DelivererFixtures.configuration(subscriptions: [DelivererFixtures.subscription(), DelivererFixtures.subscription()])
        #expect(throws: DelivererError.self) { try duplicate.validate() }
        let badSecret = DelivererFixtures.configuration(subscriptions: [
            Subscription(id: "x", url: urlA, secret: "whsec_***", models: [DelivererFixtures.model]),
        ])
        #expect(throws: DelivererError.self) { try badSecret.validate() }
    }

    @Test("subscription ids must make clean consumer group names", arguments: [
        ("crm-sync", true), ("A.b_c-9", true), ("9lives", true), (String(repeating: "x", count: 200), true),
        ("", false), ("-lead", false), (".hidden", false), ("has space", false), ("a/b", false), ("ünï", false),
        ("a,b", false), (String(repeating: "x", count: 201), false),
    ])
    func groupSafeIDs(id: String, accepted: Bool) {
        let configuration = DelivererFixtures.configuration(subscriptions: [DelivererFixtures.subscription(id: id)])
        do {
            try configuration.validate()
            #expect(accepted, "'\(id)' was accepted")
            #expect(configuration.consumerGroup(for: configuration.subscriptions[0]) == "inlet-deliverer.\(id)")
        } catch {
            #expect(!accepted, "'\(id)' was refused: \(error)")
            #expect(error.reason.contains("consumer group"))
        }
    }
}
