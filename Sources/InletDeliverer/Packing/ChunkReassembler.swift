/// Puts split records back together on the receiving side (the sink uses it; any Swift subscriber can).
///
/// Feed it every verified request that carries `Inlet-Chunk: i/n` and `Inlet-Batch-Id: <id>`. Pieces may arrive in
/// any order and more than once (a retry after a lost response re-sends the same piece); when all `n` pieces of an ID
/// are present, ``accept(batchID:chunk:body:)`` returns the element (pieces concatenated in index order) exactly
/// once. IDs completed recently are remembered, so a late duplicate piece is reported as such instead of starting a
/// new, never-completing assembly.
///
/// A value type with no locking: wrap it in an actor or a `Mutex` to share it.
public struct ChunkReassembler: Sendable {
    /// What happened to one piece.
    public enum Outcome: Sendable, Equatable {
        /// Stored; `received` of `count` pieces are present.
        case incomplete(received: Int, count: Int)
        /// The last missing piece arrived: the whole element, in order.
        case complete([UInt8])
        /// A piece of an ID that was already completed; ignore it (answer 2xx).
        case duplicateOfCompleted
    }

    /// Largest element assembled; bigger assemblies are refused. Default: 64 MiB.
    public let maxElementBytes: Int
    /// Most assemblies in progress at once; the oldest is dropped to make room. Default: 1,000.
    public let maxPendingAssemblies: Int
    /// How many completed IDs are remembered for duplicate detection. Default: 10,000.
    public let rememberedCompletions: Int

    private struct Assembly: Sendable {
        var count: Int
        var pieces: [Int: [UInt8]] = [:]
        var bytes = 0
        var sequence: UInt64
    }

    private var pending: [String: Assembly] = [:]
    private var completed: Set<String> = []
    private var completionOrder: [String] = []
    private var completionHead = 0
    private var sequence: UInt64 = 0

    public init(maxElementBytes: Int = 64 << 20, maxPendingAssemblies: Int = 1000, rememberedCompletions: Int = 10_000) {
        self.maxElementBytes = maxElementBytes
        self.maxPendingAssemblies = max(1, maxPendingAssemblies)
        self.rememberedCompletions = max(1, rememberedCompletions)
    }

    /// Assemblies in progress.
    public var pendingCount: Int { pending.count }

    /// Stores one piece.
    /// - Throws: ``DelivererError`` `.invalidChunk` when the piece's `n` differs from earlier pieces of the same ID,
    ///   a repeated piece has different bytes, or the assembly would exceed ``maxElementBytes``. The assembly is
    ///   dropped; the sender's retry starts it again.
    public mutating func accept(batchID: String, chunk: BodyPacker.Chunk, body: [UInt8]) throws(DelivererError) -> Outcome {
        guard chunk.index >= 1, chunk.index <= chunk.count else {
            throw DelivererError(.invalidChunk, "batch \(batchID.prefix(80)): piece \(chunk) is out of range")
        }
        if completed.contains(batchID) { return .duplicateOfCompleted }
        sequence += 1
        var assembly = pending.removeValue(forKey: batchID) ?? Assembly(count: chunk.count, sequence: sequence)
        guard assembly.count == chunk.count else {
            throw DelivererError(.invalidChunk, "batch \(batchID.prefix(80)): piece \(chunk) disagrees with earlier pieces that said \(assembly.count) pieces")
        }
        if let existing = assembly.pieces[chunk.index] {
            guard existing == body else {
                throw DelivererError(.invalidChunk, "batch \(batchID.prefix(80)): piece \(chunk) arrived twice with different bytes")
            }
        } else {
            guard assembly.bytes + body.count <= maxElementBytes else {
                throw DelivererError(.invalidChunk, "batch \(batchID.prefix(80)) exceeds \(maxElementBytes) bytes; raise maxElementBytes if such records are expected")
            }
            assembly.pieces[chunk.index] = body
            assembly.bytes += body.count
        }
        guard assembly.pieces.count == assembly.count else {
            let received = assembly.pieces.count
            if pending.count >= maxPendingAssemblies, let oldest = pending.min(by: { $0.value.sequence < $1.value.sequence })?.key {
                pending.removeValue(forKey: oldest)
            }
            pending[batchID] = assembly
            return .incomplete(received: received, count: assembly.count)
        }
        var element: [UInt8] = []
        element.reserveCapacity(assembly.bytes)
        for index in 1...assembly.count { element.append(contentsOf: assembly.pieces[index]!) }
        remember(batchID)
        return .complete(element)
    }

    private mutating func remember(_ batchID: String) {
        completed.insert(batchID)
        if completionOrder.count < rememberedCompletions {
            completionOrder.append(batchID)
        } else {
            completed.remove(completionOrder[completionHead])
            completionOrder[completionHead] = batchID
            completionHead = (completionHead + 1) % rememberedCompletions
        }
    }
}
