import InletKafka
import Testing

/// Producer behaviour on librdkafka's mock cluster (no broker needed).
@Suite struct KafkaProducerTests {
    @Test func sendReturnsThePartitionAndOffsetOfTheAcknowledgedRecord() async throws {
        let producer = try KafkaProducer(configuration: mockProducerConfiguration(), logger: TestBroker.logger)
        let reports = try await withRunning(producer) {
            var reports: [KafkaDeliveryReport] = []
            for index in 0..<3 {
                reports.append(try await producer.send(KafkaProducerRecord(topic: "orders", partition: 1, value: [UInt8(index)])))
            }
            return reports
        }
        #expect(reports.map(\.partition) == [1, 1, 1])
        #expect(reports.map(\.offset) == [0, 1, 2])
        #expect(reports.allSatisfy { $0.topic == "orders" })
    }

    @Test func manyConcurrentSendsAreAllAcknowledgedWithDistinctOffsets() async throws {
        let producer = try KafkaProducer(configuration: mockProducerConfiguration(), logger: TestBroker.logger)
        let reports = try await withRunning(producer) {
            try await withThrowingTaskGroup(of: [KafkaDeliveryReport].self) { group in
                for worker in 0..<64 {
                    group.addTask {
                        var reports: [KafkaDeliveryReport] = []
                        for index in 0..<50 {
                            let record = KafkaProducerRecord(
                                topic: "bulk", key: Array("\(worker)-\(index)".utf8), value: [UInt8](repeating: 1, count: 100),
                                headers: [KafkaHeader(key: "ce_id", string: "\(worker)-\(index)")]
                            )
                            reports.append(try await producer.send(record))
                        }
                        return reports
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        #expect(reports.count == 64 * 50)
        #expect(Set(reports.map { "\($0.partition)/\($0.offset)" }).count == reports.count)
    }

    @Test func aRecordLargerThanTheLimitIsRefusedWithANonRetriableError() async throws {
        var configuration = mockProducerConfiguration()
        configuration.extraProperties["message.max.bytes"] = "1000"
        let producer = try KafkaProducer(configuration: configuration, logger: TestBroker.logger)
        let error = try await withRunning(producer) {
            await #expect(throws: KafkaError.self) {
                _ = try await producer.send(KafkaProducerRecord(topic: "big", value: [UInt8](repeating: 0, count: 5000)))
            }
        }
        #expect(error?.code == .produce)
        #expect(error?.isRetriable == false)
    }

    @Test func sendsBackOffWhileTheLocalQueueIsFullAndAllSucceed() async throws {
        var configuration = mockProducerConfiguration()
        configuration.maxQueuedMessages = 2
        let producer = try KafkaProducer(configuration: configuration, logger: TestBroker.logger)
        let reports = try await withRunning(producer) {
            try await withThrowingTaskGroup(of: KafkaDeliveryReport.self) { group in
                for index in 0..<40 { group.addTask { try await producer.send(KafkaProducerRecord(topic: "small", value: [UInt8(index)])) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(reports.count == 40)
    }

    @Test func aQueueThatStaysFullThrowsARetriableQueueFullError() async throws {
        var configuration = mockProducerConfiguration()
        configuration.maxQueuedMessages = 1
        configuration.queueFullTimeout = .zero
        configuration.lingerMilliseconds = 1000  // keeps the first record queued
        let producer = try KafkaProducer(configuration: configuration, logger: TestBroker.logger)
        let errors: [KafkaError] = try await withRunning(producer) {
            await withTaskGroup(of: KafkaError?.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        do {
                            _ = try await producer.send(KafkaProducerRecord(topic: "full", value: [UInt8(index)]))
                            return nil
                        } catch let error as KafkaError {
                            return error
                        } catch {
                            return nil
                        }
                    }
                }
                return await group.reduce(into: [KafkaError]()) { if let error = $1 { $0.append(error) } }
            }
        }
        #expect(!errors.isEmpty)
        #expect(errors.allSatisfy { $0.code == .queueFull && $0.isRetriable })
    }

    @Test func sendAfterShutdownThrowsShutDown() async throws {
        let producer = try KafkaProducer(configuration: mockProducerConfiguration(), logger: TestBroker.logger)
        try await withRunning(producer) {
            _ = try await producer.send(KafkaProducerRecord(topic: "t", value: [1]))
        }
        let error = await #expect(throws: KafkaError.self) {
            _ = try await producer.send(KafkaProducerRecord(topic: "t", value: [2]))
        }
        #expect(error?.code == .shutDown)
    }

    @Test func anUnknownPropertyIsRejectedNamingTheKey() {
        var configuration = mockProducerConfiguration()
        configuration.extraProperties["no.such.property"] = "secret-value"
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: configuration, logger: TestBroker.logger)
        }
        #expect(error?.code == .configuration)
        #expect(error?.description.contains("no.such.property") == true)
        #expect(error?.description.contains("secret-value") == false)
    }

    @Test func theProducerIsFreedAfterShutdown() async throws {
        weak var weakProducer: KafkaProducer?
        do {
            let producer = try KafkaProducer(configuration: mockProducerConfiguration(), logger: TestBroker.logger)
            weakProducer = producer
            try await withRunning(producer) {
                _ = try await producer.send(KafkaProducerRecord(topic: "t", value: [1]))
            }
        }
        #expect(weakProducer == nil)
    }
}

@Suite struct KafkaProducerCancellationTests {
    @Test(.timeLimit(.minutes(1))) func cancellingRunFlushesOutstandingRecordsAndReturns() async throws {
        var configuration = mockProducerConfiguration()
        configuration.lingerMilliseconds = 200  // records are still queued when the task is cancelled
        let producer = try KafkaProducer(configuration: configuration, logger: TestBroker.logger)
        let run = Task { try await producer.run() }
        let sends = (0..<5).map { index in
            Task { try await producer.send(KafkaProducerRecord(topic: "cancel", value: [UInt8(index)])) }
        }
        try await waitUntil("every record to be queued in librdkafka") { producer.outstandingRecords >= 5 }
        run.cancel()
        try await run.value
        var delivered = 0
        for send in sends { if (try? await send.value) != nil { delivered += 1 } }
        #expect(delivered == 5)
    }
}
