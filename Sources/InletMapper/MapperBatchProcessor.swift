import InletCore
import InletKafka
import InletStageRuntime
import Logging
import Synchronization

/// Where the mapper produces model records and dead letters. ``KafkaProducer`` is one; tests use fakes.
public protocol MapperRecordSink: Sendable {
    /// Produces `record` and returns once the broker acknowledged it, or throws.
    func deliver(_ record: KafkaProducerRecord) async throws

    /// Produces every chain and returns once each record is settled. The records of one chain share a topic and a
    /// key and must reach the topic in chain order. Chains are independent of each other.
    ///
    /// The default sends each chain's records one after the other, awaiting each acknowledgement, and the chains
    /// concurrently. ``KafkaProducer`` hands every record to librdkafka at once, in chain order, and awaits all
    /// acknowledgements together: its idempotent producer keeps a partition's records in the order they were
    /// handed over, retries included.
    func deliver(chains: [[KafkaProducerRecord]]) async -> [ChainDelivery]
}

/// How one chain of ``MapperRecordSink/deliver(chains:)`` ended: the records before `acknowledged` are stored; from
/// there on the chain must be produced again (records after a failed one may be stored too, and are then stored
/// twice, in order, which the persister's newer-wins absorbs).
public struct ChainDelivery: Sendable {
    /// How many records from the start of the chain were acknowledged before the first that was not.
    public var acknowledged: Int
    /// Why the record at `acknowledged` was not; nil when the whole chain was.
    public var error: (any Error)?

    public init(acknowledged: Int, error: (any Error)?) {
        self.acknowledged = acknowledged
        self.error = error
    }
}

extension MapperRecordSink {
    public func deliver(chains: [[KafkaProducerRecord]]) async -> [ChainDelivery] {
        await withTaskGroup(of: (Int, ChainDelivery).self) { group in
            for (position, chain) in chains.enumerated() {
                group.addTask {
                    for (index, record) in chain.enumerated() {
                        do {
                            try await deliver(record)
                        } catch {
                            return (position, ChainDelivery(acknowledged: index, error: error))
                        }
                    }
                    return (position, ChainDelivery(acknowledged: chain.count, error: nil))
                }
            }
            var outcomes = [ChainDelivery](repeating: ChainDelivery(acknowledged: 0, error: nil), count: chains.count)
            for await (position, outcome) in group { outcomes[position] = outcome }
            return outcomes
        }
    }
}

extension KafkaProducer: MapperRecordSink {
    public func deliver(_ record: KafkaProducerRecord) async throws {
        _ = try await send(record)
    }

    public func deliver(chains: [[KafkaProducerRecord]]) async -> [ChainDelivery] {
        let total = chains.reduce(0) { $0 + $1.count }
        guard total > 0 else { return chains.map { _ in ChainDelivery(acknowledged: 0, error: nil) } }
        return await withCheckedContinuation { (continuation: CheckedContinuation<[ChainDelivery], Never>) in
            let settlements = ChainSettlements(chainLengths: chains.map(\.count), continuation: continuation)
            for (position, chain) in chains.enumerated() {
                for (index, record) in chain.enumerated() {
                    send(record) { result in settlements.settle(chain: position, index: index, result.map { _ in () }) }
                    // A refused record (queue full, shutting down) is settled before `send` returns. Nothing after it
                    // in its chain may be handed over, or it could be stored before it.
                    if settlements.hasFailed(chain: position) {
                        settlements.abandon(chain: position, from: index + 1)
                        break
                    }
                }
            }
        }
    }
}

/// The delivery reports of one ``KafkaProducer/deliver(chains:)`` call, gathered on the producer's event thread;
/// resumes the caller once every record is settled.
private final class ChainSettlements: Sendable {
    private struct State {
        var outstanding: Int
        /// Per chain: the lowest failed index and its error.
        var firstFailure: [(index: Int, error: any Error)?]
        var continuation: CheckedContinuation<[ChainDelivery], Never>?
    }

    private let chainLengths: [Int]
    private let state: Mutex<State>

    init(chainLengths: [Int], continuation: CheckedContinuation<[ChainDelivery], Never>) {
        self.chainLengths = chainLengths
        state = Mutex(State(outstanding: chainLengths.reduce(0, +),
                            firstFailure: Array(repeating: nil, count: chainLengths.count), continuation: continuation))
    }

    func settle(chain: Int, index: Int, _ result: Result<Void, KafkaError>) {
        finish(settled: 1) { state in
            if case .failure(let error) = result, index < state.firstFailure[chain]?.index ?? Int.max {
                state.firstFailure[chain] = (index, error)
            }
        }
    }

