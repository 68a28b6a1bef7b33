import HTTPTypes
import Hummingbird
import InletCore
@testable import InletReceiver
import Testing

@Suite("WebhookSigner")
struct WebhookSignerTests {
    @Test func producesTheHeadersGitHubSends() throws {
        let signer = try WebhookSigner(definition: .github, integrationID: "acme", secret: GitHubSignatureTests.documentedSecret)
        let request = try signer.sign(body: GitHubSignatureTests.documentedBody, event: "pull_request", deliveryID: "d-1", variant: "repository")
        #expect(request.path == "/webhooks/github/acme")
        #expect(request.header("x-hub-signature-256") == GitHubSignatureTests.documentedHeader)
        #expect(request.header("X-Hub-Signature")?.hasPrefix("sha1=") == true)
        #expect(request.header("X-GitHub-Event") == "pull_request")
        #expect(request.header("X-GitHub-Delivery") == "d-1")
        #expect(request.header("X-GitHub-Hook-Installation-Target-Type") == "repository")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.body == GitHubSignatureTests.documentedBody)
    }

    @Test func producesTheHeadersOfStandardWebhooks() throws {
        let signer = try WebhookSigner(definition: .standardWebhooks, integrationID: "svix", secret: StandardWebhooksSignatureTests.secret)
        let request = try signer.sign(body: StandardWebhooksSignatureTests.body, event: "ignored.in.headers",
                                      deliveryID: StandardWebhooksSignatureTests.id, timestamp: StandardWebhooksSignatureTests.timestamp)
        #expect(request.path == "/webhooks/standard-webhooks/svix")
        #expect(request.header("webhook-id") == StandardWebhooksSignatureTests.id)
        #expect(request.header("webhook-timestamp") == "1614265330")
        #expect(request.header("webhook-signature") == StandardWebhooksSignatureTests.signature)
    }

    @Test func signsWhatTheVerifierAccepts() throws {
        for (definition, secret) in [(WebhookDefinition.github, "gh-secret"), (.standardWebhooks, "whsec_bG9jYWwtc3ZpeC1zZWNyZXQta2V5LTMyLWJ5dGVzISE=")] {
            let signer = try WebhookSigner(definition: definition, integrationID: "x", secret: secret)
            let body = Array(#"{"type":"a.b","n":1}"#.utf8)
            let request = try signer.sign(body: body, event: "a.b", deliveryID: signer.newDeliveryID())
            let verifier = try SignatureVerifier(scheme: definition.signature, secrets: [secret], integrationID: "x", toleranceSeconds: 300)
            #expect(verifier.verify(headers: request.httpFields, body: body, now: ReceiverHealth.unixSeconds()) == nil)
            #expect(verifier.verify(headers: request.httpFields, body: body + [0x20], now: ReceiverHealth.unixSeconds())?.code == .signatureMismatch)
        }
    }

    @Test func signsWithTheIntegrationsFirstSecret() throws {
        let registry = try DefinitionRegistry()
        let integration = Integration(id: "acme", definition: WebhookDefinition.github.name, secrets: ["new", "old"])
        let request = try WebhookSigner(integration: integration, registry: registry)
            .sign(body: Array("{}".utf8), event: "push", deliveryID: "1")
        let newOnly = try SignatureVerifier(scheme: .githubHMACSHA256, secrets: ["new"], integrationID: "acme", toleranceSeconds: 300)
        #expect(newOnly.verify(headers: request.httpFields, body: Array("{}".utf8), now: 0) == nil)
    }

    @Test func makesDeliveryIDsInTheProvidersShape() throws {
        let github = try WebhookSigner(definition: .github, integrationID: "a", secret: "s").newDeliveryID()
        #expect(github.utf8.count == 36)
        #expect(github.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        let standard = try WebhookSigner(definition: .standardWebhooks, integrationID: "a", secret: StandardWebhooksSignatureTests.secret).newDeliveryID()
        #expect(standard.hasPrefix("msg_"))
        #expect(github != (try WebhookSigner(definition: .github, integrationID: "a", secret: "s").newDeliveryID()))
    }
}
