import InletCore
import InletCrypto
import Synchronization

/// The subscriptions whose subscriber answered `410 Gone`, shared by every subscription loop of one deliverer.
///
/// A gone subscription is sent nothing more: its records go straight to the dead-letter topic as `subscriber_gone`.
/// A mark belongs to the subscription's ID *and* URL (``GoneSubscriptionMark/urlHash``), so fixing the URL in the
/// subscriptions file re-enables it. When the deliverer has a ``GoneSubscriptionStore``, ``DelivererService`` writes
/// each new mark to it and reads it back every few seconds (``synchronize(with:for:read:)``): marks other replicas
/// made are adopted, and marks an operator deleted (`inlet subscriptions enable`) are dropped, so the subscription is
/// served again without a restart. Without a store the marks live only as long as the process.
public final class GoneSubscriptions: Sendable {
    private let state = Mutex(State())
    private let newMarksContinuation: AsyncStream<GoneSubscriptionMark>.Continuation
    /// Marks made by this process (after a 410), in order, for the service to store; finished by ``finish()``.
    /// Unbounded, which is fine: at most one mark per subscription and URL.
    let newMarks: AsyncStream<GoneSubscriptionMark>

    private struct State {
        var marks: [String: HeldMark] = [:]
        /// Counts confirmed writes (``markStored(_:)``), to tell a write a read may have missed from one it saw.
        var writes: UInt64 = 0
        /// Counts reads started (``beginRead()``), so an older read never undoes a newer one.
        var readsStarted: UInt64 = 0
        var newestReadApplied: UInt64 = 0
    }

    private struct HeldMark {
        var mark: GoneSubscriptionMark
        /// The write count when the mark was known to be in the store; nil while it is in this process only.
        var storedAt: UInt64?
    }

    /// Where a read of the store begins, taken just before the query: ``synchronize(with:for:read:)`` uses it to
    /// tell what the read must have seen.
    struct Read: Sendable {
        fileprivate let number: UInt64
        fileprivate let writesBefore: UInt64
    }

    /// What one ``synchronize(with:for:read:)`` changed.
    struct Changes: Sendable, Equatable {
        /// Marks read from the store that this process did not hold: another replica's 410, or a mark stored
        /// before this process started.
        var adopted: [GoneSubscriptionMark] = []
        /// Subscriptions whose stored mark was deleted (`inlet subscriptions enable`): served again.
        var reenabled: [String] = []
        /// Marks made by this process that the store does not hold yet (a write failed or is still under way):
        /// to be written again.
        var unstored: [GoneSubscriptionMark] = []
    }

    public init() {
        (newMarks, newMarksContinuation) = AsyncStream.makeStream(of: GoneSubscriptionMark.self)
    }

    /// Whether `subscription` (this ID at this URL) is marked gone.
    public func isGone(_ subscription: Subscription) -> Bool {
        let hash = GoneSubscriptionMark.urlHash(subscription.url)
        return state.withLock { $0.marks[subscription.id]?.mark.urlHash == hash }
    }

    /// Marks `subscription` gone; returns the new mark, or nil when it was marked already.
    func markGone(_ subscription: Subscription, statusLine: String, at time: String) -> GoneSubscriptionMark? {
        let mark = GoneSubscriptionMark(subscriptionID: subscription.id, urlHash: GoneSubscriptionMark.urlHash(subscription.url),
                                        markedAt: time, statusLine: statusLine)
        let isNew = state.withLock { state in
            if state.marks[subscription.id]?.mark.urlHash == mark.urlHash { return false }
            state.marks[subscription.id] = HeldMark(mark: mark, storedAt: nil)
            return true
        }
        guard isNew else { return nil }
        newMarksContinuation.yield(mark)
        return mark
    }

