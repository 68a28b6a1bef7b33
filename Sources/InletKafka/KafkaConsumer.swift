import CRdKafka
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A consumer-group member that hands records to a stage in batches, with manual commits, offset-gap healing and a
/// revocation hook.
///
/// ## Threads
/// `run()` owns two dedicated threads: the *poll thread* fetches records (and is where librdkafka calls the rebalance
/// callback), the *event thread* serves the main event queue (logs, errors, commit results). Commits therefore
/// complete even while the poll thread waits for a stage during a revocation.
///
/// ## Back-pressure
/// At most `bufferedBatches` batches, holding at most about `bufferedBytes`, wait for the stage. When either bound is
/// reached the poll thread stops polling (librdkafka's own prefetch stops at `prefetchKilobytes`) until the stage has
/// taken half of both; if that takes longer than `pauseAfter` it pauses the partitions, so that it can serve
/// rebalances meanwhile, and resumes them when the stage has taken half.
///
/// ## Revocation contract
/// When partitions are revoked (rebalance, or close during shutdown) the poll thread, before giving them away:
/// 1. drops buffered, not yet handed-out records of those partitions (uncommitted, so the new owner re-reads them);
/// 2. waits until the batch in flight no longer holds those partitions — a batch is in flight from the moment the
///    iterator returns it until the stage commits it or asks for the next batch;
/// 3. awaits the `onRevoke` hook, if any, with the revoked partitions (commit or abandon other work here);
/// 4. unassigns. Steps 2 and 3 together are bounded by `revokeTimeout`; after that the partitions are given away
///    anyway and late commits for them fail.
///
/// ## Shutdown
/// On graceful shutdown (or ``triggerGracefulShutdown()``) the consumer stops fetching, drops buffered batches,
/// finishes ``batches`` (the stage's loop ends after its current batch), closes the group membership (the revocation
/// contract above runs, so the stage's last commit lands), and returns from `run()`.
///
/// - Important: `batches` yields nothing until `run()` is running. Iterate it from one task at a time.
///
/// `@unchecked Sendable`: librdkafka's consumer calls used here are thread-safe; Swift state is behind `Mutex`es.
public final class KafkaConsumer: Service, @unchecked Sendable {
    /// Called on revocation with the partitions about to be given away; see the revocation contract.
    public typealias RevokeHook = @Sendable ([KafkaTopicPartition]) async -> Void

    /// Internal for ``KafkaLagProbe``, which asks for offsets through it.
    let client: OpaquePointer
    private let mainQueue: OpaquePointer
    private let consumerQueue: OpaquePointer
    private let bridge: Unmanaged<RebalanceBridge>
    private let configuration: KafkaConsumerConfiguration
    private let logger: Logger
    private let onRevoke: RevokeHook?

    private let buffer = Mutex(BatchBufferState())
    private let detector: Mutex<OffsetGapDetector>
    private let lifecycle = Mutex(ConsumerLifecycle())
    /// Whether the poll thread has paused fetching because the buffer is full (tests observe the bound with it).
    var isBackPressured: Bool { lifecycle.withLock { $0.backPressurePaused } }
    /// Approximate bytes of the batches waiting for the stage (tests check the bound with it).
    var bufferedByteCount: Int { buffer.withLock { $0.bytes } }
    /// Wakes a poll thread waiting for buffer space or for the stage to release revoked partitions.
    private let stageProgress = PollThreadWakeup()
    private let stopPolling = Atomic<Bool>(false)
    private let stopEvents = Atomic<Bool>(false)
    private let pendingCommits = Atomic<Int>(0)

    /// The consumer group (`group.id`) this consumer joins.
    public var groupID: String { configuration.groupID }

    /// Test seam: returns true for a fetched record that the poll thread should lose, as Tansu's defect makes
    /// librdkafka do. Set before `run()`.
    let testingLoseFetchedRecord = Mutex<(@Sendable (KafkaTopicPartition, Int64) -> Bool)?>(nil)

