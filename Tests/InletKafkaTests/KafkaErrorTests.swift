import CRdKafka
@testable import InletKafka
import Testing

@Suite struct KafkaErrorTests {
    @Test func queueFullAndTimeoutsAreRetriableButOversizedRecordsAreNot() {
        #expect(KafkaError.rdKafka(.produce, RD_KAFKA_RESP_ERR__QUEUE_FULL, "x").isRetriable)
        #expect(KafkaError.rdKafka(.delivery, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, "x").isRetriable)
        #expect(!KafkaError.rdKafka(.produce, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "x").isRetriable)
    }

    @Test func descriptionNamesCodeAndLibrdkafkaError() {
        let error = KafkaError.rdKafka(.commit, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, "offset commit failed")
        #expect(error.description.contains("KafkaError.commit"))
        #expect(error.description.contains("REBALANCE_IN_PROGRESS"))
        #expect(error.rdKafkaCodeName == "REBALANCE_IN_PROGRESS")
    }
}

@Suite struct KafkaLibraryTests {
    @Test func theLoadedLibraryIsAtLeast2_16WhenRunThroughEnvSh() throws {
        // `swift test` must run with deploy/local/env.sh sourced; with Debian's 2.0.2 this fails, as it should.
        try KafkaLibrary.checkVersion()
        #expect(KafkaLibrary.versionString.hasPrefix("2."))
    }
}

@Suite struct BatchBufferStateTests {
    func batch(_ partition: Int32, _ offsets: ClosedRange<Int64>) -> KafkaRecordBatch {
        KafkaRecordBatch(records: offsets.map { KafkaRecord(topic: "t", partition: partition, offset: $0, value: []) })
    }

    @Test func batchesAreBufferedUntilTheStreamFinishes() {
        var state = BatchBufferState()
        guard case .buffered(let first) = state.push(batch(0, 0...1)) else { Issue.record("not buffered"); return }
        guard case .buffered(let second) = state.push(batch(0, 2...3)) else { Issue.record("not buffered"); return }
        #expect(first == 1 && second == 2)
        #expect(state.finish() == nil)
        #expect(state.count == 0)
        guard case .dropped = state.push(batch(0, 4...5)) else { Issue.record("pushed after finish"); return }
    }

    @Test func revokedPartitionsAreRemovedFromBufferedBatches() {
        var state = BatchBufferState()
        _ = state.push(KafkaRecordBatch(records: batch(0, 0...2).records + batch(1, 0...1).records))
        _ = state.push(batch(1, 2...3))
        let dropped = state.drop(partitions: [KafkaTopicPartition(topic: "t", partition: 1)])
        #expect(dropped == 4)
        #expect(state.count == 1)
    }

    /// Calls `next(_:)` as the iterator does. With a batch buffered it returns the batch and keeps no continuation;
    /// the one passed is resumed here so that it is never leaked.
    private func takeNext(from state: inout BatchBufferState) async throws -> BatchBufferState.NextAction {
        var action: BatchBufferState.NextAction?
        _ = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<KafkaRecordBatch?, any Error>) in
            action = state.next(continuation)
            continuation.resume(returning: nil)
        }
        return try #require(action)
    }

    @Test func theBufferCountsTheBytesOfItsBatchesAndIsFullAtEitherBound() async throws {
        func sized(_ offset: Int64, bytes: Int) -> KafkaRecordBatch {
            KafkaRecordBatch(records: [KafkaRecord(topic: "t", partition: 0, offset: offset, value: Array(repeating: 7, count: bytes))])
        }
        var state = BatchBufferState()
        _ = state.push(sized(0, bytes: 1000))
        _ = state.push(sized(1, bytes: 3000))
        #expect(state.bytes == 128 + 1000 + 128 + 3000)
        #expect(state.isFull(maxBatches: 16, maxBytes: 4000), "4,256 bytes reach a 4,000-byte bound")
        #expect(!state.isFull(maxBatches: 16, maxBytes: 8000))
        #expect(state.isFull(maxBatches: 2, maxBytes: 1 << 20), "two batches reach a two-batch bound")
        #expect(!state.hasRoom(maxBatches: 16, maxBytes: 4000))

        guard case .returnBatch(let taken) = try await takeNext(from: &state) else {
            Issue.record("a buffered batch must be returned"); return
        }
        #expect(taken.records.first?.offset == 0)
        #expect(state.bytes == 128 + 3000)
        #expect(!state.hasRoom(maxBatches: 16, maxBytes: 6000), "3,128 bytes are more than half of 6,000")
        #expect(state.hasRoom(maxBatches: 16, maxBytes: 6256))

        _ = state.drop(partitions: [KafkaTopicPartition(topic: "t", partition: 0)])
        #expect(state.bytes == 0 && state.count == 0)
        _ = state.push(sized(2, bytes: 10))
        _ = state.finish()
        #expect(state.bytes == 0)
    }

    @Test func aRecordIsCountedWithItsKeyHeadersAndAllowances() {
        let record = KafkaRecord(topic: "t", partition: 0, offset: 0, key: [1, 2, 3], value: [UInt8](repeating: 0, count: 10),
                                 headers: [KafkaHeader(key: "ce_id", value: [1, 2]), KafkaHeader(key: "x", value: nil)])
        #expect(record.approximateByteCount == 128 + 10 + 3 + (64 + 5 + 2) + (64 + 1))
    }

    @Test func nextOffsetsAreOnePastTheHighestOffsetPerPartition() {
        let records = batch(0, 3...7).records + batch(2, 10...10).records
        let offsets = KafkaRecordBatch(records: records).nextOffsets
        #expect(offsets == [KafkaTopicPartition(topic: "t", partition: 0): 8, KafkaTopicPartition(topic: "t", partition: 2): 11])
    }
}