    /// Records that `mark` was written to the store (after the write returned).
    func markStored(_ mark: GoneSubscriptionMark) {
        state.withLock { state in
            guard state.marks[mark.subscriptionID]?.mark.urlHash == mark.urlHash,
                  state.marks[mark.subscriptionID]?.storedAt == nil else { return }
            state.writes += 1
            state.marks[mark.subscriptionID]?.storedAt = state.writes
        }
    }

    /// Call just before reading the store; pass the result to ``synchronize(with:for:read:)``.
    func beginRead() -> Read {
        state.withLock { state in
            state.readsStarted += 1
            return Read(number: state.readsStarted, writesBefore: state.writes)
        }
    }

    /// Makes the marks of `subscriptions` (at their current URLs) agree with `stored`, the store's rows as `read`
    /// saw them; marks of other subscriptions or of URLs they no longer have are left out.
    ///
    /// - A stored mark this process lacks is adopted.
    /// - A mark this process holds and knew to be stored *before the read began*, but which the read did not see,
    ///   was deleted by an operator: the subscription is served again.
    /// - A mark this process made but has not stored yet is kept, and returned in ``Changes/unstored``.
    ///
    /// A read older than one already applied changes nothing (two reads may overlap when the store is slow).
    func synchronize(with stored: [GoneSubscriptionMark], for subscriptions: [Subscription], read: Read) -> Changes {
        state.withLock { state in
            var changes = Changes()
            guard read.number > state.newestReadApplied else { return changes }
            state.newestReadApplied = read.number
            for subscription in subscriptions {
                let hash = GoneSubscriptionMark.urlHash(subscription.url)
                let storedMark = stored.first { $0.subscriptionID == subscription.id && $0.urlHash == hash }
                let held = state.marks[subscription.id].flatMap { $0.mark.urlHash == hash ? $0 : nil }
                switch (storedMark, held) {
                case (let storedMark?, nil):
                    // Stored before any write of this process: a write count of 0 is before every read.
                    state.marks[subscription.id] = HeldMark(mark: storedMark, storedAt: 0)
                    changes.adopted.append(storedMark)
                case (.some, let held?):
                    if held.storedAt == nil { state.marks[subscription.id]?.storedAt = 0 }
                case (nil, let held?):
                    if let storedAt = held.storedAt {
                        if storedAt <= read.writesBefore {
                            state.marks[subscription.id] = nil
                            changes.reenabled.append(subscription.id)
                        }
                        // Otherwise it was written after the read began, which could not see it yet.
                    } else {
                        changes.unstored.append(held.mark)
                    }
                case (nil, nil):
                    break
                }
            }
            return changes
        }
    }

    /// Ends ``newMarks`` (the deliverer has stopped; no mark can be made any more).
    func finish() {
        newMarksContinuation.finish()
    }

    /// IDs of the subscriptions among `subscriptions` that are gone.
    public func goneIDs(among subscriptions: [Subscription]) -> Set<String> {
        Set(subscriptions.filter(isGone).map(\.id))
    }
}

/// One subscription marked gone: which one, at which URL, when and with what answer.
public struct GoneSubscriptionMark: Sendable, Equatable {
    public var subscriptionID: String
    /// ``urlHash(_:)`` of the URL that answered 410.
    public var urlHash: String
    /// When, RFC 3339 UTC.
    public var markedAt: String
    /// What the subscriber answered, e.g. `HTTP 410 Gone`.
    public var statusLine: String

    public init(subscriptionID: String, urlHash: String, markedAt: String, statusLine: String) {
        self.subscriptionID = subscriptionID
        self.urlHash = urlHash
        self.markedAt = markedAt
        self.statusLine = statusLine
    }

    /// 32 hex digits of SHA-256 over the URL: identifies the URL without storing it (it may carry a token).
    public static func urlHash(_ url: String) -> String {
        // SHA-256 over bytes in memory fails only when OpenSSL is broken; the deliverer cannot sign then either.
        (try? SHA256.hash(Array(url.utf8))).map { Hex.encode($0.prefix(16)) } ?? "unhashable"
    }
}
