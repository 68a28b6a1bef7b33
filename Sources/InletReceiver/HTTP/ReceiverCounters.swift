import Synchronization

/// Counts accepted deliveries and rejections by ``RejectionCode``, for a metrics exporter to read later.
///
/// Accepted deliveries (the hot path) use one relaxed atomic; rejections share a small lock.
public final class ReceiverCounters: Sendable {
    private let accepted = Atomic<Int>(0)
    private let inFlight = Atomic<Int>(0)
    private let rejected = Mutex([Int](repeating: 0, count: RejectionCode.allCases.count))

    public init() {}

    /// Deliveries the broker acknowledged and that were answered 202.
    public var acceptedCount: Int { accepted.load(ordering: .relaxed) }

    /// Verified deliveries waiting for the broker's acknowledgement right now (a gauge).
    public var inFlightCount: Int { inFlight.load(ordering: .relaxed) }

    /// How many requests were refused with `code`.
    public func rejections(_ code: RejectionCode) -> Int { rejected.withLock { $0[code.index] } }

    /// Every rejection count by stable code (`signature_mismatch` → 3), zeros included.
    public var rejectionsByCode: [String: Int] {
        let counts = rejected.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: RejectionCode.allCases.map { ($0.rawValue, counts[$0.index]) })
    }

    func recordAccepted() { accepted.add(1, ordering: .relaxed) }
    func beginSend() { inFlight.add(1, ordering: .relaxed) }
    func endSend() { inFlight.subtract(1, ordering: .relaxed) }
    func recordRejection(_ code: RejectionCode) { rejected.withLock { $0[code.index] += 1 } }
}
