import Foundation
import InletCore
import Testing

@testable import InletIntegrations

/// Figures, not a regression gate: run with `INLET_BENCH=1 swift test --filter IntegrationsCatalogLoadFigures` (add
/// `-c release -Xswiftc -enable-testing` for release numbers). What one poll and one reload cost a receiver.
@Suite(.enabled(if: IntegrationsTestDatabase.isConfigured && ProcessInfo.processInfo.environment["INLET_BENCH"] != nil))
struct IntegrationsCatalogLoadFigures {
    @Test func pollAndLoadCostForAThousandIntegrations() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            let count = 1000
            let integrations = try (0..<count).map { index in
                Integration(id: "tenant-\(index)", definition: try DefinitionName("github"), secrets: ["secret-\(index)-a", "secret-\(index)-b"])
            }
            var clock = ContinuousClock.now
            _ = try await store.importIntegrations(integrations, sealer: sealer)
            let importTime = ContinuousClock.now - clock

            let catalog = IntegrationCatalog(store: store, keys: sealer.keys)
            _ = try await catalog.load()
            let rounds = 10
            clock = .now
            for _ in 0..<rounds { #expect(try await catalog.load().integrations.count == count) }
            let loadTime = (ContinuousClock.now - clock) / rounds

            clock = .now
            for _ in 0..<200 { _ = try await catalog.currentVersion() }
            let pollTime = (ContinuousClock.now - clock) / 200
            print("""
                integrations catalog, \(count) integrations × 2 secrets: import \(importTime), \
                load (read + open \(2 * count) secrets) \(loadTime), poll (read the counter) \(pollTime)
                """)
        }
    }
}
