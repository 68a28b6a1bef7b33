import Foundation
import InletCore
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import InletIntegrations

/// What a receiver would do with each snapshot: keep the latest, and remember when it arrived.
final class IntegrationsSnapshotRecorder: Sendable {
    private let received = Mutex<[(snapshot: IntegrationSnapshot, at: ContinuousClock.Instant)]>([])
    /// Which snapshots to refuse, as a receiver refuses one it cannot build routes from.
    private let refuses: @Sendable (IntegrationSnapshot) -> Bool

    init(refusing refuses: @escaping @Sendable (IntegrationSnapshot) -> Bool = { _ in false }) {
        self.refuses = refuses
    }

    var latest: IntegrationSnapshot? { received.withLock { $0.last?.snapshot } }
    var count: Int { received.withLock { $0.count } }

    func receive(_ snapshot: IntegrationSnapshot) throws {
        if refuses(snapshot) { throw RefusedSnapshot() }
        received.withLock { $0.append((snapshot, .now)) }
    }

    /// When the first snapshot satisfying `condition` arrived.
    func arrival(where condition: (IntegrationSnapshot) -> Bool) -> ContinuousClock.Instant? {
        received.withLock { $0.first { condition($0.snapshot) }?.at }
    }

    struct RefusedSnapshot: Error, CustomStringConvertible {
        var description: String { "refused by the test receiver" }
    }
}

@Suite(.enabled(if: IntegrationsTestDatabase.isConfigured, "needs the local PostgreSQL (source deploy/local/env.sh)"))
struct IntegrationsCatalogServiceTests {
    static let interval: Duration = .milliseconds(250)
    static let slack: Duration = .milliseconds(1500)

