import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InletCore
import InletKafka
@testable import InletReceiver
import InletSignatures
import Testing

/// Every provider through the HTTP route, with the local integrations file and the samples `inlet send` posts:
/// accepted when signed right (records on the right topics, keyed by the right delivery IDs), 401 when not, batches
/// split into one record per item, form bodies kept as received. Producer: librdkafka's mock cluster.
@Suite("Receiver providers", .serialized)
struct ReceiverProviderTests {
    @Test func theLocalIntegrationsCoverEveryDefinitionAndEverySampleHasOne() {
        let configured = Set(ReceiverProviderFixtures.integrations.map(\.definition.rawValue))
        #expect(configured == Set(WebhookDefinition.builtIn.map(\.name.rawValue)))
        #expect(Set(ReceiverProviderFixtures.samples.map(\.definition)) == configured)
    }

    @Test(arguments: ReceiverProviderFixtures.samples, ServingPath.allCases)
    func acceptsEachSampleSignedAsItsProviderDoes(sample: ReceiverProviderFixtures.Sample, servingPath: ServingPath) async throws {
        let log = RecordLog()
        let service = try ReceiverProviderFixtures.service(log: log)
        let signer = try ReceiverProviderFixtures.signer(sample.definition)
        let request = try signer.sign(body: sample.body, event: sample.event, deliveryID: signer.newDeliveryID())
        let definition = ReceiverProviderFixtures.registry[sample.definition]!
        try await service.makeApplication().test(servingPath.setup) { client in
            let response = try await client.post(request)
            #expect(response.status == .accepted, "\(response.receiverBodyText)")
        }
        let envelopes = try log.envelopes
        #expect(!envelopes.isEmpty)
        for (record, envelope) in zip(log.all, envelopes) {
            #expect(record.topic == ReceiverProviderFixtures.registry.receivedTopic(definition: definition, event: envelope.event).rawValue)
            #expect(record.key == Array("\(signer.integrationID)/\(envelope.id)".utf8))
            #expect(envelope.contentType == definition.bodyEncoding.mediaType)
            #expect(envelope.integration == signer.integrationID)
        }
        if definition.batch == nil {
            #expect(log.all.map(\.value) == [request.body])
        }
        #expect(service.counters.acceptedCount == 1)
    }

    @Test(arguments: WebhookDefinition.builtIn.map(\.name.rawValue), ServingPath.allCases)
    func refusesEachProviderWithTheWrongCredential(definition: String, servingPath: ServingPath) async throws {
        let log = RecordLog()
        let service = try ReceiverProviderFixtures.service(log: log)
        let sample = ReceiverProviderFixtures.samples.first { $0.definition == definition }!
        let signer = try ReceiverProviderFixtures.signer(definition, wrongCredential: true)
        var request = try signer.sign(body: sample.body, event: sample.event, deliveryID: signer.newDeliveryID())
        if definition == "microsoft-graph" {
            // No signature: the body's clientState is the proof.
            request.body = Array(String(decoding: request.body, as: UTF8.self).replacingOccurrences(of: "local-graph-client-state", with: "forged-state").utf8)
        }
        let forged = request
        try await service.makeApplication().test(servingPath.setup) { client in
            let response = try await client.post(forged)
            #expect(response.status == .unauthorized, "\(response.receiverBodyText)")
            #expect(response.receiverErrorCode == "signature_mismatch")
            #expect(!response.receiverBodyText.contains("not-the-secret"))
        }
        #expect(log.all.isEmpty)
    }