    private let gapsDetectedCounter = Atomic<Int>(0)
    private let gapsAcceptedCounter = Atomic<Int>(0)
    private let duplicatesDroppedCounter = Atomic<Int>(0)

    /// Fetch jumps that made the consumer seek back and re-read (metric `KafkaMetricName.offsetGaps`).
    public var offsetGapsDetected: Int { gapsDetectedCounter.load(ordering: .relaxed) }
    /// Gaps accepted as genuine after `maxGapRetries` re-reads (metric `KafkaMetricName.offsetGapsAccepted`).
    public var offsetGapsAccepted: Int { gapsAcceptedCounter.load(ordering: .relaxed) }
    /// Records dropped because they had been delivered already (overlapping re-reads).
    public var duplicateRecordsDropped: Int { duplicatesDroppedCounter.load(ordering: .relaxed) }

    /// The records, in batches. Finishes after graceful shutdown; throws if the consumer failed fatally.
    public var batches: KafkaBatchSequence { KafkaBatchSequence(consumer: self) }

    public init(configuration: KafkaConsumerConfiguration, logger: Logger, onRevoke: RevokeHook? = nil) throws {
        guard !configuration.topics.isEmpty else {
            throw KafkaError(code: .configuration, reason: "KafkaConsumerConfiguration.topics is empty; name at least one topic")
        }
        self.configuration = configuration
        self.logger = logger
        self.onRevoke = onRevoke
        self.detector = Mutex(OffsetGapDetector(maxRetries: configuration.maxGapRetries))
        let bridge = Unmanaged.passRetained(RebalanceBridge())
        do {
            self.client = try makeRdKafkaHandle(
                type: RD_KAFKA_CONSUMER,
                properties: configuration.properties,
                events: Int32(RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_OFFSET_COMMIT)
            ) { conf in
                rd_kafka_conf_set_opaque(conf, bridge.toOpaque())
                rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
            }
        } catch {
            bridge.release()
            throw error
        }
        self.bridge = bridge
        self.mainQueue = rd_kafka_queue_get_main(client)
        self.consumerQueue = rd_kafka_queue_get_consumer(client)
        bridge.takeUnretainedValue().consumer.withLock { $0 = WeakConsumer(self) }
    }

    deinit {
        // run() closes the consumer; this covers a consumer that never ran (nothing assigned, so close is quick).
        // The bridge's weak reference is already nil, so a late rebalance callback only unassigns.
        if lifecycle.withLock({ !$0.closed }) {
            rd_kafka_consumer_close(client)
        }
        rd_kafka_queue_destroy(consumerQueue)
        rd_kafka_queue_destroy(mainQueue)
        rd_kafka_destroy(client)
        bridge.release()
    }

    // MARK: Service

    /// Subscribes, then fetches and serves events on two dedicated threads until graceful shutdown (or
    /// cancellation); then closes as described under "Shutdown".
    public func run() async throws {
        guard lifecycle.withLock({ $0.start() }) else {
            throw KafkaError(code: .shutDown, reason: "run() was called twice or after shutdown; create a new consumer")
        }
        let list = rd_kafka_topic_partition_list_new(Int32(configuration.topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in configuration.topics {
            rd_kafka_topic_partition_list_add(list, topic, -1)  // RD_KAFKA_PARTITION_UA
        }
        let err = rd_kafka_subscribe(client, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            finishStream(error: KafkaError.rdKafka(.subscription, err, "could not subscribe to \(configuration.topics)"))
            throw KafkaError.rdKafka(.subscription, err, "could not subscribe to \(configuration.topics)")
        }
        // Cancellation is treated like graceful shutdown.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                async let events: Void = onDedicatedThread(name: "inlet-kafka-consumer-events") { [self] in eventLoop() }
                await onDedicatedThread(name: "inlet-kafka-consumer-poll") { [self] in pollLoop() }
                // The poll thread closed the consumer; let the event thread deliver the last commit results.
                stopEvents.store(true, ordering: .releasing)
                await events
            } onGracefulShutdown: { [self] in
                triggerGracefulShutdown()
            }
        } onCancel: { [self] in
            triggerGracefulShutdown()
        }
        if let fatal = lifecycle.withLock({ $0.fatalError }) {
            throw fatal
        }
    }

