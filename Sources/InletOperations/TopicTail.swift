import InletKafka

/// Reads a topic for people to look at (`inlet tail`): from a position to the end as it is now, or on as new
/// records arrive (`follow`), keeping the records a filter accepts, up to a limit.
public struct TopicTail: Sendable {
    /// What a tail read.
    public struct Summary: Sendable, Hashable {
        public var scanned = 0
        public var shown = 0
        public var filterErrors = 0
        public var firstFilterError: String?
    }

    let admin: KafkaConsumerGroupAdmin
    let reader: KafkaPartitionReader

    public init(admin: KafkaConsumerGroupAdmin, reader: KafkaPartitionReader) {
        self.admin = admin
        self.reader = reader
    }

    /// - Parameters:
    ///   - partitions: only these partition numbers; nil for all.
    ///   - limit: stop after this many shown records; nil for no limit.
    ///   - emit: gets each accepted record, in offset order per partition.
    public func run(
        topic: String, partitions: Set<Int32>? = nil, from: StreamPosition, filter: RecordFilter = .all,
        follow: Bool = false, limit: Int? = nil, shouldStop: @Sendable () -> Bool = { false },
        emit: (KafkaRecord) -> Void
    ) async throws -> Summary {
        let selected = try await admin.partitions(of: [topic]).filter { partitions?.contains($0.partition) ?? true }
        guard !selected.isEmpty else {
            throw OperationsError(.invalidArgument, "topic \(topic) has no partition numbered \(partitions.map { $0.sorted().map(String.init).joined(separator: ",") } ?? "")")
        }
        let resolver = OffsetResolver(admin: admin, reader: reader)
        let starts = try await resolver.resolve(from, on: selected)
        let ends = follow ? [:] : try await resolver.resolve(.end, on: selected)
        let ranges = PartitionRangeReader(
            reader: reader, ranges: Dictionary(uniqueKeysWithValues: selected.map { ($0, (start: starts[$0]!, end: ends[$0])) }))
        var summary = Summary()
        while !shouldStop(), summary.shown < (limit ?? .max), let batch = try await ranges.nextBatch(wait: .milliseconds(250)) {
            for record in batch {
                summary.scanned += 1
                do {
                    guard try filter.accepts(record) else { continue }
                } catch {
                    summary.filterErrors += 1
                    if summary.firstFilterError == nil { summary.firstFilterError = error.reason }
                    continue
                }
                emit(record)
                summary.shown += 1
                if summary.shown >= (limit ?? .max) { break }
            }
        }
        return summary
    }
}
