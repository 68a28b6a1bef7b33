import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InletCore
import InletKafka
@testable import InletReceiver
import Logging
import ServiceLifecycle
import Testing

/// The receiver as the CLI runs it: a real listening server inside a `ServiceGroup`.
@Suite("ReceiverService lifecycle", .serialized)
struct ReceiverLifecycleTests {
    /// Waits (polling a condition, not a fixed sleep) until `condition` holds or `timeout` passes.
    static func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    static func post(_ request: SignedRequest, port: Int) async throws -> TestClient.Response {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await client.post(request.path, headers: request.httpFields, body: ByteBuffer(bytes: request.body))
        }
    }

    @Test func servesOnAnEphemeralPortAndStopsOnGracefulShutdown() async throws {
        var configuration = ReceiverConfiguration()
        configuration.port = 0
        let producer = try ReceiverFixtures.mockProducer()
        let service = try ReceiverFixtures.service(configuration: configuration, producer: producer)
        let group = ServiceGroup(services: [service], logger: ReceiverFixtures.quietLogger)
        let signed = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "live-1")
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Self.waitUntil { service.listeningPort != nil }
            let response = try await Self.post(signed, port: service.listeningPort!)
            #expect(response.status == .accepted)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(service.listeningPort == nil)
        #expect(service.counters.acceptedCount == 1)
        // The producer was stopped after the server: it refuses new records.
        await #expect(throws: KafkaError.self) {
            _ = try await producer.send(KafkaProducerRecord(topic: "after-shutdown", value: [1]))
        }
    }

    @Test func servesOnEventLoopsOfItsOwnAndShutsThemDownAfterwards() async throws {
        var configuration = ReceiverConfiguration()
        configuration.port = 0
        configuration.eventLoopThreads = 1
        let service = try ReceiverFixtures.service(configuration: configuration, producer: try ReceiverFixtures.mockProducer())
        #expect(!(service.eventLoops === EventLoopGroupProvider.singleton.eventLoopGroup))
        let group = ServiceGroup(services: [service], logger: ReceiverFixtures.quietLogger)
        let signed = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "own-loop-1")
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Self.waitUntil { service.listeningPort != nil }
            #expect(try await Self.post(signed, port: service.listeningPort!).status == .accepted)
            await group.triggerGracefulShutdown()
            // run() returns only after it shut its own event loops down (NIO offers no way to ask a group whether it
            // is shut down, and using one afterwards traps; returning at all proves the shutdown did not hang).
            try await tasks.waitForAll()
        }
        #expect(service.listeningPort == nil)
    }

    @Test func finishesInFlightRequestsBeforeStoppingTheProducer() async throws {
        var configuration = ReceiverConfiguration()
        configuration.port = 0
        configuration.acknowledgementTimeout = .milliseconds(500)
        let service = try ReceiverFixtures.service(configuration: configuration, producer: ReceiverFixtures.unreachableProducer())
        let group = ServiceGroup(services: [service], logger: ReceiverFixtures.quietLogger)
        let signed = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "live-2")
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Self.waitUntil { service.listeningPort != nil }
            let port = service.listeningPort!
            async let inFlight = Self.post(signed, port: port)
            try await Self.waitUntil { service.counters.inFlightCount == 1 }
            await group.triggerGracefulShutdown()
            // The request in flight is answered (503, not durable) rather than cut off.
            let response = try await inFlight
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "5")
            try await tasks.waitForAll()
        }
        #expect(service.counters.rejections(.brokerTimeout) == 1)
        #expect(service.counters.inFlightCount == 0)
    }
}
