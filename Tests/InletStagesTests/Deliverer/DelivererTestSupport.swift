import Foundation
import InletCore
import InletKafka
import Logging
@testable import InletDeliverer
import Synchronization

/// A deterministic generator so property-style tests are reproducible (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum DelivererFixtures {
    /// A model of the test's own (`<prefix><run>`) and its topic, created on the broker with the deliverer's replay and
    /// dead-letter topics, so a test reads only the records it produced. `run` is unique per call.
    static func freshModelTopic(_ prefix: String, brokers: String, logger: Logger) async throws
        -> (run: String, model: ModelName, topic: TopicName) {
        let run = "\(UUID().uuidString.prefix(8).lowercased())"
        let model = try ModelName("\(prefix)\(run.filter { $0.isLetter || $0.isNumber })")
        let topic = TopicName.model(model)
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: brokers), logger: logger)
        _ = try await admin.createTopics([topic, .replay(.deliverer), .deadLetter(.deliverer)].map {
            KafkaTopicSpecification(name: $0.rawValue, partitions: 1)
        })
        return (run, model, topic)
    }

    /// A JSON object of exactly `size` bytes (at least 8): `{"p":"xxxx…"}`.
    static func element(size: Int, fill: UInt8 = UInt8(ascii: "x")) -> [UInt8] {
        precondition(size >= 8)
        return Array(#"{"p":""#.utf8) + [UInt8](repeating: fill, count: size - 8) + Array(#""}"#.utf8)
    }

    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let model = try! ModelName("PullRequest")

    static func subscription(id: String = "sub-a", url: String = "http://127.0.0.1:1/inlet") -> Subscription {
        Subscription(id: id, url: url, secret: secret, models: [model])
    }

    /// A model-topic record with a valid envelope.
    static func record(offset: Int64, partition: Int32 = 0, value: [UInt8]? = nil, topic: String? = nil) -> KafkaRecord {
        let envelope = Envelope(
            id: "rec-\(partition)-\(offset)", source: "/inlet/github/acme", type: "inlet.model.PullRequest",
            time: "2026-11-21T21:04:05.123Z", subject: "acme/\(offset)", definition: "github", event: "pull_request",
            integration: "acme", receivedAt: "2026-11-21T21:04:05.123Z")
        let body = value ?? Array(#"{"integration_id":"acme","number":\#(offset)}"#.utf8)
        return KafkaRecord(topic: topic ?? TopicName.model(model).rawValue, partition: partition, offset: offset,
                           key: Array("acme/\(offset)".utf8), value: body,
                           headers: envelope.headers.map { KafkaHeader(key: $0.key, string: $0.value) })
    }

    static func configuration(
        subscriptions: [Subscription] = [subscription()], maxBodyBytes: Int = BodyPacker.hardLimitBytes,
        maxAttempts: Int = 4
    ) -> DelivererConfiguration {
        var configuration = DelivererConfiguration(subscriptions: subscriptions)
        configuration.maxBodyBytes = maxBodyBytes
        configuration.retry = RetryPolicy(baseDelay: .milliseconds(1), maxDelay: .milliseconds(5),
                                          maxAttempts: maxAttempts, maxRetryAfter: .milliseconds(20))
        configuration.requestTimeout = .seconds(5)
        return configuration
    }
}

/// Records what would have been produced to the dead-letter topic.
final class RecordingDeadLetters: DeadLetterProducer {
    let records = Mutex<[KafkaProducerRecord]>([])
    let failing: Bool

    init(failing: Bool = false) { self.failing = failing }

    func sendDeadLetter(_ record: KafkaProducerRecord) async throws {
        if failing { throw DelivererError(.deadLetterProduce, "test producer refuses") }
        records.withLock { $0.append(record) }
    }

    var all: [KafkaProducerRecord] { records.withLock { $0 } }
}

/// A transport answering from a script, per URL: each request takes the next status (the last one repeats).
final class ScriptedTransport: WebhookTransport {
    struct State {
        var script: [String: [Int]] = [:]
        var requests: [WebhookRequest] = []
        var failures: [String: Int] = [:]
    }
    let state = Mutex(State())
    let retryAfter: String?

    init(_ script: [String: [Int]] = [:], retryAfter: String? = nil, connectionFailures: [String: Int] = [:]) {
        self.retryAfter = retryAfter
        state.withLock {
            $0.script = script
            $0.failures = connectionFailures
        }
    }

    struct RefusedError: Error, CustomStringConvertible { var description: String { "connection refused (test)" } }

    func send(_ request: WebhookRequest) async throws -> WebhookResponse {
        let status: Int? = state.withLock { state in
            state.requests.append(request)
            if let remaining = state.failures[request.url], remaining > 0 {
                state.failures[request.url] = remaining - 1
                return nil
            }
            guard var statuses = state.script[request.url], !statuses.isEmpty else { return 200 }
            let status = statuses.count > 1 ? statuses.removeFirst() : statuses[0]
            state.script[request.url] = statuses
            return status
        }
        guard let status else { throw RefusedError() }
        return WebhookResponse(status: status, retryAfter: (200..<300).contains(status) ? nil : retryAfter)
    }

    var requests: [WebhookRequest] { state.withLock { $0.requests } }
}