    func hasFailed(chain: Int) -> Bool { state.withLock { $0.firstFailure[chain] != nil } }

    /// Records `from…` of `chain` that will not be handed over: settled without a report.
    func abandon(chain: Int, from index: Int) {
        let skipped = chainLengths[chain] - index
        if skipped > 0 { finish(settled: skipped) { _ in } }
    }

    private func finish(settled: Int, _ update: (inout State) -> Void) {
        let done = state.withLock { state -> (CheckedContinuation<[ChainDelivery], Never>, [ChainDelivery])? in
            update(&state)
            state.outstanding -= settled
            guard state.outstanding == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            let outcomes = chainLengths.indices.map { chain in
                state.firstFailure[chain].map { ChainDelivery(acknowledged: $0.index, error: $0.error) }
                    ?? ChainDelivery(acknowledged: chainLengths[chain], error: nil)
            }
            return (continuation, outcomes)
        }
        if let (continuation, outcomes) = done { continuation.resume(returning: outcomes) }
    }
}

/// One batch through the mapper: evaluate every record (pure), then produce all outputs and await every ack.
///
/// Outputs with the same topic and key form a chain in input order, which reaches the model topic in that order
/// (versions of one record); ``MapperRecordSink/deliver(chains:)`` produces all chains at once. Failed sends are retried with
/// back-off, from the failed record on; after ``produceAttempts`` the batch fails and must not be committed.
struct MapperBatchProcessor: Sendable {
    let engine: MappingEngine
    let sink: any MapperRecordSink
    let metrics: MapperMetrics
    let logger: Logger
    let produceAttempts: Int
    let initialBackoff: Duration
    let maxBackoff: Duration

    /// A record to produce and what it counts as once acknowledged.
    struct Outgoing: Sendable {
        enum Kind: Sendable, Equatable { case model, deadLetter(String) }
        let record: KafkaProducerRecord
        let kind: Kind
    }

    /// The outputs of a batch, grouped into per-(topic, key) chains in input order.
    struct Plan: Sendable {
        var chains: [[Outgoing]] = []
        var filtered = 0
        /// Of ``filtered``, the skips because an integration's own filter was false.
        var integrationFiltered = 0
        var consumed = 0
        var outgoingCount: Int { chains.reduce(0) { $0 + $1.count } }
    }

    /// The chain an output belongs to: its topic and key (hashed as they are, without joining them into a string).
    struct ChainKey: Hashable {
        let topic: String
        let key: [UInt8]?
    }

    /// Evaluates every record of the batch. CPU only; no I/O.
    func plan(_ batch: KafkaRecordBatch) -> Plan {
        var plan = Plan()
        var chainIndex: [ChainKey: Int] = [:]
        chainIndex.reserveCapacity(batch.records.count)
        func append(_ outgoing: Outgoing) {
            let chainKey = ChainKey(topic: outgoing.record.topic, key: outgoing.record.key)
            if let index = chainIndex[chainKey] {
                plan.chains[index].append(outgoing)
            } else {
                chainIndex[chainKey] = plan.chains.count
                plan.chains.append([outgoing])
            }
        }
        for input in batch.records {
            plan.consumed += 1
            let outputs: [MapperOutput]
            do {
                let envelope = try input.envelope()
                outputs = engine.map(envelope: envelope, value: input.value)
            } catch {
                outputs = [.deadLetter(MapperFailure(code: .invalidEnvelope, message: "\(error.reason); only records written by Inlet's deduplicator can be mapped"))]
            }
            for output in outputs {
                switch output {
                case .record(let mapped):
                    append(Outgoing(record: MapperBatchProcessor.producerRecord(mapped), kind: .model))
                case .filtered(let skip):
                    plan.filtered += 1
                    if skip.reason == .integrationFilter { plan.integrationFiltered += 1 }
                    var metadata = input.logMetadata
                    metadata["mapper.mapping"] = "\(skip.mappingFile)"
                    metadata["mapper.entry"] = "\(skip.entryIndex)"
                    metadata["mapper.reason"] = "\(skip.reason.rawValue)"
                    logger.debug("mapping entry produced no record", metadata: metadata)
                case .deadLetter(let failure):
                    var metadata = input.logMetadata
                    metadata["mapper.error_code"] = "\(failure.code)"
                    metadata["mapper.error"] = "\(failure.message)"
                    logger.warning("record sent to the dead-letter topic", metadata: metadata)
                    append(Outgoing(record: MapperBatchProcessor.deadLetterRecord(failure, input: input),
                                    kind: .deadLetter(failure.code.rawValue)))
                }
            }
        }
        return plan
    }

