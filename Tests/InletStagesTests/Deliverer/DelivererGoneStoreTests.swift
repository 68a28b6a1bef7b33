import Foundation
import InletCore
import InletKafka
import InletPostgres
import Logging
import ServiceLifecycle
import Synchronization
import Testing
@testable import InletDeliverer

/// 410 Gone marks in the real PostgreSQL at INLET_POSTGRES_URL (a schema of their own per test), and a deliverer
/// restart against the real broker.
@Suite("Deliverer gone marks", .enabled(if: ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"] != nil
                                              && ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] != nil,
                                          "needs the local stack: source deploy/local/env.sh"))
struct DelivererGoneStoreTests {
    static var brokers: String { ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] ?? "127.0.0.1:9092" }
    static var logger: Logger { WebhookSinkTests.logger }

    /// Runs `body` with a store in a fresh schema, dropped afterwards.
    static func withStore<R>(_ body: (PostgresGoneSubscriptionStore) async throws -> R) async throws -> R {
        let url = ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"] ?? ""
        let client = PostgresClient(configuration: PostgresConfiguration(url: url, poolSize: 1, connectTimeout: .seconds(5)))
        let schema = "deliverer_gone_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await client.query("CREATE SCHEMA \(try PostgresIdentifier.quoted(schema))")
        do {
            let result = try await body(PostgresGoneSubscriptionStore(client: client, schema: schema))
            _ = try? await client.query("DROP SCHEMA \(try PostgresIdentifier.quoted(schema)) CASCADE")
            await client.close()
            return result
        } catch {
            _ = try? await client.query("DROP SCHEMA \(try PostgresIdentifier.quoted(schema)) CASCADE")
            await client.close()
            throw error
        }
    }

    @Test("marks are stored once per subscription and URL hash, read back, and deleted by subscription")
    func storeRoundTrip() async throws {
        try await Self.withStore { store in
            #expect(try await store.loadMarks().isEmpty, "the table is created on first use")
            let mark = GoneSubscriptionMark(subscriptionID: "crm", urlHash: GoneSubscriptionMark.urlHash("https://crm.example/hook?token=s3cret"),
                                            markedAt: "2026-11-22T04:00:00.250Z", statusLine: "HTTP 410 Gone")
            try await store.save(mark)
            try await store.save(mark)  // the same 410 seen by a second replica
            let other = GoneSubscriptionMark(subscriptionID: "crm", urlHash: GoneSubscriptionMark.urlHash("https://crm.example/v2"),
                                             markedAt: "2026-11-22T05:00:00.000Z", statusLine: "HTTP 410 Gone")
            try await store.save(other)
            try await store.save(GoneSubscriptionMark(subscriptionID: "ci", urlHash: "abc", markedAt: "2026-11-22T04:00:00Z", statusLine: "HTTP 410 Gone"))
            let loaded = try await store.loadMarks()
            #expect(loaded == [GoneSubscriptionMark(subscriptionID: "ci", urlHash: "abc", markedAt: "2026-11-22T04:00:00.000Z", statusLine: "HTTP 410 Gone"),
                               mark, other])
            #expect(!loaded.contains { $0.urlHash.contains("s3cret") || $0.statusLine.contains("s3cret") }, "the URL is stored only as a hash")
            #expect(try await store.removeMarks(subscriptionID: "crm") == 2)
            #expect(try await store.removeMarks(subscriptionID: "crm") == 0)
            #expect(try await store.loadMarks().map(\.subscriptionID) == ["ci"])
        }
    }

    @Test("after a restart a subscription that answered 410 is sent nothing; a new URL for it is served again")
    func goneSurvivesRestart() async throws {
        let (run, model, topic) = try await DelivererFixtures.freshModelTopic("DelivererGone", brokers: Self.brokers, logger: Self.logger)
        try await Self.withStore { store in
            let goneURL = "http://127.0.0.1:1/gone-\(run)"
            let subscription = Subscription(id: "gone-\(run)", url: goneURL, secret: DelivererFixtures.secret, models: [model])
            let configuration = Self.configuration(subscription, run: run)

            // First life: 410 on the first request marks it gone, in PostgreSQL too.
            try await Self.produce(0..<3, to: topic, run: run)
            let first = ScriptedTransport([goneURL: [410, 200]])
            let service = try await Self.runUntil(configuration, transport: first, store: store) { $0.statistics.recordsDeadLettered >= 3 }
            #expect(first.requests.count == 1)
            #expect(service.gone.goneIDs(among: [subscription]) == ["gone-\(run)"])
            #expect(try await store.loadMarks().map(\.subscriptionID) == ["gone-\(run)"])

            // Second life, a new process: the stored mark is read, the subscriber is not called.
            try await Self.produce(3..<6, to: topic, run: run)
            let second = ScriptedTransport()
            let restarted = try await Self.runUntil(configuration, transport: second, store: store) { $0.statistics.recordsDeadLettered >= 3 }
            #expect(second.requests.isEmpty, "a restart must not call a gone subscriber")
            #expect(restarted.statistics.recordsDeadLettered == 3)
            #expect(restarted.statistics.attempts == 0)

            // Third life with the URL fixed in the subscriptions file: served again (the mark was for the old URL).
            try await Self.produce(6..<8, to: topic, run: run)
            let fixedURL = "http://127.0.0.1:1/fixed-\(run)"
            var fixed = configuration
            fixed.subscriptions = [Subscription(id: subscription.id, url: fixedURL, secret: DelivererFixtures.secret, models: [model])]
            let third = ScriptedTransport()
            let served = try await Self.runUntil(fixed, transport: third, store: store) { $0.statistics.recordsDelivered >= 2 }
            #expect(Set(third.requests.map(\.url)) == [fixedURL])
            #expect(served.statistics.recordsDelivered == 2)
        }
    }

    @Test("a running deliverer adopts a mark another replica stored, and calls the subscriber again once the mark is deleted")
    func marksApplyWhileRunning() async throws {
        let (run, model, topic) = try await DelivererFixtures.freshModelTopic("DelivererGoneLive", brokers: Self.brokers, logger: Self.logger)
        try await Self.withStore { store in
            let url = "http://127.0.0.1:1/live-\(run)"
            let subscription = Subscription(id: "live-\(run)", url: url, secret: DelivererFixtures.secret, models: [model])
            var configuration = Self.configuration(subscription, run: run)
            configuration.goneMarksRefreshInterval = .milliseconds(200)
            let transport = ScriptedTransport()
            let service = try DelivererService(configuration: configuration, transport: transport, logger: Self.logger, goneStore: store)
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: Self.logger))
            let task = Task { try await group.run() }

            try await Self.produce(0..<2, to: topic, run: run)
            try await Self.wait("the first records delivered") { service.statistics.recordsDelivered >= 2 }
            let requestsWhileServed = transport.requests.count

            // Another replica got the 410 and stored the mark.
            try await store.save(GoneSubscriptionMark(subscriptionID: subscription.id, urlHash: GoneSubscriptionMark.urlHash(url),
                                                      markedAt: "2026-11-22T07:00:00.000Z", statusLine: "HTTP 410 Gone"))
            try await Self.wait("the stored mark adopted") { service.gone.isGone(subscription) }
            try await Self.produce(2..<5, to: topic, run: run)
            try await Self.wait("records of a gone subscription dead-lettered") { service.statistics.recordsDeadLettered >= 3 }
            #expect(transport.requests.count == requestsWhileServed, "a subscription another replica marked gone is not called")

            // `inlet subscriptions enable`: the mark is deleted, the subscriber is called again without a restart.
            #expect(try await store.removeMarks(subscriptionID: subscription.id) == 1)
            try await Self.wait("the deleted mark dropped") { !service.gone.isGone(subscription) }
            try await Self.produce(5..<7, to: topic, run: run)
            try await Self.wait("records delivered again") { service.statistics.recordsDelivered >= 4 }
            #expect(transport.requests.count > requestsWhileServed)
            #expect(service.statistics.recordsDeadLettered == 3)

            await group.triggerGracefulShutdown()
            try await task.value
        }
    }

    @Test("a mark whose write failed is written again by a later read of the store")
    func failedWriteIsRetried() async throws {
        let (run, model, topic) = try await DelivererFixtures.freshModelTopic("DelivererGoneRetry", brokers: Self.brokers, logger: Self.logger)
        try await Self.produce(0..<2, to: topic, run: run)
        let url = "http://127.0.0.1:1/retry-\(run)"
        let subscription = Subscription(id: "retry-\(run)", url: url, secret: DelivererFixtures.secret, models: [model])
        var configuration = Self.configuration(subscription, run: run)
        configuration.goneMarksRefreshInterval = .milliseconds(100)
        let store = FlakyGoneStore(failingSaves: 1)
        let service = try await Self.runUntil(configuration, transport: ScriptedTransport([url: [410]]), store: store) { _ in
            store.marks.withLock { $0.count } == 1
        }
        #expect(store.marks.withLock { $0.map(\.subscriptionID) } == [subscription.id])
        #expect(store.saveAttempts.withLock { $0 } >= 2, "the first write failed, a later one stored it")
        #expect(service.gone.isGone(subscription), "the mark stays in force while it cannot be written")
    }

    @Test("a store that never answers does not hold delivery back, and says the marks are in memory only")
    func unresponsiveStoreDoesNotBlock() async throws {
        let (run, model, topic) = try await DelivererFixtures.freshModelTopic("DelivererHang", brokers: Self.brokers, logger: Self.logger)
        try await Self.produce(0..<2, to: topic, run: run)
        let url = "http://127.0.0.1:1/hang-\(run)"
        let configuration = Self.configuration(
            Subscription(id: "hang-\(run)", url: url, secret: DelivererFixtures.secret, models: [model]), run: run)
        let transport = ScriptedTransport()
        let store = HangingGoneStore()
        let service = try await Self.runUntil(configuration, transport: transport, store: store) { $0.statistics.recordsDelivered >= 2 }
        #expect(service.statistics.recordsDelivered == 2)
        #expect(transport.requests.count == 1)
        #expect(store.shutdowns.withLock { $0 } == 1, "the service releases its store when it stops")
    }

    /// A deliverer configuration for `subscription` on the test broker, in groups of this run's own.
    static func configuration(_ subscription: Subscription, run: String) -> DelivererConfiguration {
        var configuration = DelivererFixtures.configuration(subscriptions: [subscription])
        configuration.kafkaBrokers = brokers
        configuration.consumerGroup = "inlet-deliverer-\(run)"
        return configuration
    }

    static func produce(_ range: Range<Int>, to topic: TopicName, run: String) async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: brokers), logger: logger)
        let task = Task { try await producer.run() }
        for index in range {
            var record = DelivererFixtures.record(offset: Int64(index), topic: topic.rawValue)
            record.headers = record.headers.map { $0.key == Envelope.Header.id ? KafkaHeader(key: $0.key, string: "\(run)-\(index)") : $0 }
            _ = try await producer.send(KafkaProducerRecord(topic: topic.rawValue, key: record.key, value: record.value, headers: record.headers))
        }
        producer.triggerGracefulShutdown()
        try await task.value
    }

    /// Polls `condition` every 20 ms for at most 30 s; fails the test with `what` when it never holds.
    static func wait(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for: \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs a deliverer until `done` holds (at most 60 s), then shuts it down gracefully.
    static func runUntil(_ configuration: DelivererConfiguration, transport: ScriptedTransport, store: any GoneSubscriptionStore,
                         _ done: (DelivererService) -> Bool) async throws -> DelivererService {
        let service = try DelivererService(configuration: configuration, transport: transport, logger: logger, goneStore: store)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: logger))
        let task = Task { try await group.run() }
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while !done(service) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        await group.triggerGracefulShutdown()
        try await task.value
        return service
    }
}

