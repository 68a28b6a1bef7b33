import HTTPTypes
import Hummingbird
import InletCore
import InletCrypto
@testable import InletReceiver
import InletSignatures
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

    /// The verdict of `integration`'s verifier on `request`, as the receiver would build it.
    static func verdict(_ request: SignedRequest, integration: Integration, body: [UInt8]? = nil) throws -> SignatureRejection? {
        let verifier = try VerifierFactory().makeVerifier(for: integration, scheme: WebhookDefinition.builtIn.first { $0.name == integration.definition }!.signature,
                                                          now: ReceiverHealth.unixSeconds())
        return verifier.verify(InboundRequest(url: WebhookSigner.defaultBaseURL + request.path, headers: InboundHeaders(request.headers),
                                              body: body ?? request.body, now: ReceiverHealth.unixSeconds()))
    }

    @Test func signsWhatTheVerifierAccepts() throws {
        for (definition, secret) in [(WebhookDefinition.github, "gh-secret"), (.standardWebhooks, "whsec_bG9jYWwtc3ZpeC1zZWNyZXQta2V5LTMyLWJ5dGVzISE=")] {
            let signer = try WebhookSigner(definition: definition, integrationID: "x", secret: secret)
            let body = Array(#"{"type":"a.b","n":1}"#.utf8)
            let request = try signer.sign(body: body, event: "a.b", deliveryID: signer.newDeliveryID())
            let integration = Integration(id: "x", definition: definition.name, secrets: [secret])
            #expect(try Self.verdict(request, integration: integration) == nil)
            #expect(try Self.verdict(request, integration: integration, body: body + [0x20])?.reason == .signatureMismatch)
        }
    }

    @Test func signsWithTheIntegrationsFirstValidSecret() throws {
        let registry = try DefinitionRegistry()
        let integration = Integration(id: "acme", definition: WebhookDefinition.github.name,
                                      secrets: [IntegrationSecret("expired", notAfter: 1_000), "new", "old"])
        let request = try WebhookSigner(integration: integration, registry: registry)
            .sign(body: Array("{}".utf8), event: "push", deliveryID: "1")
        let newOnly = Integration(id: "acme", definition: WebhookDefinition.github.name, secrets: ["new"])
        #expect(try Self.verdict(request, integration: newOnly) == nil)
    }

    @Test func addsLinearsTimestampAndMailgunsSignatureToTheBody() throws {
        let linear = try WebhookSigner(definition: .linear, integrationID: "l", secret: "lin")
            .sign(body: Array(#"{"type":"Issue","action":"create"}"#.utf8), event: "Issue", deliveryID: "d", timestamp: 1_700_000_000)
        #expect(String(decoding: linear.body, as: UTF8.self) == #"{"type":"Issue","action":"create","webhookTimestamp":1700000000000}"#)
        let mailgun = try WebhookSigner(definition: .mailgun, integrationID: "m", secret: "key")
            .sign(body: Array(#"{ "event-data": {"id": "e1", "event": "delivered"} }"#.utf8), event: "delivered", deliveryID: "d", timestamp: 1_700_000_000)
        let text = String(decoding: mailgun.body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"signature":{"timestamp":"1700000000","token":""#))
        #expect(text.hasSuffix(#"}, "event-data": {"id": "e1", "event": "delivered"} }"#))
        #expect(try WebhookSigner.appendingMember("a", "1", to: Array("{ }".utf8)) == Array(#"{ "a":1}"#.utf8))
        #expect(try WebhookSigner.prependingMember("a", "1", to: Array("{}".utf8)) == Array(#"{"a":1}"#.utf8))
        #expect(throws: ReceiverError.self) {
            try WebhookSigner(definition: .linear, integrationID: "l", secret: "lin").sign(body: Array("[1]".utf8), event: "Issue", deliveryID: "d")
        }
    }

    @Test func refusesCredentialsTheSchemeDoesNotUse() throws {
        #expect(throws: ReceiverError.self) { try WebhookSigner(definition: .discord, integrationID: "d", secret: "s") }
        #expect(throws: ReceiverError.self) {
            try WebhookSigner(definition: .github, integrationID: "g", privateKey: .ed25519(try Ed25519PrivateKey.generate()))
        }
        let sendgrid = Integration(id: "sg", definition: WebhookDefinition.sendgrid.name, secrets: [IntegrationSecret](), publicKeys: ["k"])
        #expect(throws: ReceiverError.self) { try WebhookSigner(integration: sendgrid, registry: try DefinitionRegistry()) }
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