    /// Runs the service in a `ServiceGroup` for `body`, then shuts it down gracefully and checks it returned.
    private func withService(
        _ store: IntegrationStore, keys: MasterKeyRing, logs: CapturedLogs,
        recorder: IntegrationsSnapshotRecorder = IntegrationsSnapshotRecorder(),
        _ body: (IntegrationsSnapshotRecorder, IntegrationCatalogService) async throws -> Void
    ) async throws {
        let catalog = IntegrationCatalog(store: store, keys: keys)
        let service = IntegrationCatalogService(
            catalog: catalog, initial: try await catalog.load(), pollInterval: Self.interval, logger: logs.logger(),
            onChange: { try recorder.receive($0) })
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logs.logger(label: "group")))
        let running = Task { try await group.run() }
        do {
            try await body(recorder, service)
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        let stopping = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(ContinuousClock.now - stopping < .seconds(2), "the service should stop without waiting out its poll")
    }

    /// Waits for a snapshot satisfying `condition` and checks it arrived within one poll interval of `changedAt`, plus
    /// the slack a machine busy with the whole test suite needs to schedule and run one poll.
    private func expectArrival(
        _ recorder: IntegrationsSnapshotRecorder, after changedAt: ContinuousClock.Instant, _ what: String,
        where condition: @escaping (IntegrationSnapshot) -> Bool
    ) async throws {
        try await integrationsWaitUntil(timeout: .seconds(10), what) { recorder.arrival(where: condition) != nil }
        let delay = try #require(recorder.arrival(where: condition)) - changedAt
        #expect(delay < Self.interval + Self.slack, "\(what) took \(delay)")
    }

    @Test func changesReachTheReceiverWithinThePollInterval() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let keys = try IntegrationsFixtures.keys()
            let sealer = SecretSealer(keys: keys)
            let logs = CapturedLogs()
            let first = try IntegrationsFixtures.uniqueSecret("first")
            let second = try IntegrationsFixtures.uniqueSecret("second")
            try await withService(store, keys: keys, logs: logs) { recorder, service in
                #expect(service.current.integrations.isEmpty)

                // Each change is committed when its call returns; the receiver must have it one interval later.
                try await store.add(try IntegrationsFixtures.github("acme"), secrets: [first], sealer: sealer)
                try await expectArrival(recorder, after: .now, "the new integration") {
                    $0.integrations.first?.secrets == [first.value]
                }

                _ = try await store.rotateSecret(of: "acme", to: second, overlap: .lasting(seconds: 0), sealer: sealer)
                try await expectArrival(recorder, after: .now, "the rotated secret") {
                    $0.integrations.first?.secrets == [second.value]
                }

                try await store.setStatus(of: "acme", to: .disabled)
                try await expectArrival(recorder, after: .now, "the disabled integration") {
                    $0.integrations.first?.enabled == false
                }

                try await store.remove("acme")
                try await expectArrival(recorder, after: .now, "the removal") { $0.integrations.isEmpty && $0.version > 0 }
                #expect(service.current.integrations.isEmpty)
            }
            #expect(logs.contains("integrations updated"))
            for secret in [first, second] { #expect(!logs.contains(secret.value)) }
        }
    }

    @Test func anEndedSigningTokenLeavesTheReceiversIntegrationsWithinThePollInterval() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let keys = try IntegrationsFixtures.keys()
            let sealer = SecretSealer(keys: keys)
            let old = try WebhookSecret("whsec_\(Data("old-\(UUID())".utf8).base64EncodedString())")
            let new = try WebhookSecret("whsec_\(Data("new-\(UUID())".utf8).base64EncodedString())")
            try await store.add(try NewIntegration(id: "repo", definition: "gitlab", definitions: IntegrationsFixtures.definitions),
                                secrets: [try IntegrationsFixtures.uniqueSecret()], signingTokens: [old], sealer: sealer)
            let rotation = try await store.rotateSecret(of: "repo", kind: .signingToken, to: new, overlap: .lasting(seconds: 2), sealer: sealer)
            // Signing tokens carry no end in `Integration`: the old one is in until the second after its end.
            let end = try #require(rotation.keptSecrets.first?.notAfter).addingTimeInterval(1)
            let logs = CapturedLogs()
            try await withService(store, keys: keys, logs: logs) { recorder, service in
                #expect(service.current.integrations[0].options.signingTokens == [new.value, old.value])
                try await integrationsWaitUntil(timeout: .seconds(10), "the old signing token to leave") {
                    recorder.latest?.integrations.first?.options.signingTokens == [new.value]
                }
                let arrival = try #require(recorder.arrival { $0.integrations.first?.options.signingTokens == [new.value] })
                let late = Date().timeIntervalSince(end) - (ContinuousClock.now - arrival).seconds
                #expect(late >= 0, "left before its end")
                #expect(late < (Self.interval + Self.slack).seconds, "left \(late) s after its end")
            }
            #expect(logs.contains("reason=token_ended"))
            #expect(!logs.contains(old.value) && !logs.contains(new.value))
        }
    }

    @Test func aSnapshotThatDoesNotOpenIsReportedOnceAndTheReceiverKeepsItsIntegrations() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let keys = try IntegrationsFixtures.keys()
            let sealer = SecretSealer(keys: keys)
            let good = try IntegrationsFixtures.uniqueSecret("good")
            let foreign = try IntegrationsFixtures.uniqueSecret("foreign")
            try await store.add(try IntegrationsFixtures.github("good"), secrets: [good], sealer: sealer)
            let logs = CapturedLogs()
            try await withService(store, keys: keys, logs: logs) { recorder, service in
                // Another process seals with a key this receiver does not have.
                let strangerKeys = try MasterKeyRing(current: try MasterKey.random(id: "stranger"))
                try await store.add(try IntegrationsFixtures.github("other"), secrets: [foreign], sealer: SecretSealer(keys: strangerKeys))
                try await integrationsWaitUntil(timeout: .seconds(10), "the error line") { logs.contains("could not be loaded") }
                try await Task.sleep(for: Self.interval * 3)
                #expect(logs.all.filter { $0.contains("could not be loaded") }.count == 1)
                #expect(recorder.count == 0)
                #expect(service.current.integrations.map(\.id) == ["good"])

                // Removing the row that does not open lets the next change through.
                try await store.remove("other")
                try await integrationsWaitUntil(timeout: .seconds(10), "recovery") { recorder.count == 1 }
            }
            let errorLine = try #require(logs.all.first { $0.contains("could not be loaded") })
            #expect(errorLine.contains("'stranger'"))
            #expect(errorLine.contains("INLET_SECRET_KEY_PREVIOUS"))
            for secret in [good, foreign] { #expect(!logs.contains(secret.value)) }
        }
    }

    @Test func aRefusedSnapshotIsNotOfferedAgainUntilTheNextChange() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let keys = try IntegrationsFixtures.keys()
            let sealer = SecretSealer(keys: keys)
            let logs = CapturedLogs()
            // This receiver cannot serve an enabled "acme".
            let recorder = IntegrationsSnapshotRecorder { snapshot in snapshot.integrations.contains { $0.id == "acme" && $0.enabled } }
            try await withService(store, keys: keys, logs: logs, recorder: recorder) { recorder, service in
                try await store.add(try IntegrationsFixtures.github("acme"), secrets: [try IntegrationsFixtures.uniqueSecret()], sealer: sealer)
                try await integrationsWaitUntil(timeout: .seconds(10), "the refusal") { logs.contains("refused") }
                try await Task.sleep(for: Self.interval * 3)
                #expect(logs.all.filter { $0.contains("refused") }.count == 1)
                #expect(service.current.integrations.isEmpty)

                try await store.setStatus(of: "acme", to: .disabled)
                try await integrationsWaitUntil(timeout: .seconds(10), "the next change") { recorder.count == 1 }
                #expect(service.current.integrations.map(\.enabled) == [false])
            }
        }
    }

    @Test func anUnreachableDatabaseIsLoggedOnceAndStopsNothing() async throws {
        let logs = CapturedLogs()
        try await IntegrationsTestDatabase.withStore { store in
            let keys = try IntegrationsFixtures.keys()
            let catalog = IntegrationCatalog(store: store, keys: keys)
            let initial = try await catalog.load()
            // A catalog whose tables do not exist fails every poll, like a database that is gone.
            let broken = IntegrationCatalog(store: IntegrationStore(client: store.client, definitions: IntegrationsFixtures.definitions, tables: IntegrationTables(schema: "integrations_test_missing")),
                                            keys: keys)
            let service = IntegrationCatalogService(catalog: broken, initial: initial, pollInterval: .milliseconds(20),
                                                    logger: logs.logger(), onChange: { _ in Issue.record("no snapshot expected") })
            for _ in 0..<5 { await service.poll(now: Date()) }
            #expect(logs.all.filter { $0.contains("integrations poll failed") }.count == 1)
            #expect(logs.contains("integrations.consecutive_failures=1"))
        }
    }
}

extension Duration {
    /// In seconds, for comparing with `Date` intervals.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
