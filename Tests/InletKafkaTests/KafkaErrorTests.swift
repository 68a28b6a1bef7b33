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

    @Test func nextOffsetsAreOnePastTheHighestOffsetPerPartition() {
        let records = batch(0, 3...7).records + batch(2, 10...10).records
        let offsets = KafkaRecordBatch(records: records).nextOffsets
        #expect(offsets == [KafkaTopicPartition(topic: "t", partition: 0): 8, KafkaTopicPartition(topic: "t", partition: 2): 11])
    }
}
