import Foundation

/// What ``IntegrationCatalogService`` knows between polls, and what it should do next. No I/O: the service performs
/// what this decides, so the rules are tested on their own.
struct CatalogPollState: Sendable {
    /// Why a new snapshot is loaded.
    enum Reason: String, Sendable {
        /// The change counter moved: something was written.
        case changed
        /// A signing token of the applied snapshot ended (``IntegrationSnapshot/refreshAt``).
        case tokenEnded = "token_ended"
    }

    /// The snapshot the receiver runs with.
    private(set) var applied: IntegrationSnapshot
    /// A version the receiver refused (`onChange` threw): not offered again until the counter moves on.
    private(set) var refusedVersion: Int64?
    /// A version that could not be loaded (a secret does not open): retried every poll, reported once.
    private(set) var unloadableVersion: Int64?
    /// Polls in a row that could not reach the database.
    private(set) var consecutiveFailures = 0

    init(applied: IntegrationSnapshot) {
        self.applied = applied
    }

    /// Whether to load a new snapshot, given the counter read from the database; nil to keep the applied one.
    func reasonToLoad(observedVersion: Int64, now: Date) -> Reason? {
        guard observedVersion != refusedVersion else { return nil }
        if observedVersion != applied.version { return .changed }
        return applied.needsRefresh(at: now) ? .tokenEnded : nil
    }

    mutating func didApply(_ snapshot: IntegrationSnapshot) {
        applied = snapshot
        refusedVersion = nil
        unloadableVersion = nil
    }

    mutating func didRefuse(version: Int64) { refusedVersion = version }

    /// - Returns: whether this is the first failure to load `version` (worth an error line; repeats are not).
    mutating func failedToLoad(version: Int64) -> Bool {
        defer { unloadableVersion = version }
        return unloadableVersion != version
    }

    /// - Returns: whether to log this failure: the first, then every `every`-th in a row.
    mutating func pollFailed(every: Int = 30) -> Bool {
        consecutiveFailures += 1
        return consecutiveFailures == 1 || consecutiveFailures % every == 0
    }

    /// - Returns: how many polls had failed before this one (non-zero: log the recovery).
    mutating func pollSucceeded() -> Int {
        defer { consecutiveFailures = 0 }
        return consecutiveFailures
    }
}
