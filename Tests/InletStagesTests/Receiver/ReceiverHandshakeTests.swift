import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InletCore
import InletCrypto
@testable import InletReceiver
import InletSignatures
import Testing

/// Every handshake kind against the running receiver (router mode), with each provider's documented example: answered
/// directly, counted by kind, never produced to Kafka; signed ones only after their signature verified.
@Suite("Receiver handshakes", .serialized)
struct ReceiverHandshakeTests {
    /// Runs `body` against a receiver with the local integrations, then checks nothing was produced.
    func withReceiver(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws -> ReceiverService {
        let log = RecordLog()
        let service = try ReceiverProviderFixtures.service(log: log)
        try await service.makeApplication().test(.live) { client in try await body(client) }
        #expect(log.all.isEmpty, "a handshake reached Kafka")
        return service
    }

    /// Slack's documented url_verification: https://api.slack.com/events/url_verification
    @Test func answersSlacksURLVerificationOnceItsSignatureVerified() async throws {
        let body = Array(#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#.utf8)
        let signed = try ReceiverProviderFixtures.signer("slack").sign(body: body, event: "", deliveryID: "")
        let forged = try ReceiverProviderFixtures.signer("slack", wrongCredential: true).sign(body: body, event: "", deliveryID: "")
        let hostile = try ReceiverProviderFixtures.signer("slack")
            .sign(body: Array(#"{"type":"url_verification","challenge":"<script>alert(1)</script>"}"#.utf8), event: "", deliveryID: "")
        let service = try await withReceiver { client in
            let response = try await client.post(signed)
            #expect(response.status == .ok)
            #expect(response.receiverBodyText == #"{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(try await client.post(forged).receiverErrorCode == "signature_mismatch")
            let refused = try await client.post(hostile)
            #expect(refused.status == .badRequest)
            #expect(refused.receiverErrorCode == "invalid_handshake")
            #expect(!refused.receiverBodyText.contains("script"))
        }
        #expect(service.handshakeCounters.answered(.slackURLVerification) == 1)
        #expect(service.counters.rejections(.invalidHandshake) == 1)
    }

    /// Slack's certificate check: a form POST with ssl_check=1, unsigned, to a JSON definition.
    @Test func answersSlacksSSLCheckBeforeTheContentTypeCheck() async throws {
        let service = try await withReceiver { client in
            let response = try await client.execute(uri: "/webhooks/slack/local-slack", method: .post,
                                                    headers: [.contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "ssl_check=1&token=Jhj5dZrVaK7ZwHHjRyZWjbDl"))
            #expect(response.status == .ok)
            #expect(response.body.readableBytes == 0)
            // Any other form body is still refused by the content-type check.
            let other = try await client.execute(uri: "/webhooks/slack/local-slack", method: .post,
                                                 headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "command=%2Fdeploy"))
            #expect(other.status == .unsupportedMediaType)
        }
        #expect(service.handshakeCounters.answered(.slackSSLCheck) == 1)
    }

    /// Zoom's documented endpoint.url_validation: https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint
    @Test func answersZoomsURLValidationWithTheHMACOfThePlainToken() async throws {
        let body = Array(#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#.utf8)
        let signed = try ReceiverProviderFixtures.signer("zoom").sign(body: body, event: "", deliveryID: "")
        let unsigned = SignedRequest(path: signed.path, headers: [("Content-Type", "application/json")], body: body)
        let expected = try ZoomSignature.urlValidationToken(
            plainToken: "qgg8vlvZRS6UYooatFL8Aw", key: ZoomSignature.key(secret: ReceiverProviderFixtures.integration("zoom").secrets[0]))
        let service = try await withReceiver { client in
            let response = try await client.post(signed)
            #expect(response.status == .ok)
            #expect(response.receiverBodyText == #"{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"\#(expected)"}"#)
            // Unsigned, it would hand out an HMAC under the secret: refused.
            #expect(try await client.post(unsigned).receiverErrorCode == "signature_missing")
        }
        #expect(service.handshakeCounters.answered(.zoomURLValidation) == 1)
    }

    /// Microsoft Graph's validation: POST ?validationToken=… with an empty text/plain body, unsigned; GET too.
    /// https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#notificationurl-validation
    @Test func echoesMicrosoftGraphsValidationToken() async throws {
        let token = "Validation: Testing client application reachability for subscription Request-Id: 7b4f4c4e-4a3b-4e5f-9f0a-8b6c1d2e3f40"
        let query = "?validationToken=" + token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let service = try await withReceiver { client in
            let post = try await client.execute(uri: "/webhooks/microsoft-graph/local-graph" + query, method: .post,
                                                headers: [.contentType: "text/plain; charset=utf-8"], body: ByteBuffer())
            #expect(post.status == .ok)
            #expect(post.receiverBodyText == token)
            #expect(post.headers[.contentType] == "text/plain; charset=utf-8")
            let get = try await client.execute(uri: "/webhooks/microsoft-graph/local-graph" + query, method: .get)
            #expect(get.receiverBodyText == token)
            let hostile = try await client.execute(uri: "/webhooks/microsoft-graph/local-graph?validationToken=%3Cb%3E", method: .get)
            #expect(hostile.receiverErrorCode == "invalid_handshake")
            // Without the query it is a notification again, which needs its clientState.
            let plain = try await client.execute(uri: "/webhooks/microsoft-graph/local-graph", method: .post,
                                                 headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"value":[{}]}"#))
            #expect(plain.status == .unauthorized)
        }
        #expect(service.handshakeCounters.answered(.graphValidationToken) == 2)
    }

    /// Okta's one-time verification: GET with X-Okta-Verification-Challenge and the hook's authentication header.
    /// https://developer.okta.com/docs/concepts/event-hooks/#one-time-verification-request
    @Test func answersOktasVerificationOnlyWithItsAuthenticationHeader() async throws {
        let secret = ReceiverProviderFixtures.integration("okta").secrets[0]
        let challenge = "2fEVLCDbfNwPm6zw2cOd8KnV5MWmTqFUSp52AbXj"
        let service = try await withReceiver { client in
            let answered = try await client.execute(uri: "/webhooks/okta/local-okta", method: .get, headers: [
                HTTPField.Name("X-Okta-Verification-Challenge")!: challenge, .authorization: secret,
            ])
            #expect(answered.status == .ok)
            #expect(answered.receiverBodyText == #"{"verification":"\#(challenge)"}"#)
            let anonymous = try await client.execute(uri: "/webhooks/okta/local-okta", method: .get,
                                                     headers: [HTTPField.Name("X-Okta-Verification-Challenge")!: challenge])
            #expect(anonymous.status == .unauthorized)
            // An authenticated GET that is no handshake is not a delivery either.
            let plainGET = try await client.execute(uri: "/webhooks/okta/local-okta", method: .get, headers: [.authorization: secret])
            #expect(plainGET.status == .notFound)
            #expect(plainGET.receiverErrorCode == "route_not_found")
        }
        #expect(service.handshakeCounters.answered(.oktaVerification) == 1)
    }

    /// Discord's PING, for interactions (type 1 → PONG) and for webhook events (type 0 → 204), signed with Ed25519.
    /// https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint
    @Test func answersDiscordPingsAfterVerifyingTheirEd25519Signature() async throws {
        let signer = try ReceiverProviderFixtures.signer("discord")
        let interaction = try signer.sign(body: Array(#"{"type":1,"id":"1","application_id":"1234560123453231555","token":"x","version":1}"#.utf8), event: "", deliveryID: "")
        let events = try signer.sign(body: Array(#"{"version":1,"application_id":"1234560123453231555","type":0}"#.utf8), event: "", deliveryID: "")
        let forged = try ReceiverProviderFixtures.signer("discord", wrongCredential: true)
            .sign(body: Array(#"{"type":1}"#.utf8), event: "", deliveryID: "")
        let service = try await withReceiver { client in
            let pong = try await client.post(interaction)
            #expect(pong.status == .ok)
            #expect(pong.receiverBodyText == #"{"type":1}"#)
            let noContent = try await client.post(events)
            #expect(noContent.status == .noContent)
            // Discord checks that bad signatures are refused.
            #expect(try await client.post(forged).status == .unauthorized)
        }
        #expect(service.handshakeCounters.answered(.discordPing) == 2)
    }

    /// Dropbox-style challenge on a generic-hmac integration: GET ?challenge=…, echoed as text/plain with nosniff.
    /// https://www.dropbox.com/developers/reference/webhooks#documentation
    @Test func echoesAChallengeQueryParameter() async throws {
        let service = try await withReceiver { client in
            let response = try await client.execute(uri: "/webhooks/generic-hmac/local-acme?challenge=e8b1a7c3f2d94c6b", method: .get)
            #expect(response.status == .ok)
            #expect(response.receiverBodyText == "e8b1a7c3f2d94c6b")
            #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(response.headers[.cacheControl] == "no-store")
            let bare = try await client.execute(uri: "/webhooks/generic-hmac/local-acme", method: .get)
            #expect(bare.receiverErrorCode == "route_not_found")
            // GitHub answers no GET at all.
            let github = try await client.execute(uri: "/webhooks/github/local-github?challenge=x", method: .get)
            #expect(github.receiverErrorCode == "route_not_found")
        }
        #expect(service.handshakeCounters.answered(.challengeQueryEcho) == 1)
        #expect(service.handshakeCounters.answeredByKind.values.reduce(0, +) == 1)
    }

    @Test func coversEveryHandshakeKind() {
        // The tests above, one per kind; a new kind must add its own.
        #expect(HandshakeKind.allCases.count == 7)
    }
}
