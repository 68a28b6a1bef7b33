import InletCore
import InletCrypto
import Synchronization

/// The subscriptions whose subscriber answered `410 Gone`, shared by every subscription loop of one deliverer.
///
/// A gone subscription is sent nothing more: its records go straight to the dead-letter topic as `subscriber_gone`.
/// A mark belongs to the subscription's ID *and* URL (``GoneSubscriptionMark/urlHash``), so fixing the URL in the
/// subscriptions file re-enables it. Marks are kept across restarts by a ``GoneSubscriptionStore`` when the
/// deliverer has one (``DelivererService`` loads them at start and writes new ones); without one they live only as
/// long as the process.
public final class GoneSubscriptions: Sendable {
    private let marks = Mutex<[String: GoneSubscriptionMark]>([:])
    private let newMarksContinuation: AsyncStream<GoneSubscriptionMark>.Continuation
    /// Marks made by this process (after a 410), in order, for the service to store; finished by ``finish()``.
    /// Unbounded, which is fine: at most one mark per subscription and URL.
    let newMarks: AsyncStream<GoneSubscriptionMark>

    public init() {
        (newMarks, newMarksContinuation) = AsyncStream.makeStream(of: GoneSubscriptionMark.self)
    }

    /// Whether `subscription` (this ID at this URL) is marked gone.
    public func isGone(_ subscription: Subscription) -> Bool {
        let hash = GoneSubscriptionMark.urlHash(subscription.url)
        return marks.withLock { $0[subscription.id]?.urlHash == hash }
    }

    /// Marks `subscription` gone; returns the new mark, or nil when it was marked already.
    func markGone(_ subscription: Subscription, statusLine: String, at time: String) -> GoneSubscriptionMark? {
        let mark = GoneSubscriptionMark(subscriptionID: subscription.id, urlHash: GoneSubscriptionMark.urlHash(subscription.url),
                                        markedAt: time, statusLine: statusLine)
        let isNew = marks.withLock { marks in
            if marks[subscription.id]?.urlHash == mark.urlHash { return false }
            marks[subscription.id] = mark
            return true
        }
        guard isNew else { return nil }
        newMarksContinuation.yield(mark)
        return mark
    }

    /// Ends ``newMarks`` (the deliverer has stopped; no mark can be made any more).
    func finish() {
        newMarksContinuation.finish()
    }

    /// Adopts stored marks (at start-up) of `subscriptions` at their current URLs; marks of other subscriptions or
    /// of URLs they no longer have are left out.
    func adopt(_ stored: [GoneSubscriptionMark], for subscriptions: [Subscription]) {
        let current = Dictionary(subscriptions.map { ($0.id, GoneSubscriptionMark.urlHash($0.url)) }) { first, _ in first }
        marks.withLock { marks in
            // Only a mark for a subscription's current URL matters; one for an old URL must not hide it.
            for mark in stored where current[mark.subscriptionID] == mark.urlHash && marks[mark.subscriptionID] == nil {
                marks[mark.subscriptionID] = mark
            }
        }
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