    @Test(arguments: ServingPath.allCases) func splitsBatchesIntoOneRecordPerItemWithItsOwnIDAndTopic(_ servingPath: ServingPath) async throws {
        let log = RecordLog()
        let service = try ReceiverProviderFixtures.service(log: log)
        let body = Array("""
            [{"email":"a@example.com","timestamp":1763754847,"event":"processed","sg_event_id":"id-1","type":"x"},
             {"email":"a@example.com","timestamp":1763754849,"event":"delivered","sg_event_id":"id-2"},
             {"email":"a@example.com","timestamp":1763754850,"event":"bounce","sg_event_id":"id-3","type":"blocked"},
             {"email":"a@example.com","timestamp":1763754851,"event":"machine_opened","sg_event_id":"id-4"}]
            """.utf8)
        let request = try ReceiverProviderFixtures.signer("sendgrid").sign(body: body, event: "", deliveryID: "")
        try await service.makeApplication().test(servingPath.setup) { client in
            let response = try await client.post(request)
            #expect(response.status == .accepted)
            #expect(response.receiverBodyText == #"{"status":"accepted","count":4}"#)
        }
        let envelopes = try log.envelopes
        #expect(envelopes.map(\.id) == ["id-1", "id-2", "id-3", "id-4"])
        #expect(log.all.map(\.topic) == ["inlet.sendgrid.processed.received", "inlet.sendgrid.delivered.received",
                                         "inlet.sendgrid.bounce.received", "inlet.sendgrid.unrouted.received"])
        #expect(log.all.map(\.key) == (1...4).map { Array("local-sendgrid/id-\($0)".utf8) })
        #expect(envelopes.map(\.variant) == ["x", nil, "blocked", nil])
        #expect(envelopes[1].time == "2025-11-21T19:54:09.000Z")
        // Each value is the item's exact bytes.
        #expect(String(decoding: log.all[1].value, as: UTF8.self) == #"{"email":"a@example.com","timestamp":1763754849,"event":"delivered","sg_event_id":"id-2"}"#)
        #expect(service.counters.acceptedCount == 1)
    }

    @Test(arguments: ServingPath.allCases) func splitsNestedBatchesOfOktaAndMicrosoftGraph(_ servingPath: ServingPath) async throws {
        let log = RecordLog()
        let service = try ReceiverProviderFixtures.service(log: log)
        // One application per service: its producer stops with it.
        try await service.makeApplication().test(servingPath.setup) { client in
            for (definition, sample) in [("okta", "user_lifecycle_create.json"), ("microsoft-graph", "created.json")] {
                let body = ReceiverProviderFixtures.Sample(definition: definition, file: sample).body
                let request = try ReceiverProviderFixtures.signer(definition).sign(body: body, event: "", deliveryID: "")
                let response = try await client.post(request)
                #expect(response.receiverBodyText == #"{"status":"accepted","count":2}"#)
            }
        }
        let envelopes = try log.envelopes
        #expect(envelopes.map(\.id).prefix(2) == ["8b3d5bc6-c6f8-11f0-9b8a-7d2a1c4e5f60", "8b3d5bc7-c6f8-11f0-9b8a-7d2a1c4e5f60"])
        #expect(log.all.map(\.topic) == ["inlet.okta.user_lifecycle_create.received", "inlet.okta.group_user_membership_add.received",
                                         "inlet.microsoft-graph.created.received", "inlet.microsoft-graph.updated.received"])
        #expect(envelopes[2].id.hasPrefix("graph-") && envelopes[3].id.hasPrefix("graph-") && envelopes[2].id != envelopes[3].id)
        #expect(envelopes[2].variant == "#Microsoft.Graph.Message")
    }

    @Test(arguments: ServingPath.allCases) func refusesAWholeBatchWhenOneItemHasNoIDAndAcceptsAnEmptyOne(_ servingPath: ServingPath) async throws {
        let log = RecordLog()
        let service = try ReceiverProviderFixtures.service(log: log)
        let signer = try ReceiverProviderFixtures.signer("sendgrid")
        let missing = try signer.sign(body: Array(#"[{"event":"delivered","sg_event_id":"a"},{"event":"open"}]"#.utf8), event: "", deliveryID: "")
        let empty = try signer.sign(body: Array("[]".utf8), event: "", deliveryID: "")
        try await service.makeApplication().test(servingPath.setup) { client in
            let refused = try await client.post(missing)
            #expect(refused.status == .badRequest)
            #expect(refused.receiverErrorCode == "missing_delivery_id")
            #expect(refused.receiverBodyText.contains("item 1"))
            let accepted = try await client.post(empty)
            #expect(accepted.status == .accepted)
            #expect(accepted.receiverBodyText == #"{"status":"accepted","count":0}"#)
        }
        #expect(log.all.isEmpty)
    }

    @Test(arguments: ServingPath.allCases) func answers503WhenAnyItemOfABatchIsNotAcknowledged(_ servingPath: ServingPath) async throws {
        var configuration = ReceiverConfiguration()
        configuration.acknowledgementTimeout = .milliseconds(300)
        let log = RecordLog()
        let service = try ReceiverProviderFixtures.service(configuration: configuration, log: log,
                                                           producer: ReceiverFixtures.unreachableProducer())
        let body = ReceiverProviderFixtures.Sample(definition: "hubspot", file: "contact_creation.json").body
        let request = try ReceiverProviderFixtures.signer("hubspot").sign(body: body, event: "", deliveryID: "")
        try await service.makeApplication().test(servingPath.setup) { client in
            let response = try await client.post(request)
            #expect(response.status == .serviceUnavailable)
            #expect(response.receiverErrorCode == "broker_timeout")
            #expect(response.headers[.retryAfter] == "5")
        }
        #expect(log.all.count == 2)
        #expect(service.counters.acceptedCount == 0)
    }

    @Test(arguments: ServingPath.allCases) func keepsTwiliosFormBodyAsReceivedAndRefusesOtherMediaTypes(_ servingPath: ServingPath) async throws {
        let log = RecordLog()
        let service = try ReceiverProviderFixtures.service(log: log)
        let signer = try ReceiverProviderFixtures.signer("twilio")
        let form = Array("AccountSid=AC1&MessageSid=SM1&MessageStatus=delivered&To=%2B14155552671&Body=Hello+there".utf8)
        let request = try signer.sign(body: form, event: "delivered", deliveryID: "idem-1")
        try await service.makeApplication().test(servingPath.setup) { client in
            #expect(try await client.post(request).status == .accepted)
            var asJSON = request
            asJSON.headers = asJSON.headers.map { $0.name == "Content-Type" ? ($0.name, "application/json") : $0 }
            let refused = try await client.post(asJSON)
            #expect(refused.status == .unsupportedMediaType)
            #expect(refused.receiverBodyText.contains("application/x-www-form-urlencoded"))
            // And a JSON definition still refuses form bodies.
            var github = try ReceiverProviderFixtures.signer("github").sign(body: form, event: "push", deliveryID: "d")
            github.headers = github.headers.map { $0.name == "Content-Type" ? ($0.name, "application/x-www-form-urlencoded") : $0 }
            #expect(try await client.post(github).status == .unsupportedMediaType)
        }
        #expect(log.all.count == 1)
        let record = try #require(log.all.first)
        #expect(record.value == form)
        #expect(record.topic == "inlet.twilio.delivered.received")
        #expect(record.key == Array("local-twilio/idem-1".utf8))
        #expect(record.headers.first(Envelope.Header.contentType) == "application/x-www-form-urlencoded")
    }

    @Test(arguments: ServingPath.allCases) func urlSigningSchemesVerifyAgainstThePublicBaseURL(_ servingPath: ServingPath) async throws {
        var configuration = ReceiverConfiguration()
        configuration.publicBaseURL = "https://hooks.example.com"
        let service = try ReceiverProviderFixtures.service(configuration: configuration, log: RecordLog())
        try await service.makeApplication().test(servingPath.setup) { client in
            for definition in ["twilio", "hubspot", "square"] {
                let sample = ReceiverProviderFixtures.samples.first { $0.definition == definition }!
                let right = try ReceiverProviderFixtures.signer(definition, baseURL: "https://hooks.example.com")
                    .sign(body: sample.body, event: sample.event, deliveryID: "u-\(definition)")
                let wrong = try ReceiverProviderFixtures.signer(definition)
                    .sign(body: sample.body, event: sample.event, deliveryID: "u-\(definition)")
                let accepted = try await client.post(right)
                let refused = try await client.post(wrong)
                #expect(accepted.status == .accepted, "\(definition): \(accepted.receiverBodyText)")
                #expect(refused.receiverErrorCode == "signature_mismatch", "\(definition)")
            }
        }
    }

    @Test(arguments: ServingPath.allCases) func refusesSecretsPastTheirNotAfterWithoutARestart(_ servingPath: ServingPath) async throws {
        let now = ReceiverHealth.unixSeconds()
        let integrations = [
            Integration(id: "rotating", definition: WebhookDefinition.github.name,
                        secrets: ["current", IntegrationSecret("previous", notAfter: now + 1), IntegrationSecret("gone", notAfter: now - 10)]),
            Integration(id: "expired", definition: WebhookDefinition.github.name, secrets: [IntegrationSecret("old", notAfter: now - 10)]),
        ]
        let service = try ReceiverProviderFixtures.service(log: RecordLog(), integrations: integrations)
        @Sendable func signed(_ secret: String, _ integration: String) throws -> SignedRequest {
            try WebhookSigner(definition: .github, integrationID: integration, secret: secret)
                .sign(body: ReceiverFixtures.pullRequestBody, event: "push", deliveryID: "d-\(secret)")
        }
        try await service.makeApplication().test(servingPath.setup) { client in
            #expect(try await client.post(try signed("current", "rotating")).status == .accepted)
            #expect(try await client.post(try signed("gone", "rotating")).receiverErrorCode == "signature_mismatch")
            let expired = try await client.post(try signed("old", "expired"))
            #expect(expired.receiverErrorCode == "signature_mismatch")
            #expect(expired.receiverBodyText.contains("not_after"))
            // `previous` is accepted until its not_after passes, then refused by the same running receiver.
            if ReceiverHealth.unixSeconds() <= now + 1 {
                #expect(try await client.post(try signed("previous", "rotating")).status == .accepted)
            }
            try await ReceiverLifecycleTests.waitUntil(timeout: .seconds(5)) { ReceiverHealth.unixSeconds() > now + 1 }
            #expect(try await client.post(try signed("previous", "rotating")).receiverErrorCode == "signature_mismatch")
            #expect(try await client.post(try signed("current", "rotating")).status == .accepted)
        }
    }

    @Test func namesTheIntegrationsFileWhenAnEntryCannotBeVerified() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-receiver-\(UUID().uuidString).yaml").path
        try "integrations:\n  - {id: acme, definition: generic-hmac, secrets: [s], signature: {header: X-S, signed: '{timestamp}.{body}'}}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = ReceiverConfiguration()
        configuration.integrationsPath = path
        #expect {
            try ReceiverService(configuration: configuration, producer: ReceiverFixtures.mockProducer(),
                                registry: ReceiverProviderFixtures.registry, logger: ReceiverFixtures.quietLogger)
        } throws: { error in
            let reason = (error as? ReceiverError)?.reason ?? ""
            return reason.hasPrefix(path + ": integration 'acme'") && reason.contains("signature.timestamp_header")
        }
    }

    @Test func refusesAnIntegrationWhoseOptionsOrKeysTheSchemeCannotUse() throws {
        let cases: [(Integration, String)] = [
            (Integration(id: "g", definition: WebhookDefinition.genericHMAC.name, secrets: ["s"],
                         signature: GenericHMACSignatureSettings(header: "X-S", signed: "{timestamp}")), "signature.signed"),
            (Integration(id: "g2", definition: WebhookDefinition.genericHMAC.name, secrets: ["s"],
                         signature: GenericHMACSignatureSettings(algorithm: "md5", header: "X-S")), "signature.algorithm"),
            (Integration(id: "d", definition: WebhookDefinition.discord.name, secrets: [IntegrationSecret](), publicKeys: ["abcd"]), "integration 'd'"),
            (Integration(id: "m", definition: WebhookDefinition.genericHMAC.name, secrets: ["s"],
                         signature: GenericHMACSignatureSettings(header: "X-S"), metadata: ["delivery_id": "nowhere"]), "metadata"),
        ]
        for (integration, expected) in cases {
            #expect {
                try ReceiverProviderFixtures.service(log: RecordLog(), integrations: [integration])
            } throws: { error in
                "\(error)".contains(expected) && "\(error)".contains("'\(integration.id)'")
            }
        }
    }
}
