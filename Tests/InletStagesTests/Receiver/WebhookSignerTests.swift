import HTTPTypes
import Hummingbird
import InletCore
@testable import InletReceiver
import Testing

@Suite("WebhookSigner")
struct WebhookSignerTests {
    /// GitHub's documented example: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    static let githubSecret = "It's a Secret to Everybody"
    static let githubBody = Array("Hello, World!".utf8)
    static let githubHeader = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    /// The Standard Webhooks published vector (standard-webhooks/standard-webhooks, javascript webhook.test.ts).
    static let standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let standardID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let standardTimestamp: Int64 = 1_614_265_330
    static let standardBody = Array(#"{"test": 2432232314}"#.utf8)
    static let standardSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test func producesTheHeadersGitHubSends() throws {
        let signer = try WebhookSigner(definition: .github, integrationID: "acme", secret: Self.githubSecret)
        let request = try signer.sign(body: Self.githubBody, event: "pull_request", deliveryID: "d-1", variant: "repository")
        #expect(request.path == "/webhooks/github/acme")
        #expect(request.header("x-hub-signature-256") == Self.githubHeader)
        #expect(request.header("X-Hub-Signature")?.hasPrefix("sha1=") == true)
        #expect(request.header("X-GitHub-Event") == "pull_request")
        #expect(request.header("X-GitHub-Delivery") == "d-1")
        #expect(request.header("X-GitHub-Hook-Installation-Target-Type") == "repository")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.body == Self.githubBody)
    }

    @Test func producesTheHeadersOfStandardWebhooks() throws {
        let signer = try WebhookSigner(definition: .standardWebhooks, integrationID: "svix", secret: Self.standardSecret)
        let request = try signer.sign(body: Self.standardBody, event: "ignored.in.headers",
                                      deliveryID: Self.standardID, timestamp: Self.standardTimestamp)
        #expect(request.path == "/webhooks/standard-webhooks/svix")
        #expect(request.header("webhook-id") == Self.standardID)
        #expect(request.header("webhook-timestamp") == "1614265330")
        #expect(request.header("webhook-signature") == Self.standardSignature)
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
        let standard = try WebhookSigner(definition: .standardWebhooks, integrationID: "a", secret: Self.standardSecret).newDeliveryID()
        #expect(standard.hasPrefix("msg_"))
        #expect(github != (try WebhookSigner(definition: .github, integrationID: "a", secret: "s").newDeliveryID()))
    }
}
