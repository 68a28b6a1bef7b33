import Foundation
import Hummingbird
import HummingbirdTesting
import InletCore
import InletKafka
@testable import InletReceiver
import Testing

/// The HTTP contract, through HummingbirdTesting's router mode with a producer on librdkafka's mock cluster.
/// Run with `source deploy/local/env.sh` (librdkafka 2.16).
@Suite("ReceiverService", .serialized)
struct ReceiverServiceTests {
    @Test(arguments: ServingPath.allCases) func acceptsASignedGitHubDeliveryOnceTheBrokerAcknowledges(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        let request = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "d-1")
        try await service.makeApplication().test(servingPath.setup) { client in
            let response = try await client.postSigned(request)
            #expect(response.status == .accepted)
            #expect(response.receiverBodyText == #"{"status":"accepted","id":"d-1"}"#)
            #expect(response.headers[.contentType] == "application/json")
        }
        #expect(service.counters.acceptedCount == 1)
    }

    @Test(arguments: ServingPath.allCases) func acceptsADeliverySignedWithARotatedSecret(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        let request = try ReceiverFixtures.githubSigner(secret: ReceiverFixtures.rotatedGitHubSecret)
            .sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "d-2")
        try await service.makeApplication().test(servingPath.setup) { client in
            let response = try await client.postSigned(request)
            #expect(response.status == .accepted)
        }
    }

    @Test(arguments: ServingPath.allCases) func acceptsAStandardWebhooksDeliveryWithTheEventInTheBody(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        let body = Array(#"{"type":"invoice.paid","timestamp":"2026-11-21T20:00:00Z","data":{"id":"in_1"}}"#.utf8)
        let request = try ReceiverFixtures.standardSigner().sign(body: body, event: "invoice.paid", deliveryID: "msg_1")
        try await service.makeApplication().test(servingPath.setup) { client in
            let response = try await client.postSigned(request)
            #expect(response.status == .accepted)
            #expect(response.receiverBodyText == #"{"status":"accepted","id":"msg_1"}"#)
        }
    }

    @Test(arguments: ServingPath.allCases) func answers404ForUnknownOrDisabledIntegrations(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        let signed = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "push", deliveryID: "d")
        try await service.makeApplication().test(servingPath.setup) { client in
            let cases: [(String, String)] = [
                ("/webhooks/no-such-provider/acme-gh", "unknown_definition"),
                ("/webhooks/github/nobody", "unknown_integration"),
                ("/webhooks/standard-webhooks/acme-gh", "unknown_integration"),  // exists, but under another definition
                ("/webhooks/github/paused", "integration_disabled"),
                ("/webhooks/github", "route_not_found"),
                ("/elsewhere", "route_not_found"),
            ]
            for (path, code) in cases {
                let response = try await client.postSigned(signed, path: path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.receiverErrorCode == code, "\(path)")
            }
            let get = try await client.execute(uri: "/webhooks/github/acme-gh", method: .get)
            #expect(get.status == .notFound)
            #expect(get.receiverErrorCode == "route_not_found")
        }
        #expect(service.counters.rejections(.unknownIntegration) == 2)
        #expect(service.counters.rejections(.routeNotFound) == 3)
    }

    @Test(arguments: ServingPath.allCases) func answers401ForBadSignatures(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        let signed = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "push", deliveryID: "d")
        let wrongSecret = try ReceiverFixtures.githubSigner(secret: "guess").sign(body: ReceiverFixtures.pullRequestBody, event: "push", deliveryID: "d")
        try await service.makeApplication().test(servingPath.setup) { client in
            let altered = try await client.postSigned(signed, body: ReceiverFixtures.pullRequestBody.dropLast() + [UInt8(ascii: " ")])
            #expect(altered.status == .unauthorized)
            #expect(altered.receiverErrorCode == "signature_mismatch")
            #expect(try await client.postSigned(wrongSecret).receiverErrorCode == "signature_mismatch")
            let missing = try await client.postSigned(signed, replacing: ["X-Hub-Signature-256": nil])
            #expect(missing.status == .unauthorized)
            #expect(missing.receiverErrorCode == "signature_missing")
            #expect(try await client.postSigned(signed, replacing: ["X-Hub-Signature-256": "sha256=abc"]).receiverErrorCode == "signature_malformed")
        }
        #expect(service.counters.rejections(.signatureMismatch) == 2)
        #expect(service.counters.acceptedCount == 0)
    }

    @Test(arguments: ServingPath.allCases) func answers401ForAStaleStandardWebhooksTimestamp(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        let body = Array(#"{"type":"invoice.paid"}"#.utf8)
        let stale = try ReceiverFixtures.standardSigner().sign(body: body, event: "invoice.paid", deliveryID: "msg_1",
                                                              timestamp: ReceiverHealth.unixSeconds() - 600)
        try await service.makeApplication().test(servingPath.setup) { client in
            let response = try await client.postSigned(stale)
            #expect(response.status == .unauthorized)
            #expect(response.receiverErrorCode == "timestamp_out_of_tolerance")
        }
    }

    @Test(arguments: ServingPath.allCases) func answers400WhenTheDeliveryIDOrEventIsMissing(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        let github = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "push", deliveryID: "d")
        let noType = try ReceiverFixtures.standardSigner().sign(body: Array(#"{"data":{"type":"nested"}}"#.utf8), event: "", deliveryID: "msg_1")
        let notJSON = try ReceiverFixtures.standardSigner().sign(body: Array("[1,2]".utf8), event: "", deliveryID: "msg_2")
        try await service.makeApplication().test(servingPath.setup) { client in
            let noDelivery = try await client.postSigned(github, replacing: ["X-GitHub-Delivery": nil])
            #expect(noDelivery.status == .badRequest)
            #expect(noDelivery.receiverErrorCode == "missing_delivery_id")
            let noEvent = try await client.postSigned(github, replacing: ["X-GitHub-Event": nil])
            #expect(noEvent.status == .badRequest)
            #expect(noEvent.receiverErrorCode == "missing_event")
            #expect(try await client.postSigned(noType).receiverErrorCode == "missing_event")
            let malformed = try await client.postSigned(notJSON)
            #expect(malformed.status == .badRequest)
            #expect(malformed.receiverErrorCode == "malformed_body")
        }
    }

    @Test(arguments: ServingPath.allCases) func answers413ForABodyOverTheLimit(_ servingPath: ServingPath) async throws {
        var configuration = ReceiverConfiguration()
        configuration.maximumBodySize = 64
        let service = try ReceiverFixtures.service(configuration: configuration)
        let large = try ReceiverFixtures.githubSigner().sign(body: Array(repeating: UInt8(ascii: " "), count: 65), event: "push", deliveryID: "d")
        let fits = try ReceiverFixtures.githubSigner().sign(body: Array("{}".utf8) + Array(repeating: UInt8(ascii: " "), count: 62), event: "push", deliveryID: "d")
        try await service.makeApplication().test(servingPath.setup) { client in
            let response = try await client.postSigned(large)
            #expect(response.status == .contentTooLarge)
            #expect(response.receiverErrorCode == "payload_too_large")
            #expect(try await client.postSigned(fits).status == .accepted)
        }
    }

    @Test(arguments: ServingPath.allCases) func answers415ForBodiesThatAreNotJSON(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        let signed = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "push", deliveryID: "d")
        try await service.makeApplication().test(servingPath.setup) { client in
            for contentType in ["application/x-www-form-urlencoded", "text/plain", nil] as [String?] {
                let response = try await client.postSigned(signed, replacing: ["Content-Type": contentType])
                #expect(response.status == .unsupportedMediaType)
                #expect(response.receiverErrorCode == "unsupported_media_type")
            }
            #expect(try await client.postSigned(signed, replacing: ["Content-Type": "Application/JSON; charset=utf-8"]).status == .accepted)
        }
        #expect(service.counters.rejectionsByCode["unsupported_media_type"] == 3)
    }

    @Test(arguments: ServingPath.allCases) func answers503WithRetryAfterWhenTheBrokerDoesNotAcknowledge(_ servingPath: ServingPath) async throws {
        var configuration = ReceiverConfiguration()
        configuration.acknowledgementTimeout = .milliseconds(300)
        configuration.retryAfterSeconds = 7
        let service = try ReceiverFixtures.service(configuration: configuration, producer: ReceiverFixtures.unreachableProducer())
        let signed = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "push", deliveryID: "d")
        try await service.makeApplication().test(servingPath.setup) { client in
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            let started = ContinuousClock.now
            let response = try await client.postSigned(signed)
            #expect(response.status == .serviceUnavailable)
            #expect(response.receiverErrorCode == "broker_timeout")
            #expect(response.headers[.retryAfter] == "7")
            #expect(ContinuousClock.now - started < .seconds(2))
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.receiverErrorCode == "not_ready")
        }
        #expect(service.counters.rejections(.brokerTimeout) == 1)
        #expect(service.counters.acceptedCount == 0)
    }

    @Test(arguments: ServingPath.allCases) func reportsLivenessAndReadiness(_ servingPath: ServingPath) async throws {
        let service = try ReceiverFixtures.service()
        try await service.makeApplication().test(servingPath.setup) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.receiverBodyText == #"{"status":"alive"}"#)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(ready.receiverBodyText.contains(#""integrations":3"#))
        }
    }

    @Test func refusesAnIntegrationWhoseSecretTheSchemeCannotUse() throws {
        let bad = [Integration(id: "broken", definition: WebhookDefinition.standardWebhooks.name, secrets: ["whsec_***"])]
        #expect {
            try ReceiverService(configuration: ReceiverConfiguration(), producer: ReceiverFixtures.mockProducer(),
                                registry: DefinitionRegistry(), integrations: bad, logger: ReceiverFixtures.quietLogger)
        } throws: { error in
            guard let error = error as? ReceiverError else { return false }
            return error.code == .invalidSecret && error.reason.contains("broken") && !error.reason.contains("***")
        }
    }
}
