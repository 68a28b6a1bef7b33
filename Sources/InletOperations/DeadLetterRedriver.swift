import InletCore
import InletKafka
import Logging

/// What to redrive (`inlet dlq redrive`).
public struct RedriveRequest: Sendable {
    public var topology: StageTopology
    public var filter: RecordFilter
    /// Only dead letters from this position of the dead-letter topic on. Default: the beginning.
    public var since: StreamPosition
    /// Count what would be sent; send and record nothing.
    public var dryRun: Bool
    /// Also re-send dead letters whose earlier redrive claimed them but never confirmed (it died in between).
    public var retryUnconfirmed: Bool

    public init(topology: StageTopology, filter: RecordFilter = .all, since: StreamPosition = .beginning,
                dryRun: Bool = false, retryUnconfirmed: Bool = false) {
        self.topology = topology
        self.filter = filter
        self.since = since
        self.dryRun = dryRun
        self.retryUnconfirmed = retryUnconfirmed
    }
}

/// What a redrive did.
public struct RedriveReport: Sendable {
    /// The redrive's ID (the `ce_inletreplayid` of what it sent); nil for a dry run.
    public var redriveID: String?
    /// Records read from the dead-letter topic that passed the filter.
    public var matched = 0
    /// Of those, records without dead-letter headers (not written by a stage): never sent.
    public var notDeadLetters = 0
    /// Dead letters an earlier redrive already sent.
    public var alreadySent = 0
    /// Dead letters an earlier redrive claimed but never confirmed (see ``RedriveStore``), not re-sent.
    public var unconfirmed: [DeadLetterID] = []
    /// Sent by this redrive (a dry run: would be sent).
    public var sent = 0
    /// Sent (or would be) by error code.
    public var sentByError: [String: Int] = [:]
    /// Where they went.
    public var targetTopic: String
}

/// Sends dead letters of a stage back to it, through the stage's replay topic `inlet.replay.<stage>`, and records
/// what it sent in `inlet_redrives` so a second redrive does not send again.
///
/// Why the replay topic and not the original topic: the original topic of a model record is read by the persister,
/// the deliverer and downstream services alike, so putting one stage's failure back there would make every other
/// reader process it again; the replay topic is read by that stage alone, and the original topics stay an
/// unaltered history. The redriven record keeps its key, value and headers — the dead-letter headers included (the
/// deliverer delivers a record carrying `inlet-dlq-subscription` to that subscription only) — and gains the replay
/// headers (``ReplayHeader``) with the redrive ID and the original coordinates from the dead letter. If the stage
/// fails on it again it dead-letters it again with the new reason.
public struct DeadLetterRedriver: Sendable {
    let inspector: DeadLetterInspector
    let producer: (any KafkaRecordSending)?
    let store: RedriveStore
    let logger: Logger

    /// - Parameter producer: a running producer; nil allows only dry runs.
    public init(inspector: DeadLetterInspector, producer: (any KafkaRecordSending)?, store: RedriveStore, logger: Logger) {
        self.inspector = inspector
        self.producer = producer
        self.store = store
        self.logger = logger
    }

    public func redrive(_ request: RedriveRequest, shouldStop: @Sendable () -> Bool = { false }) async throws -> RedriveReport {
        guard request.topology.stage != .receiver else {
            throw OperationsError(.invalidState, "the receiver reads no topic, so it has nothing to redrive into; its failures are answered to the provider, which retries")
        }
        let sender = producer.map(OrderedRecordSender.init(sender:))
        guard request.dryRun || sender != nil else {
            throw OperationsError(.invalidState, "this redriver was built without a producer; only dry runs are possible")
        }
        try await store.prepare()
        let redriveID = OperationID.make("redrive")
        var report = RedriveReport(redriveID: request.dryRun ? nil : redriveID, targetTopic: request.topology.replayTopic)
        do {
            try await inspector.scan(topic: request.topology.deadLetterTopic, since: request.since, filter: request.filter) { entries in
                try await handle(entries, request: request, redriveID: redriveID, sender: sender, report: &report)
                return !shouldStop()
            }
        } catch {
            if !request.dryRun { try? await store.release(unconfirmedOf: redriveID) }
            throw error
        }
        if !request.dryRun, report.sent > 0 {
            logger.info("dead letters redriven", metadata: [
                "redrive.id": "\(redriveID)", "redrive.stage": "\(request.topology.stage.rawValue)",
                "redrive.sent": "\(report.sent)", "redrive.target": "\(request.topology.replayTopic)",
            ])
        }
        return report
    }

    private func handle(
        _ entries: [DeadLetterEntry], request: RedriveRequest, redriveID: String, sender: OrderedRecordSender?,
        report: inout RedriveReport
    ) async throws {
        report.matched += entries.count
        let letters = entries.filter { $0.deadLetter != nil }
        report.notDeadLetters += entries.count - letters.count
        let states = try await store.states(of: letters)
        var candidates: [DeadLetterEntry] = []
        var takingOver = Set<DeadLetterID>()
        for entry in letters {
            switch states[entry.id] {
            case .sent?:
                report.alreadySent += 1
            case .unconfirmed?:
                if request.retryUnconfirmed {
                    takingOver.insert(entry.id)
                    candidates.append(entry)
                } else {
                    report.unconfirmed.append(entry.id)
                }
            case nil:
                candidates.append(entry)
            }
        }
        guard !request.dryRun else {
            count(candidates, into: &report)
            return
        }
        guard let sender, !candidates.isEmpty else { return }
        let claimed = try await store.claim(candidates, redriveID: redriveID, stage: request.topology.stage.rawValue,
                                            targetTopic: request.topology.replayTopic, takingOver: takingOver)
        // A concurrent redrive may have claimed some in between: send only what this one holds.
        let mine = candidates.filter { claimed.contains($0.id) }
        report.alreadySent += candidates.count - mine.count
        let records = mine.map { entry in
            ReplayHeader.record(
                replaying: entry.record, to: request.topology.replayTopic, replayID: redriveID,
                origin: entry.deadLetter.map { ($0.originalTopic, $0.originalPartition, $0.originalOffset) })
        }
        let reports = try await sender.send(records)
        try await store.confirm(Array(zip(mine, reports)).map { (entry: $0.0, report: $0.1) }, redriveID: redriveID)
        count(mine, into: &report)
    }

    private func count(_ entries: [DeadLetterEntry], into report: inout RedriveReport) {
        report.sent += entries.count
        for entry in entries { report.sentByError[entry.deadLetter?.errorCode ?? "", default: 0] += 1 }
    }
}