    /// Starts the same shutdown as a graceful-shutdown signal.
    public func triggerGracefulShutdown() {
        stopPolling.store(true, ordering: .releasing)
        stageProgress.signal()
    }

    // MARK: Commits, pause/resume

    /// Commits the offsets after each partition's last record in `batch`, awaiting the broker's answer.
    public func commit(_ batch: KafkaRecordBatch) async throws {
        try await commit(offsets: batch.nextOffsets)
    }

    /// Commits `offsets` (for each partition, the offset of the next record to read), awaiting the broker's answer.
    public func commit(offsets: [KafkaTopicPartition: Int64]) async throws {
        guard !offsets.isEmpty else { return }
        guard lifecycle.withLock({ !$0.closed }) else {
            throw KafkaError(code: .shutDown, reason: "the consumer is closed; offsets can no longer be committed")
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let list = makePartitionList(offsets.map { ($0.key, $0.value) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let context = Unmanaged.passRetained(CommitContext(continuation: continuation))
            pendingCommits.add(1, ordering: .relaxed)
            let err = rd_kafka_commit_queue(client, list, mainQueue, nil, context.toOpaque())
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                // No result event will come: the retain is ours to release.
                pendingCommits.subtract(1, ordering: .relaxed)
                context.release()
                continuation.resume(throwing: KafkaError.rdKafka(.commit, err, "offset commit was refused"))
            }
        }
        buffer.withLock { $0.committed(offsets.keys) }
        stageProgress.signal()
    }

    /// Stops fetching `partitions` until ``resume(_:)``. Buffered batches are still delivered.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        lifecycle.withLock { $0.userPaused.formUnion(partitions) }
        try setPaused(true, partitions)
    }

