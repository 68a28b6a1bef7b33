import InletCore
import Synchronization

/// Handshakes the receiver answered itself, by kind (refused ones are counted as the rejection `invalid_handshake`
/// in ``ReceiverCounters``). Handshakes are rare — a few per integration set-up — so one small lock is enough.
public final class HandshakeCounters: Sendable {
    private let answered = Mutex([HandshakeKind: Int]())

    public init() {}

    /// How many handshakes of `kind` were answered.
    public func answered(_ kind: HandshakeKind) -> Int { answered.withLock { $0[kind] ?? 0 } }

    /// Answered handshakes by kind (`slack-url-verification` → 1), zeros included.
    public var answeredByKind: [String: Int] {
        let counts = answered.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: HandshakeKind.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
    }

    func recordAnswered(_ kind: HandshakeKind) { answered.withLock { $0[kind, default: 0] += 1 } }
}
