import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps a receiver's integrations current: every poll interval it reads the catalog's change counter (one
/// single-row read) and, when it moved, loads a new ``IntegrationSnapshot`` and hands it to `onChange`. So a new,
/// rotated, disabled or removed secret or integration takes effect within one interval. (A secret's `not_after` is
/// enforced by the receiver itself, to the second; a GitLab signing token's end triggers a reload.)
///
/// Failures never stop the service or the receiver, which keeps the snapshot it has:
/// - the database cannot be reached: a warning on the first failed poll, then every 30th, and a note on recovery;
/// - a snapshot cannot be loaded (a secret does not open): one error per change counter value, naming the secret
///   and the variable to set; retried every poll;
/// - `onChange` throws (the receiver refuses the snapshot): one error, and that version is not offered again.
///
/// `run()` returns on graceful shutdown or cancellation. It owns no connection: the caller closes the
/// `PostgresClient` after the service group has finished.
public final class IntegrationCatalogService: Service, Sendable {
    /// Receives every new snapshot, one at a time, from the service's task. Throw to refuse it.
    public typealias ChangeHandler = @Sendable (IntegrationSnapshot) async throws -> Void

    private let catalog: IntegrationCatalog
    private let pollInterval: Duration
    private let onChange: ChangeHandler
    private let logger: Logger
    private let state: Mutex<CatalogPollState>

    /// - Parameters:
    ///   - initial: the snapshot the receiver started with (``IntegrationCatalog/load(now:)`` at start-up).
    ///   - pollInterval: default 2 seconds (``IntegrationCatalogConfiguration/pollInterval``).
    public init(catalog: IntegrationCatalog, initial: IntegrationSnapshot, pollInterval: Duration = .seconds(2),
                logger: Logger, onChange: @escaping ChangeHandler) {
        self.catalog = catalog
        self.pollInterval = pollInterval
        self.onChange = onChange
        self.logger = logger
        self.state = Mutex(CatalogPollState(applied: initial))
    }

    /// The snapshot last accepted by `onChange` (or the initial one).
    public var current: IntegrationSnapshot { state.withLock { $0.applied } }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { [pollInterval] in try await Task.sleep(for: pollInterval) }
            } catch {
                return  // cancelled or shutting down
            }
            await poll(now: Date())
        }
    }

    /// One round: read the counter, and load and hand over a new snapshot when it moved (or a signing token in the
    /// running one ended). Internal so tests can drive it step by step.
    func poll(now: Date) async {
        let version: Int64
        do {
            version = try await catalog.currentVersion()
            let failedBefore = state.withLock { $0.pollSucceeded() }
            if failedBefore > 0 {
                logger.notice("integrations poll recovered", metadata: [IntegrationsLogKeys.failures: "\(failedBefore)"])
            }
        } catch {
            let (report, failures) = state.withLock { ($0.pollFailed(), $0.consecutiveFailures) }
            if report {
                logger.warning("integrations poll failed; the receiver keeps its current integrations", metadata: [
                    IntegrationsLogKeys.error: "\(error)", IntegrationsLogKeys.failures: "\(failures)",
                ])
            }
            return
        }
        guard let reason = state.withLock({ $0.reasonToLoad(observedVersion: version, now: now) }) else { return }
        let snapshot: IntegrationSnapshot
        do {
            snapshot = try await catalog.load(now: now)
        } catch {
            if state.withLock({ $0.failedToLoad(version: version) }) {
                logger.error("integrations changed but could not be loaded; the receiver keeps its current integrations", metadata: [
                    IntegrationsLogKeys.version: "\(version)", IntegrationsLogKeys.error: "\(error)",
                ])
            }
            return
        }
        await publish(snapshot, reason: reason)
    }

    private func publish(_ snapshot: IntegrationSnapshot, reason: CatalogPollState.Reason) async {
        let previous = state.withLock { $0.applied.version }
        do {
            try await onChange(snapshot)
        } catch {
            state.withLock { $0.didRefuse(version: snapshot.version) }
            logger.error("the receiver refused the changed integrations; it keeps the ones it has", metadata: [
                IntegrationsLogKeys.version: "\(snapshot.version)", IntegrationsLogKeys.error: "\(error)",
            ])
            return
        }
        state.withLock { $0.didApply(snapshot) }
        logger.info("integrations updated", metadata: [
            IntegrationsLogKeys.version: "\(snapshot.version)", IntegrationsLogKeys.previousVersion: "\(previous)",
            IntegrationsLogKeys.count: "\(snapshot.integrations.count)", IntegrationsLogKeys.reason: "\(reason.rawValue)",
        ])
    }
}