    /// Resumes fetching `partitions` paused with ``pause(_:)``.
    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        let backPressured = lifecycle.withLock {
            $0.userPaused.subtract(partitions)
            return $0.backPressurePaused
        }
        if !backPressured { try setPaused(false, partitions) }
    }

    private func setPaused(_ paused: Bool, _ partitions: [KafkaTopicPartition]) throws {
        guard !partitions.isEmpty else { return }
        let list = makePartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = paused ? rd_kafka_pause_partitions(client, list) : rd_kafka_resume_partitions(client, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.rdKafka(.subscription, err, paused ? "could not pause partitions" : "could not resume partitions")
        }
    }

    /// The partitions currently assigned to this member; empty once the consumer is closing or closed.
    public func assignment() throws -> [KafkaTopicPartition] {
        // librdkafka answers rd_kafka_assignment from the group's queue, which a closed consumer no longer serves: a
        // call after close blocked its caller for good (a metrics export hung a test process at exit). Calls in
        // progress hold the close back until they return.
        guard lifecycle.withLock({ $0.beginHandleCall() }) else { return [] }
        defer { lifecycle.withLock { $0.handleCallsInProgress -= 1 } }
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(client, &list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.rdKafka(.subscription, err, "could not read the assignment")
        }
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        return readPartitionList(list).map(\.partition)
    }

    // MARK: Stream side

    func nextBatch() async throws -> KafkaRecordBatch? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<KafkaRecordBatch?, any Error>) in
                let action = buffer.withLock { $0.next(continuation) }
                switch action {
                case .returnBatch(let batch): continuation.resume(returning: batch)
                case .returnEnd: continuation.resume(returning: nil)
                case .throwError(let error): continuation.resume(throwing: error)
                case .suspended:
                    // Cancelled before the continuation was stored: the cancellation handler found nothing to resume.
                    if Task.isCancelled, let waiter = buffer.withLock({ $0.cancelWaiter() }) {
                        waiter.resume(returning: nil)
                    }
                }
                stageProgress.signal()
            }
        } onCancel: {
            buffer.withLock { $0.cancelWaiter() }?.resume(returning: nil)
        }
    }

    /// The stage dropped its iterator: nothing it holds is in flight any more.
    func iteratorEnded() {
        buffer.withLock { $0.iteratorEnded() }
        stageProgress.signal()
    }

    private func finishStream(error: (any Error)? = nil) {
        if let waiter = buffer.withLock({ $0.finish(error: error) }) {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    // MARK: Poll thread

    private func pollLoop() {
        let maxBatch = max(1, configuration.maxBatchSize)
        let pollTimeout = Int32(max(1, configuration.pollTimeout.milliseconds))
        let capacity = max(1, configuration.bufferedBatches)
        let byteCapacity = max(1, configuration.bufferedBytes)
        var messages = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: maxBatch)

        while !stopPolling.load(ordering: .acquiring) {
            if lifecycle.withLock({ $0.backPressurePaused }) {
                if buffer.withLock({ $0.hasRoom(maxBatches: capacity, maxBytes: byteCapacity) }) {
                    setBackPressure(paused: false)
                } else {
                    stageProgress.wait(timeout: .now() + .milliseconds(Int(pollTimeout))) {
                        buffer.withLock { $0.hasRoom(maxBatches: capacity, maxBytes: byteCapacity) }
                            || stopPolling.load(ordering: .acquiring)
                    }
                    // Serve rebalances while paused; a record that still arrives is kept (soft bound).
                    if let message = rd_kafka_consumer_poll(client, 0) {
                        messages[0] = message
                        deliver(messages, count: 1)
                    }
                    continue
                }
            }
            // Wait for the first record, then take whatever else is ready without waiting:
            // rd_kafka_consume_batch_queue with a timeout waits for a full batch.
            guard let first = rd_kafka_consumer_poll(client, pollTimeout) else { continue }
            messages[0] = first
            var count = 1
            if maxBatch > 1 {
                let more = messages.withUnsafeMutableBufferPointer { buffer in
                    rd_kafka_consume_batch_queue(consumerQueue, 0, buffer.baseAddress! + 1, maxBatch - 1)
                }
                if more > 0 { count += more }
            }
            deliver(messages, count: count)
            if buffer.withLock({ $0.isFull(maxBatches: capacity, maxBytes: byteCapacity) })
                && !waitForRoom(maxBatches: capacity, maxBytes: byteCapacity) {
                setBackPressure(paused: true)
            }
            if lifecycle.withLock({ $0.fatalError != nil }) { break }
        }

        // Shutdown: stop handing out records, end the stream, then leave the group. Close runs the revocation
        // contract, during which the stage's final commits are served by the event thread.
        let fatal = lifecycle.withLock { $0.fatalError }
        finishStream(error: fatal)
        lifecycle.withLock { $0.closing = true }
        while lifecycle.withLock({ $0.handleCallsInProgress }) > 0 { usleep(1000) }
        if let error = closeConsumer(client) {
            logger.error("consumer close failed", metadata: [KafkaLogKey.error: "\(error)"])
        }
        lifecycle.withLock { $0.closed = true }
    }

    /// With the buffer full, waits up to `pauseAfter` without polling for the stage to take half of it. Returns
    /// whether it did (or the consumer is stopping); false means the caller should pause the partitions.
    private func waitForRoom(maxBatches: Int, maxBytes: Int) -> Bool {
        let hasRoom = { self.buffer.withLock { $0.hasRoom(maxBatches: maxBatches, maxBytes: maxBytes) } }
        let deadline = DispatchTime.now() + .milliseconds(configuration.pauseAfter.milliseconds)
        while !hasRoom() {
            if stopPolling.load(ordering: .acquiring) { return true }
            let now = DispatchTime.now()
            guard now < deadline else { return false }
            stageProgress.wait(timeout: min(deadline, now + .milliseconds(100))) {
                hasRoom() || stopPolling.load(ordering: .acquiring)
            }
        }
        return true
    }

    /// Converts fetched messages (and destroys them), applies gap detection, and pushes one batch.
    private func deliver(_ messages: [UnsafeMutablePointer<rd_kafka_message_t>?], count: Int) {
        var records: [KafkaRecord] = []
        records.reserveCapacity(count)
        var seeks: [(KafkaTopicPartition, Int64)] = []
        var topicNames: [OpaquePointer: String] = [:]
        let lose = testingLoseFetchedRecord.withLock { $0 }
        detector.withLock { detector in
            var healing: Set<KafkaTopicPartition> = []
            for index in 0..<count {
                guard let message = messages[index] else { continue }
                defer { rd_kafka_message_destroy(message) }
                let m = message.pointee
                guard m.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    handleMessageError(m)
                    continue
                }
                guard let rkt = m.rkt else { continue }
                let topic = topicNames[rkt] ?? {
                    let name = String(cString: rd_kafka_topic_name(rkt))
                    topicNames[rkt] = name
                    return name
                }()
                let tp = KafkaTopicPartition(topic: topic, partition: m.partition)
                if healing.contains(tp) { continue }
                if let lose, lose(tp, m.offset) { continue }
                switch detector.observe(tp, offset: m.offset) {
                case .deliver:
                    records.append(KafkaRecord(copying: message, topic: topic))
                case .dropDuplicate:
                    duplicatesDroppedCounter.add(1, ordering: .relaxed)
                case .seekBack(let offset, let attempt):
                    healing.insert(tp)
                    seeks.append((tp, offset))
                    gapsDetectedCounter.add(1, ordering: .relaxed)
                    logger.warning(
                        "offset gap: seeking back to re-read missing records",
                        metadata: [
                            KafkaLogKey.topic: "\(topic)", KafkaLogKey.partition: "\(m.partition)",
                            KafkaLogKey.expectedOffset: "\(offset)", KafkaLogKey.gotOffset: "\(m.offset)",
                            KafkaLogKey.attempt: "\(attempt)",
                        ]
                    )
                case .acceptGap(let expected, let got):
                    gapsAcceptedCounter.add(1, ordering: .relaxed)
                    logger.error(
                        "offset gap persisted after \(configuration.maxGapRetries) re-reads; accepting it and moving on (records may be missing)",
                        metadata: [
                            KafkaLogKey.topic: "\(topic)", KafkaLogKey.partition: "\(m.partition)",
                            KafkaLogKey.expectedOffset: "\(expected)", KafkaLogKey.gotOffset: "\(got)",
                        ]
                    )
                    records.append(KafkaRecord(copying: message, topic: topic))
                }
            }
        }
        if !seeks.isEmpty {
            let list = makePartitionList(seeks)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            if let error = rd_kafka_seek_partitions(client, list, 0) {
                logger.error("seek for offset-gap healing failed", metadata: [KafkaLogKey.error: "\(String(cString: rd_kafka_error_string(error)))"])
                rd_kafka_error_destroy(error)
            }
        }
        guard !records.isEmpty else { return }
        // Buffered or dropped (the stream finished) need nothing more; a waiting stage is resumed outside the lock.
        if case .resume(let waiter, let batch) = buffer.withLock({ $0.push(KafkaRecordBatch(records: records)) }) {
            waiter.resume(returning: batch)
        }
    }

    private func handleMessageError(_ message: rd_kafka_message_t) {
        let err = message.err
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return }
        let text = String(cString: rd_kafka_err2str(err))
        logger.warning("consumer error", metadata: [KafkaLogKey.error: "\(String(cString: rd_kafka_err2name(err)))", KafkaLogKey.reason: "\(text)"])
        if err == RD_KAFKA_RESP_ERR__FATAL {
            recordFatal()
        }
    }

    private func recordFatal() {
        var buffer = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(client, &buffer, buffer.count)
        let error = KafkaError(
            code: .fatal,
            reason: "librdkafka raised a fatal error (\(string(fromNulTerminated: buffer))); restart the consumer",
            rdKafkaCode: code, isRetriable: false
        )
        lifecycle.withLock { if $0.fatalError == nil { $0.fatalError = error } }
        stopPolling.store(true, ordering: .releasing)
    }


    private func setBackPressure(paused: Bool) {
        let (userPaused, changed) = lifecycle.withLock { state -> (Set<KafkaTopicPartition>, Bool) in
            let changed = state.backPressurePaused != paused
            state.backPressurePaused = paused
            return (state.userPaused, changed)
        }
        guard changed, let assigned = try? assignment() else { return }
        let targets = paused ? assigned : assigned.filter { !userPaused.contains($0) }
        do {
            try setPaused(paused, targets)
        } catch {
            logger.warning("back-pressure pause/resume failed", metadata: [KafkaLogKey.error: "\(error)"])
        }
    }

    // MARK: Rebalance (called by librdkafka on the poll thread)

    fileprivate func handleRebalance(_ err: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(client)) == "COOPERATIVE"
        let changed = readPartitionList(partitions).map(\.partition)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            seedDetector(partitions, changed)
            let assignError = assign(partitions, cooperative: cooperative, incremental: true)
            if let assignError { logger.error("assign failed", metadata: [KafkaLogKey.error: "\(assignError)"]) }
            setPauseStateOfAssigned(changed)
            logger.info("partitions assigned", metadata: [KafkaLogKey.partitions: "\(changed.map(\.description))"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            logger.info("partitions revoked", metadata: [KafkaLogKey.partitions: "\(changed.map(\.description))"])
            waitForStage(toRelease: Set(changed))
            if let assignError = assign(partitions, cooperative: cooperative, incremental: false) {
                logger.error("unassign failed", metadata: [KafkaLogKey.error: "\(assignError)"])
            }
            detector.withLock { detector in changed.forEach { detector.forget($0) } }
        default:
            logger.error("rebalance error", metadata: [KafkaLogKey.error: "\(String(cString: rd_kafka_err2name(err)))"])
            _ = assign(nil, cooperative: false, incremental: false)
        }
    }

    /// Pauses or resumes newly assigned partitions as this consumer wants them now: paused when it is back-pressured
    /// or the stage paused them, fetching otherwise. librdkafka keeps a partition's pause flag across an unassign and
    /// a later assign, so a partition revoked while back-pressure had paused it (the resume then found nothing
    /// assigned to resume) came back paused and was never fetched again.
    private func setPauseStateOfAssigned(_ assigned: [KafkaTopicPartition]) {
        let (backPressured, userPaused) = lifecycle.withLock { ($0.backPressurePaused, $0.userPaused) }
        let paused = assigned.filter { backPressured || userPaused.contains($0) }
        do {
            try setPaused(true, paused)
            try setPaused(false, assigned.filter { !paused.contains($0) })
        } catch {
            logger.warning("setting the pause state of assigned partitions failed", metadata: [KafkaLogKey.error: "\(error)"])
        }
    }

    /// Seeds the gap detector with the committed offsets of newly assigned partitions (or, with nothing committed and
    /// `auto.offset.reset=earliest`, the low watermark), so a jump right at the start position is caught too.
    /// Blocking broker calls: fine on the poll thread.
    private func seedDetector(_ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ changed: [KafkaTopicPartition]) {
        guard let partitions, let copy = rd_kafka_topic_partition_list_copy(partitions) else { return }
        defer { rd_kafka_topic_partition_list_destroy(copy) }
        let err = rd_kafka_committed(client, copy, 5000)
        let committed = err == RD_KAFKA_RESP_ERR_NO_ERROR ? readPartitionList(copy) : []
        var seeds: [KafkaTopicPartition: Int64] = [:]
        for tp in changed {
            if let offset = committed.first(where: { $0.partition == tp && $0.err == RD_KAFKA_RESP_ERR_NO_ERROR })?.offset, offset >= 0 {
                seeds[tp] = offset
            } else if configuration.autoOffsetReset == .earliest {
                // Nothing committed: reading starts at the low watermark, so a jump past it is a gap too.
                var low: Int64 = 0
                var high: Int64 = 0
                if rd_kafka_query_watermark_offsets(client, tp.topic, tp.partition, &low, &high, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR {
                    seeds[tp] = low
                }
            }
        }
        detector.withLock { detector in
            for tp in changed { detector.seed(tp, nextOffset: seeds[tp]) }
        }
    }

    /// Assign or unassign: eager protocols replace the whole assignment, cooperative ones change it incrementally.
    private func assign(_ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, cooperative: Bool, incremental assigning: Bool) -> String? {
        if cooperative, let partitions {
            let error = assigning ? rd_kafka_incremental_assign(client, partitions) : rd_kafka_incremental_unassign(client, partitions)
            guard let error else { return nil }
            defer { rd_kafka_error_destroy(error) }
            return String(cString: rd_kafka_error_string(error))
        }
        let err = rd_kafka_assign(client, assigning ? partitions : nil)
        return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2str(err))
    }

    /// Steps 1–3 of the revocation contract, bounded by `revokeTimeout`.
    private func waitForStage(toRelease revoked: Set<KafkaTopicPartition>) {
        let dropped = buffer.withLock { $0.drop(partitions: revoked) }
        if dropped > 0 {
            logger.debug("dropped buffered records of revoked partitions", metadata: [KafkaLogKey.records: "\(dropped)"])
        }
        let deadline = DispatchTime.now() + .milliseconds(configuration.revokeTimeout.milliseconds)
        let released = { self.buffer.withLock { $0.inFlight.isDisjoint(with: revoked) } }
        while !released() {
            guard DispatchTime.now() < deadline else {
                logger.error("revocation: the stage did not finish its in-flight batch in time; giving the partitions away")
                return
            }
            stageProgress.wait(timeout: min(deadline, .now() + .milliseconds(100)), unless: released)
        }
        guard let onRevoke else { return }
        let done = DispatchSemaphore(value: 0)
        let partitions = Array(revoked)
        Task {
            await onRevoke(partitions)
            done.signal()
        }
        if done.wait(timeout: deadline) == .timedOut {
            logger.error("revocation: the onRevoke hook did not return in time; giving the partitions away")
        }
    }

    // MARK: Event thread

    private func eventLoop() {
        while !(stopEvents.load(ordering: .acquiring) && pendingCommits.load(ordering: .relaxed) == 0) {
            guard let event = rd_kafka_queue_poll(mainQueue, 100) else { continue }
            handle(event)
            rd_kafka_event_destroy(event)
        }
        while let event = rd_kafka_queue_poll(mainQueue, 0) {
            handle(event)
            rd_kafka_event_destroy(event)
        }
    }

    private func handle(_ event: OpaquePointer) {
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_OFFSET_COMMIT:
            guard let opaque = rd_kafka_event_opaque(event) else { return }
            let context = Unmanaged<CommitContext>.fromOpaque(opaque).takeRetainedValue()
            pendingCommits.subtract(1, ordering: .relaxed)
            var err = rd_kafka_event_error(event)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                err = readPartitionList(rd_kafka_event_topic_partition_list(event)).first { $0.err != RD_KAFKA_RESP_ERR_NO_ERROR }?.err
                    ?? RD_KAFKA_RESP_ERR_NO_ERROR
            }
            if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET {
                context.continuation.resume()
            } else {
                context.continuation.resume(throwing: KafkaError.rdKafka(.commit, err, "offset commit failed"))
            }
        case RD_KAFKA_EVENT_LOG:
            logRdKafkaEvent(event, logger: logger)
        case RD_KAFKA_EVENT_ERROR:
            let (_, fatal) = logRdKafkaErrorEvent(event, logger: logger)
            if fatal { recordFatal() }
        default:
            break
        }
    }
}

