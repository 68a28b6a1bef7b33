import Foundation
import InletCore
import Testing

@testable import InletIntegrations

@Suite struct IntegrationsPollStateTests {
    private let now = Date(timeIntervalSince1970: 2_000_000_000)

    /// A GitLab integration with a secret token and signing tokens ending at `tokenEnds`.
    private func snapshot(version: Int64, tokenEnds: [Date?] = []) throws -> IntegrationSnapshot {
        var secrets = [SecretRecord(id: "v1", kind: .secret, keyID: "k", createdAt: now, notAfter: nil)]
        var values = ["v1": try WebhookSecret("secret-token")]
        for (index, end) in tokenEnds.enumerated() {
            secrets.append(SecretRecord(id: "v\(index + 2)", kind: .signingToken, keyID: "k", createdAt: now, notAfter: end))
            values["v\(index + 2)"] = try WebhookSecret("whsec_token\(index)")
        }
        let record = IntegrationRecord(
            id: "acme", definition: try DefinitionName("gitlab"), settings: .empty, filter: nil, status: .enabled, createdAt: now,
            updatedAt: now, revision: 1, secrets: secrets)
        return IntegrationSnapshot(version: version, records: [record], opened: ["acme": values], loadedAt: now)
    }

    @Test func aMovedCounterLoadsUnlessTheReceiverRefusedThatVersion() throws {
        var state = CatalogPollState(applied: try snapshot(version: 3))
        #expect(state.reasonToLoad(observedVersion: 3, now: now) == nil)
        #expect(state.reasonToLoad(observedVersion: 4, now: now) == .changed)
        state.didRefuse(version: 4)
        #expect(state.reasonToLoad(observedVersion: 4, now: now) == nil)
        #expect(state.reasonToLoad(observedVersion: 5, now: now) == .changed)
        state.didApply(try snapshot(version: 5))
        #expect(state.refusedVersion == nil)
        #expect(state.reasonToLoad(observedVersion: 5, now: now) == nil)
    }

    @Test func anEndedSigningTokenCallsForAFreshSnapshot() throws {
        let end = now.addingTimeInterval(60)
        let initial = try snapshot(version: 1, tokenEnds: [nil, end, now.addingTimeInterval(-1)])
        // The token that ended before the load is left out; the one ending later is in, until the second after its end.
        #expect(initial.integrations[0].options.signingTokens == ["whsec_token0", "whsec_token1"])
        #expect(initial.refreshAt == end.addingTimeInterval(1))
        let state = CatalogPollState(applied: initial)
        #expect(state.reasonToLoad(observedVersion: 1, now: end) == nil)
        #expect(state.reasonToLoad(observedVersion: 1, now: end.addingTimeInterval(1)) == .tokenEnded)
        #expect(try snapshot(version: 1).refreshAt == nil)
    }

    @Test func failuresAreReportedOnceThenSparingly() throws {
        var state = CatalogPollState(applied: try snapshot(version: 1))
        let reports = [state.failedToLoad(version: 2), state.failedToLoad(version: 2), state.failedToLoad(version: 3)]
        #expect(reports == [true, false, true])
        let logged = (1...61).filter { _ in state.pollFailed(every: 30) }
        #expect(logged == [1, 30, 60])
        let recovered = [state.pollSucceeded(), state.pollSucceeded()]
        #expect(recovered == [61, 0])
    }

    @Test func snapshotsCarrySecretEndsAndShowNoSecret() throws {
        let record = IntegrationRecord(
            id: "acme", definition: try DefinitionName("github"), settings: .empty, filter: "true", status: .disabled,
            createdAt: now, updatedAt: now, revision: 2,
            secrets: [SecretRecord(id: "v2", keyID: "k", createdAt: now, notAfter: nil),
                      SecretRecord(id: "v1", keyID: "k", createdAt: now, notAfter: now.addingTimeInterval(10.7))])
        let snapshot = IntegrationSnapshot(
            version: 7, records: [record], opened: ["acme": ["v2": try WebhookSecret("new-one"), "v1": try WebhookSecret("old-one")]],
            loadedAt: now)
        let integration = snapshot.integrations[0]
        #expect(integration.secretEntries == [IntegrationSecret("new-one"), IntegrationSecret("old-one", notAfter: 2_000_000_010)])
        #expect(integration.enabled == false)
        #expect(integration.filter == "true")
        #expect(integration.activeSecrets(at: 2_000_000_010) == ["new-one", "old-one"])
        #expect(integration.activeSecrets(at: 2_000_000_011) == ["new-one"])
        #expect(!snapshot.description.contains("new-one"))
        #expect(!"\(snapshot.integrations)".contains("old-one"))
    }
}
