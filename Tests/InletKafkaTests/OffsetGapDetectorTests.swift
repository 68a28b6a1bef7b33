import InletKafka
import Testing

@Suite struct OffsetGapDetectorTests {
    let partition = KafkaTopicPartition(topic: "t", partition: 0)

    @Test func contiguousOffsetsAreDeliveredFromTheFirstRecordSeen() {
        var detector = OffsetGapDetector(maxRetries: 3)
        for offset in Int64(5)...8 {
            #expect(detector.observe(partition, offset: offset) == .deliver)
        }
        #expect(detector.expectedOffset(of: partition) == 9)
    }

    @Test func aJumpAsksToSeekBackToTheFirstMissingOffset() {
        var detector = OffsetGapDetector(maxRetries: 3)
        #expect(detector.observe(partition, offset: 0) == .deliver)
        #expect(detector.observe(partition, offset: 3) == .seekBack(offset: 1, attempt: 1))
        #expect(detector.expectedOffset(of: partition) == 1)
    }

    @Test func theReReadAfterASeekHealsTheGap() {
        var detector = OffsetGapDetector(maxRetries: 3)
        _ = detector.observe(partition, offset: 0)
        _ = detector.observe(partition, offset: 3)
        for offset in Int64(1)...4 {
            #expect(detector.observe(partition, offset: offset) == .deliver)
        }
    }

    @Test func recordsAlreadyDeliveredAreDroppedAsDuplicates() {
        var detector = OffsetGapDetector(maxRetries: 3)
        _ = detector.observe(partition, offset: 10)
        _ = detector.observe(partition, offset: 11)
        #expect(detector.observe(partition, offset: 10) == .dropDuplicate)
        #expect(detector.observe(partition, offset: 12) == .deliver)
    }

    @Test func aPersistentGapIsAcceptedAfterMaxRetries() {
        var detector = OffsetGapDetector(maxRetries: 2)
        _ = detector.observe(partition, offset: 0)
        #expect(detector.observe(partition, offset: 5) == .seekBack(offset: 1, attempt: 1))
        #expect(detector.observe(partition, offset: 5) == .seekBack(offset: 1, attempt: 2))
        #expect(detector.observe(partition, offset: 5) == .acceptGap(expected: 1, got: 5))
        #expect(detector.observe(partition, offset: 6) == .deliver)
    }

    @Test func aNewGapGetsAFreshRetryBudget() {
        var detector = OffsetGapDetector(maxRetries: 1)
        _ = detector.observe(partition, offset: 0)
        #expect(detector.observe(partition, offset: 2) == .seekBack(offset: 1, attempt: 1))
        #expect(detector.observe(partition, offset: 1) == .deliver)
        #expect(detector.observe(partition, offset: 2) == .deliver)
        #expect(detector.observe(partition, offset: 9) == .seekBack(offset: 3, attempt: 1))
    }

    @Test func aSeededCommittedOffsetCatchesAGapBeforeTheFirstRecord() {
        var detector = OffsetGapDetector(maxRetries: 3)
        detector.seed(partition, nextOffset: 100)
        #expect(detector.observe(partition, offset: 104) == .seekBack(offset: 100, attempt: 1))
    }

    @Test func anUnknownOrForgottenPartitionStartsAtTheFirstRecordSeen() {
        var detector = OffsetGapDetector(maxRetries: 3)
        detector.seed(partition, nextOffset: -1001)  // RD_KAFKA_OFFSET_INVALID: nothing committed
        #expect(detector.observe(partition, offset: 40) == .deliver)
        detector.forget(partition)
        #expect(detector.expectedOffset(of: partition) == nil)
        #expect(detector.observe(partition, offset: 7) == .deliver)
    }

    @Test func partitionsAreTrackedIndependently() {
        var detector = OffsetGapDetector(maxRetries: 3)
        let other = KafkaTopicPartition(topic: "t", partition: 1)
        _ = detector.observe(partition, offset: 0)
        #expect(detector.observe(other, offset: 50) == .deliver)
        #expect(detector.observe(partition, offset: 1) == .deliver)
    }
}