/// Lets the poll thread sleep until the stage makes progress, without piling up signals nobody waits for.
private final class PollThreadWakeup: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let waiting = Atomic<Bool>(false)

    /// Called after the stage changed shared state (took a batch, committed, left its loop).
    func signal() {
        if waiting.exchange(false, ordering: .acquiringAndReleasing) {
            semaphore.signal()
        }
    }

    /// Sleeps until `signal()` or `deadline`, unless `condition` already holds. At most one stale signal can be left
    /// over, which only causes one early wake-up.
    func wait(timeout deadline: DispatchTime, unless condition: () -> Bool) {
        waiting.store(true, ordering: .sequentiallyConsistent)
        if condition() {
            waiting.store(false, ordering: .sequentiallyConsistent)
            return
        }
        _ = semaphore.wait(timeout: deadline)
        waiting.store(false, ordering: .sequentiallyConsistent)
    }
}

/// Closes the consumer on the calling thread, serving the rebalance callback. Returns an error text, if any.
private func closeConsumer(_ client: OpaquePointer) -> String? {
    let err = rd_kafka_consumer_close(client)
    return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2str(err))
}

/// Lifecycle flags of a consumer.
struct ConsumerLifecycle {
    var started = false
    /// Set just before the poll thread closes the handle; calls that need the group's queue are refused from then on.
    var closing = false
    /// Calls into the handle that need the group's queue (``KafkaConsumer/assignment()``) now running.
    var handleCallsInProgress = 0
    var closed = false

