import Foundation
import Testing
@testable import InletCore

/// The built-in definitions as a set: registered without collisions, each sound, with the schemes, events and
/// handshakes the providers need.
@Suite struct DefinitionsBuiltInTests {
    @Test func everyBuiltInDefinitionRegisters() throws {
        let registry = try DefinitionRegistry()
        #expect(WebhookDefinition.builtIn.map(\.name.rawValue) == [
            "github", "standard-webhooks", "stripe", "slack", "shopify", "linear", "hubspot", "twilio", "zoom", "intercom",
            "square", "paddle", "jira", "okta", "microsoft-graph", "gitlab", "bitbucket", "mailgun", "sendgrid", "discord",
            "generic-hmac",
        ])
        #expect(registry.definitions.count == 21)
        for definition in WebhookDefinition.builtIn {
            #expect(definition.problems.isEmpty, "\(definition.name): \(definition.problems)")
        }
    }

    @Test func eachSchemeHasItsDocumentedRawValueAndOneDefinitionUsesIt() {
        #expect(SignatureScheme.allCases.map(\.rawValue) == [
            "github-hmac-sha256", "standard-webhooks", "stripe", "slack", "shopify", "linear", "hubspot-v3", "twilio", "zoom",
            "intercom", "square", "paddle", "jira", "okta", "microsoft-graph", "gitlab-token", "bitbucket", "mailgun",
            "sendgrid", "discord", "generic-hmac",
        ])
        let used = WebhookDefinition.builtIn.map(\.signature)
        #expect(Set(used) == Set(SignatureScheme.allCases))
        #expect(used.count == Set(used).count)
    }

    @Test func theEventsMappingsNeedAreDeclared() throws {
        let registry = try DefinitionRegistry()
        let required: [String: [String]] = [
            "github": ["pull_request", "issues", "push"],
            "gitlab": ["merge_request", "issue", "push"],
            "bitbucket": ["pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "repo:push"],
            "linear": ["Issue"],
            "jira": ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"],
            "stripe": ["customer.created", "customer.updated", "customer.deleted", "payment_intent.succeeded",
                       "payment_intent.payment_failed", "charge.succeeded", "charge.refunded"],
            "shopify": ["orders/create", "orders/updated", "orders/paid", "customers/create", "customers/update"],
            "square": ["payment.created", "payment.updated"],
            "paddle": ["transaction.completed", "transaction.updated"],
            "hubspot": ["contact.creation", "contact.propertyChange", "contact.deletion"],
            "slack": ["message"],
            "intercom": ["conversation.user.replied", "conversation.admin.replied"],
            "sendgrid": ["delivered", "open", "bounce", "click", "dropped"],
            "mailgun": ["delivered", "opened", "failed"],
        ]
        for (name, events) in required {
            let definition = try #require(registry[name])
            for event in events { #expect(definition.declares(event), "\(name) lacks \(event)") }
        }
        for name in ["twilio", "okta", "microsoft-graph", "zoom", "discord"] {
            #expect(try #require(registry[name]).events.count >= 3, "\(name)")
        }
    }

    @Test func providerEventNamesNormaliseToDistinctTopics() throws {
        let registry = try DefinitionRegistry()
        let shopify = try #require(registry["shopify"])
        #expect(registry.receivedTopic(definition: shopify, event: "orders/create").rawValue == "inlet.shopify.orders_create.received")
        let jira = try #require(registry["jira"])
        #expect(registry.receivedTopic(definition: jira, event: "jira:issue_created").rawValue == "inlet.jira.jira_issue_created.received")
        let hubspot = try #require(registry["hubspot"])
        #expect(registry.receivedTopic(definition: hubspot, event: "contact.propertyChange").rawValue == "inlet.hubspot.contact_propertychange.received")
        let graph = try #require(registry["microsoft-graph"])
        #expect(registry.receivedTopic(definition: graph, event: "reauthorizationRequired").rawValue == "inlet.microsoft-graph.unrouted.received")
        #expect(registry.receivedTopics.count == WebhookDefinition.builtIn.map(\.events.count).reduce(0, +))
    }

    @Test func batchedDefinitionsExposeTheirItemSources() throws {
        let batched = WebhookDefinition.builtIn.filter { $0.batch != nil }.map(\.name.rawValue)
        #expect(batched == ["hubspot", "okta", "microsoft-graph", "sendgrid"])
        for definition in WebhookDefinition.builtIn {
            guard let batch = definition.batch else { continue }
            #expect(definition.deliveryID == batch.deliveryID)
            #expect(definition.eventName == batch.eventName)
            #expect(definition.variant == batch.variant)
            #expect(definition.eventTime == batch.eventTime)
        }
        #expect(WebhookDefinition.okta.batch?.itemsPath == ["data", "events"])
        #expect(WebhookDefinition.microsoftGraph.batch?.itemsPath == ["value"])
    }

    @Test func handshakesAreDeclaredByTheProvidersThatSendThem() {
        let handshakes = Dictionary(uniqueKeysWithValues: WebhookDefinition.builtIn.map { ($0.name.rawValue, $0.handshakes) })
        #expect(handshakes["slack"] == [.slackURLVerification, .slackSSLCheck])
        #expect(handshakes["zoom"] == [.zoomURLValidation])
        #expect(handshakes["microsoft-graph"] == [.graphValidationToken])
        #expect(handshakes["okta"] == [.oktaVerification])
        #expect(handshakes["discord"] == [.discordPing])
        #expect(handshakes["generic-hmac"] == [.challengeQueryEcho])
        #expect(Set(handshakes.values.flatMap { $0 }) == Set(HandshakeKind.allCases))
    }

    @Test func unusableDefinitionsStopRegistration() {
        func registering(_ deliveryID: ValueSource, encoding: BodyEncoding = .json) -> InletCoreError? {
            let definition = WebhookDefinition(name: try! DefinitionName("broken"), title: "Broken", signature: .genericHMAC,
                                               bodyEncoding: encoding, deliveryID: deliveryID, eventName: .constant("e"), events: [])
            do {
                _ = try DefinitionRegistry([definition])
                return nil
            } catch {
                return error
            }
        }
        #expect(registering(.header("X Delivery"))?.reason.contains("not a valid HTTP field name") == true)
        #expect(registering(.bodyPath([]))?.reason.contains("body path is empty") == true)
        #expect(registering(.bodyPath(["a", ""]))?.reason.contains("empty key") == true)
        #expect(registering(.bodyPath(["a", "b"]), encoding: .formURLEncoded)?.reason.contains("form-encoded bodies are flat") == true)
        #expect(registering(.firstPresent([]))?.reason.contains("no sources") == true)
        #expect(registering(.digest(prefix: "a b", of: [.header("X")]))?.reason.contains("printable ASCII") == true)
        #expect(registering(.time(.constant(""), .rfc3339))?.reason.contains("constant is empty") == true)
        #expect(registering(.header("X-Delivery")) == nil)
        #expect(registering(.header("X Delivery"))?.code == .invalidConfiguration)
        #expect(registering(.header("X Delivery"))?.reason.hasPrefix("definition 'broken' is unusable: delivery ID:") == true)
    }

    @Test func theProvidersArticleListsEveryDefinitionSchemeAndHandshake() throws {
        let url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/providers.md")
        let article = try String(contentsOf: url, encoding: .utf8)
        for definition in WebhookDefinition.builtIn {
            #expect(article.contains("| `\(definition.name.rawValue)` | `\(definition.signature.rawValue)` |"),
                    "docs/providers.md has no table row for \(definition.name)")
        }
        for kind in HandshakeKind.allCases {
            #expect(article.contains("| `\(kind.rawValue)` |"), "docs/providers.md does not describe \(kind.rawValue)")
        }
    }
}