/// A store whose reads never finish (PostgreSQL unreachable behind a firewall that drops packets).
final class HangingGoneStore: GoneSubscriptionStore {
    let shutdowns = Mutex(0)

    func loadMarks() async throws -> [GoneSubscriptionMark] {
        try await Task.sleep(for: .seconds(3600))
        return []
    }

    func save(_ mark: GoneSubscriptionMark) async throws {}

    func shutdown() async { shutdowns.withLock { $0 += 1 } }
}

/// An in-memory store whose first `failingSaves` writes fail (PostgreSQL briefly down).
final class FlakyGoneStore: GoneSubscriptionStore {
    struct Unavailable: Error {}
    let marks = Mutex<[GoneSubscriptionMark]>([])
    let saveAttempts = Mutex(0)
    private let failingSaves: Int

    init(failingSaves: Int) { self.failingSaves = failingSaves }

    func loadMarks() async throws -> [GoneSubscriptionMark] { marks.withLock { $0 } }

    func save(_ mark: GoneSubscriptionMark) async throws {
        let attempt = saveAttempts.withLock { $0 += 1; return $0 }
        guard attempt > failingSaves else { throw Unavailable() }
        marks.withLock { marks in
            if !marks.contains(where: { $0.subscriptionID == mark.subscriptionID && $0.urlHash == mark.urlHash }) { marks.append(mark) }
        }
    }

    func shutdown() async {}
}
