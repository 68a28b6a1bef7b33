import Hummingbird
import HummingbirdTesting
import InletCore
@testable import InletReceiver
import Testing

/// Integrations kept in PostgreSQL change while the receiver serves: `replaceIntegrations` swaps them in at once,
/// and a set the schemes cannot use is refused without touching the one in service.
@Suite struct ReceiverLiveIntegrationsTests {
    @Test(arguments: ServingPath.allCases) func replacedIntegrationsRouteAtOnceAndABadSetKeepsTheCurrentOne(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        let newcomer = try ReceiverFixtures.githubSigner(secret: "newcomer-secret", integration: "newcomer")
        let signed = try newcomer.sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "live-1")
        try await service.makeApplication().test(servingPath.setup) { client in
            #expect(try await client.postSigned(signed).receiverErrorCode == "unknown_integration")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(String(buffer: ready.body).contains("\"integrations\":3"))

            // The newcomer exists now; signed with another secret it is refused as forged, not as unknown.
            let newcomerIntegration = Integration(id: "newcomer", definition: WebhookDefinition.github.name, secrets: ["other"])
            try service.replaceIntegrations(ReceiverFixtures.integrations + [newcomerIntegration])
            #expect(try await client.postSigned(signed).receiverErrorCode == "signature_mismatch")
            #expect(String(buffer: try await client.execute(uri: "/readyz", method: .get).body).contains("\"integrations\":4"))

            // A Standard Webhooks secret that is not base64 cannot become a verifier: refused, old set kept.
            let broken = Integration(id: "broken", definition: WebhookDefinition.standardWebhooks.name, secrets: ["whsec_!!"])
            #expect(throws: ReceiverError.self) { try service.replaceIntegrations([broken]) }
            #expect(try await client.postSigned(signed).receiverErrorCode == "signature_mismatch")
        }
    }

    /// The route is mounted: it answers the Prometheus text when this test process bootstrapped the global metrics
    /// system (another suite may have), and the documented 503 otherwise — never the router's 404.
    @Test(arguments: ServingPath.allCases) func mountsTheMetricsRoute(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        try await service.makeApplication().test(servingPath.setup) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            let body = String(buffer: response.body)
            if response.status == .ok {
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(body.contains("# TYPE "))
            } else {
                #expect(response.status == .serviceUnavailable)
                #expect(body.contains("metrics_not_bootstrapped"))
            }
        }
    }
}
