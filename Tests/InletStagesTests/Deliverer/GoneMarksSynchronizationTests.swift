import InletCore
import Testing
@testable import InletDeliverer

/// `GoneSubscriptions.synchronize`: how the marks a deliverer holds follow the store's rows, without a database.
@Suite("Gone marks follow the store")
struct GoneMarksSynchronizationTests {
    let crm = DelivererFixtures.subscription(id: "crm", url: "https://crm.example/hook")
    let ci = DelivererFixtures.subscription(id: "ci", url: "https://ci.example/hook")

    func storedMark(_ subscription: Subscription, url: String? = nil) -> GoneSubscriptionMark {
        GoneSubscriptionMark(subscriptionID: subscription.id, urlHash: GoneSubscriptionMark.urlHash(url ?? subscription.url),
                             markedAt: "2026-11-22T04:00:00.000Z", statusLine: "HTTP 410 Gone")
    }

    @Test("a stored mark is adopted once, for the subscription's current URL only")
    func adoptsStoredMarks() {
        let gone = GoneSubscriptions()
        let stored = [storedMark(crm), storedMark(ci, url: "https://ci.example/old")]
        let changes = gone.synchronize(with: stored, for: [crm, ci], read: gone.beginRead())
        #expect(changes.adopted == [storedMark(crm)])
        #expect(changes.reenabled.isEmpty && changes.unstored.isEmpty)
        #expect(gone.goneIDs(among: [crm, ci]) == ["crm"], "a mark for a URL the subscription no longer has must not hide it")
        let again = gone.synchronize(with: stored, for: [crm, ci], read: gone.beginRead())
        #expect(again == GoneSubscriptions.Changes(), "a mark already held is not adopted twice")
    }

    @Test("a stored mark deleted from the store re-enables the subscription")
    func deletedMarkReenables() {
        let gone = GoneSubscriptions()
        _ = gone.synchronize(with: [storedMark(crm)], for: [crm], read: gone.beginRead())
        #expect(gone.isGone(crm))
        let changes = gone.synchronize(with: [], for: [crm], read: gone.beginRead())
        #expect(changes.reenabled == ["crm"])
        #expect(!gone.isGone(crm))
    }

    @Test("a mark this process made is kept until stored, and returned to be written again")
    func ownMarkIsKeptUntilStored() throws {
        let gone = GoneSubscriptions()
        let mark = try #require(gone.markGone(crm, statusLine: "HTTP 410 Gone", at: "2026-11-22T04:00:00.000Z"))
        let changes = gone.synchronize(with: [], for: [crm], read: gone.beginRead())
        #expect(changes.unstored == [mark], "its write failed or is under way: write it again")
        #expect(changes.reenabled.isEmpty)
        #expect(gone.isGone(crm))
    }

    @Test("a read that began before this process stored its mark does not drop it; a later read that misses it does")
    func writeDuringReadIsNotMistakenForDeletion() throws {
        let gone = GoneSubscriptions()
        let mark = try #require(gone.markGone(crm, statusLine: "HTTP 410 Gone", at: "2026-11-22T04:00:00.000Z"))
        let early = gone.beginRead()  // the query starts, then the write commits and returns
        gone.markStored(mark)
        let fromEarly = gone.synchronize(with: [], for: [crm], read: early)
        #expect(fromEarly == GoneSubscriptions.Changes())
        #expect(gone.isGone(crm), "the early read could not see the write")
        let later = gone.synchronize(with: [], for: [crm], read: gone.beginRead())
        #expect(later.reenabled == ["crm"], "a read begun after the write that does not see it: an operator deleted it")
        #expect(!gone.isGone(crm))
    }

    @Test("an older read applied after a newer one changes nothing")
    func olderReadIsIgnored() {
        let gone = GoneSubscriptions()
        let older = gone.beginRead()
        let newer = gone.beginRead()
        #expect(gone.synchronize(with: [], for: [crm], read: newer) == GoneSubscriptions.Changes())
        let late = gone.synchronize(with: [storedMark(crm)], for: [crm], read: older)
        #expect(late == GoneSubscriptions.Changes())
        #expect(!gone.isGone(crm), "the newer read saw no mark; the older one must not bring one back")
    }

    @Test("after re-enabling, a new 410 marks the subscription again")
    func marksAgainAfterReenabling() throws {
        let gone = GoneSubscriptions()
        _ = gone.synchronize(with: [storedMark(crm)], for: [crm], read: gone.beginRead())
        #expect(gone.markGone(crm, statusLine: "HTTP 410 Gone", at: "2026-11-22T05:00:00.000Z") == nil, "already marked")
        _ = gone.synchronize(with: [], for: [crm], read: gone.beginRead())
        let mark = try #require(gone.markGone(crm, statusLine: "HTTP 410 Gone", at: "2026-11-22T06:00:00.000Z"))
        #expect(mark.markedAt == "2026-11-22T06:00:00.000Z")
        #expect(gone.isGone(crm))
    }
}