    /// Plans and produces a batch; returns once every output is acknowledged.
    /// - Throws: ``MapperError`` `.produce` when outputs could not be produced in ``produceAttempts`` attempts
    ///   or the producer shut down; the caller must not commit the batch.
    func process(_ batch: KafkaRecordBatch) async throws(MapperError) {
        try await produce(prepare(batch).chains)
    }

    /// Plans a batch (``plan(_:)``) and counts its consumed and filtered records.
    func prepare(_ batch: KafkaRecordBatch) -> Plan {
        let plan = plan(batch)
        metrics.addConsumed(plan.consumed)
        metrics.addFiltered(plan.filtered, byIntegration: plan.integrationFiltered)
        return plan
    }

    func produce(_ chains: [[Outgoing]]) async throws(MapperError) {
        var pending = chains.filter { !$0.isEmpty }
        var attempt = 1
        var backoff = initialBackoff
        while !pending.isEmpty {
            let results = await sendChains(pending)
            var remaining: [[Outgoing]] = []
            var lastError: (any Error)?
            var produced = 0
            var deadLetters: [String: Int] = [:]
            for result in results {
                for kind in result.acknowledged {
                    switch kind {
                    case .model: produced += 1
                    case .deadLetter(let code): deadLetters[code, default: 0] += 1
                    }
                }
                if !result.remaining.isEmpty {
                    remaining.append(result.remaining)
                    lastError = result.error
                }
            }
            metrics.addProduced(produced)
            metrics.addDeadLetters(deadLetters)
            guard !remaining.isEmpty else { return }

            let failed = remaining.reduce(0) { $0 + $1.count }
            if let kafka = lastError as? KafkaError, kafka.code == .shutDown {
                throw MapperError(.produce, "the producer shut down with \(failed) outputs of the batch unproduced; the batch is not committed and will be re-read", isRetriable: true)
            }
            guard attempt < produceAttempts else {
                throw MapperError(
                    .produce,
                    "\(failed) outputs of the batch could not be produced after \(attempt) attempts (last error: \(lastError.map { "\($0)" } ?? "unknown")); the batch is not committed and will be re-read after a restart; check the broker",
                    isRetriable: true)
            }
            metrics.addRetries(failed)
            logger.warning("producing mapper outputs failed; retrying", metadata: [
                "mapper.failed_outputs": "\(failed)", "mapper.attempt": "\(attempt)",
                "mapper.backoff_ms": "\(backoff.wholeMilliseconds)",
                "error": "\(lastError.map { "\($0)" } ?? "unknown")",
            ])
            do {
                try await Task.sleep(for: backoff)
            } catch {
                throw MapperError(.produce, "cancelled while retrying \(failed) outputs; the batch is not committed", isRetriable: true)
            }
            backoff = min(backoff * 2, maxBackoff)
            attempt += 1
            pending = remaining
        }
    }

    struct ChainResult: Sendable {
        var acknowledged: [Outgoing.Kind] = []
        /// The failed record and everything after it in the chain.
        var remaining: [Outgoing] = []
        var error: (any Error)?
    }

    private func sendChains(_ chains: [[Outgoing]]) async -> [ChainResult] {
        let outcomes = await sink.deliver(chains: chains.map { $0.map(\.record) })
        return zip(chains, outcomes).map { chain, outcome in
            ChainResult(acknowledged: chain.prefix(outcome.acknowledged).map(\.kind),
                        remaining: Array(chain.dropFirst(outcome.acknowledged)), error: outcome.error)
        }
    }

    /// A model record on `inlet.model.<model>`, keyed by its upsert key, with the model-topic envelope.
    static func producerRecord(_ mapped: MappedRecord) -> KafkaProducerRecord {
        KafkaProducerRecord(
            topic: mapped.topic.rawValue, key: Array(mapped.key.utf8), value: mapped.record.jsonUTF8(),
            headers: mapped.envelope.kafkaHeaders)
    }

    /// The input record, unchanged (key, value, headers), on `inlet.dlq.mapper` with the dead-letter headers.
    /// Dead-letter headers of an earlier failure (a redriven record) are replaced.
    static func deadLetterRecord(_ failure: MapperFailure, input: KafkaRecord) -> KafkaProducerRecord {
        failure.deadLetter(originalTopic: input.topic, originalPartition: input.partition, originalOffset: input.offset)
            .record(for: input)
    }
}

extension Duration {
    /// Whole milliseconds, for log metadata.
    var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