    /// Admits a call that needs the group's queue, unless the consumer is closing.
    mutating func beginHandleCall() -> Bool {
        guard !closing, !closed else { return false }
        handleCallsInProgress += 1
        return true
    }
    var backPressurePaused = false
    var userPaused: Set<KafkaTopicPartition> = []
    var fatalError: KafkaError?

    mutating func start() -> Bool {
        guard !started, !closed else { return false }
        started = true
        return true
    }
}

/// Retained once when a commit is requested, released once by its result event.
private final class CommitContext {
    let continuation: CheckedContinuation<Void, any Error>
    init(continuation: CheckedContinuation<Void, any Error>) { self.continuation = continuation }
}

private struct WeakConsumer {
    weak var consumer: KafkaConsumer?
    init(_ consumer: KafkaConsumer?) { self.consumer = consumer }
}

/// The rebalance callback's opaque: outlives the `rd_kafka_t` and reaches the consumer only while it is alive.
private final class RebalanceBridge: Sendable {
    let consumer = Mutex(WeakConsumer(nil))
}

private let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { client, err, partitions, opaque in
        guard let client, let opaque else { return }
        let bridge = Unmanaged<RebalanceBridge>.fromOpaque(opaque).takeUnretainedValue()
        if let consumer = bridge.consumer.withLock({ $0.consumer }) {
            consumer.handleRebalance(err, partitions)
        } else {
            // The consumer is being deinitialised: just follow librdkafka's protocol.
            if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
                rd_kafka_assign(client, partitions)
            } else {
                rd_kafka_assign(client, nil)
            }
        }
    }

/// The batches of a ``KafkaConsumer``. One iterator at a time.
public struct KafkaBatchSequence: AsyncSequence, Sendable {
    public typealias Element = KafkaRecordBatch
    let consumer: KafkaConsumer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        /// Leaving the loop (break, throw) drops the iterator: its batch is then no longer in flight.
        private let token: IteratorLifetime

        init(consumer: KafkaConsumer) {
            self.consumer = consumer
            self.token = IteratorLifetime(consumer: consumer)
        }

        public mutating func next() async throws -> KafkaRecordBatch? {
            try await consumer.nextBatch()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: consumer) }
}

/// Ends the in-flight state of the last batch when the stage's iterator goes away.
private final class IteratorLifetime: Sendable {
    let consumer: KafkaConsumer
    init(consumer: KafkaConsumer) { self.consumer = consumer }
    deinit { consumer.iteratorEnded() }
}
