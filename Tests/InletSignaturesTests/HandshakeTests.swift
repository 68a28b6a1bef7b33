import InletCore
import Testing
@testable import InletSignatures

/// Each provider's set-up handshake, from its documented request to the documented answer, plus the bounds on every
/// echoed value and the requests that must pass through as deliveries.
@Suite struct HandshakeResponderTests {
    static func request(_ method: String = "POST", url: String = "https://hooks.example.com/webhooks/x/acme",
                        headers: InboundHeaders = [:], body: String = "") -> InboundRequest {
        InboundRequest(method: method, url: url, headers: headers, body: Array(body.utf8), now: 1_700_000_000)
    }

    static func answer(_ outcome: HandshakeOutcome?) -> HandshakeResponse? {
        guard case .respond(let response)? = outcome else { return nil }
        return response
    }

    static func refusal(_ outcome: HandshakeOutcome?) -> HandshakeRefusal? {
        guard case .refuse(let refusal)? = outcome else { return nil }
        return refusal
    }

    static func text(_ response: HandshakeResponse?) -> String? { response.map { String(decoding: $0.body, as: UTF8.self) } }

    // MARK: Slack

    @Test func slackURLVerificationEchoesTheChallenge() throws {
        let body = #"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#
        let response = try #require(Self.answer(SlackURLVerificationResponder().respond(to: Self.request(body: body))))
        #expect(response.status == 200)
        #expect(response.contentType == "application/json")
        #expect(Self.text(response) == #"{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#)
        #expect(response.headers.contains(HandshakeResponse.Header("X-Content-Type-Options", "nosniff")))
        #expect(SlackURLVerificationResponder().phase == .afterVerification)
    }

    @Test func slackEventsAndHostileChallengesAreNotEchoed() {
        let responder = SlackURLVerificationResponder()
        let event = #"{"type":"event_callback","event_id":"Ev1","event":{"type":"message","challenge":"x"}}"#
        #expect(responder.respond(to: Self.request(body: event)) == nil)
        #expect(responder.respond(to: Self.request(body: "not json")) == nil)
        #expect(responder.respond(to: Self.request("GET", body: #"{"type":"url_verification","challenge":"abc"}"#)) == nil)
        for challenge in [#"<script>alert(1)</script>"#, String(repeating: "a", count: 257), "", "a b", #"a\"b"#] {
            let body = #"{"type":"url_verification","challenge":""# + challenge + #""}"#
            let refusal = Self.refusal(responder.respond(to: Self.request(body: body)))
            #expect(refusal?.kind == .slackURLVerification, "\(challenge)")
            #expect(refusal?.message.contains("script") == false)
        }
        #expect(Self.refusal(responder.respond(to: Self.request(body: #"{"type":"url_verification","challenge":42}"#))) != nil)
    }

    @Test func slackSSLCheckIsAnsweredEmptyBeforeVerification() {
        let responder = SlackSSLCheckResponder()
        #expect(responder.phase == .beforeVerification)
        let response = Self.answer(responder.respond(to: Self.request(body: "ssl_check=1&token=gIkuvaNzQIHg97ATvDxqgjtO")))
        #expect(response?.status == 200)
        #expect(response?.body.isEmpty == true)
        #expect(responder.respond(to: Self.request(body: "command=%2Fweather&text=94070&ssl_check=0")) == nil)
        #expect(responder.respond(to: Self.request(body: #"{"ssl_check":"1"}"#)) == nil)
    }

    // MARK: Zoom

    static let zoomValidation = #"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#

    @Test func zoomURLValidationAnswersWithTheHMACOfThePlainToken() throws {
        let responder = try ZoomURLValidationResponder(secrets: ["lw9ZYxz3T6aSk-mf7Ep7ig", "older-secret"])
        let response = try #require(Self.answer(responder.respond(to: Self.request(body: Self.zoomValidation))))
        #expect(response.status == 200)
        #expect(response.contentType == "application/json")
        // Expected value computed independently: Python hmac.new(secret, plainToken, sha256).hexdigest().
        #expect(Self.text(response) == #"{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"73ecab7ca7ec8d375b3a16157bb189ea852245f088029010dc472d47b4edf792"}"#)
        let rotated = try ZoomURLValidationResponder(secrets: ["new-secret-token"])
        #expect(Self.text(Self.answer(rotated.respond(to: Self.request(body: Self.zoomValidation))))?
            .contains("eaa216b2810f49328c2d8087633d4a72ba35e0712c202138e0515ec264e973ef") == true)
        #expect(responder.phase == .afterVerification)
    }

    @Test func zoomNeverSignsATokenThatCouldBeASignedMessage() throws {
        let responder = try ZoomURLValidationResponder(secrets: ["lw9ZYxz3T6aSk-mf7Ep7ig"])
        for token in [#"v0:1654503849:{\"event\":\"meeting.started\"}"#, "a b", String(repeating: "A", count: 257)] {
            let body = #"{"event":"endpoint.url_validation","payload":{"plainToken":""# + token + #""}}"#
            #expect(Self.refusal(responder.respond(to: Self.request(body: body)))?.kind == .zoomURLValidation, "\(token)")
        }
        #expect(Self.refusal(responder.respond(to: Self.request(body: #"{"event":"endpoint.url_validation","payload":{}}"#))) != nil)
        #expect(responder.respond(to: Self.request(body: #"{"event":"meeting.started","payload":{"plainToken":"abc"}}"#)) == nil)
    }

    @Test func zoomNeedsASecret() {
        #expect(throws: SignatureError.self) { try ZoomURLValidationResponder(secrets: []) }
        #expect(throws: SignatureError.self) { try HandshakeKind.zoomURLValidation.responder(secrets: [""]) }
    }

    // MARK: Microsoft Graph

    @Test func graphValidationTokenIsEchoedAsPlainText() throws {
        let url = "https://hooks.example.com/webhooks/microsoft-graph/acme?validationToken=Validation%3A+Testing+client+application+reachability+for+subscription+Request-Id%3A+7c4d9b4a-1b2c-4d3e-8f9a-0b1c2d3e4f5a"
        let response = try #require(Self.answer(GraphValidationTokenResponder().respond(to: Self.request(url: url))))
        #expect(response.status == 200)
        #expect(response.contentType == "text/plain; charset=utf-8")
        #expect(Self.text(response) == "Validation: Testing client application reachability for subscription Request-Id: 7c4d9b4a-1b2c-4d3e-8f9a-0b1c2d3e4f5a")
        #expect(response.headers.contains(HandshakeResponse.Header("X-Content-Type-Options", "nosniff")))
        #expect(GraphValidationTokenResponder().phase == .beforeVerification)
    }

    @Test func graphTokensOutsideTheBoundsAreRefused() {
        let responder = GraphValidationTokenResponder()
        for token in ["%3Cscript%3E", "a%00b", "caf%C3%A9", String(repeating: "a", count: 1025), "", "%ZZ"] {
            let outcome = responder.respond(to: Self.request(url: "https://h/x?validationToken=\(token)"))
            #expect(Self.refusal(outcome)?.kind == .graphValidationToken, "\(token)")
        }
        #expect(responder.respond(to: Self.request(url: "https://h/x?other=1", body: #"{"value":[]}"#)) == nil)
        #expect(Self.answer(responder.respond(to: Self.request(url: "https://h/x?a=1&validationToken=ok#frag"))).map(Self.text) == "ok")
    }

    // MARK: Okta

    @Test func oktaVerificationAnswersWithTheChallenge() throws {
        let request = Self.request("GET", headers: ["Authorization": "secret", "X-Okta-Verification-Challenge": "HFAWBx0N8IoYmnZoNgT9gXxsUmc2oQ0-4zgKZq4Y"])
        let response = try #require(Self.answer(OktaVerificationResponder().respond(to: request)))
        #expect(response.status == 200)
        #expect(Self.text(response) == #"{"verification":"HFAWBx0N8IoYmnZoNgT9gXxsUmc2oQ0-4zgKZq4Y"}"#)
        #expect(OktaVerificationResponder().phase == .afterVerification)
        #expect(OktaVerificationResponder().respond(to: Self.request(body: #"{"data":{"events":[]}}"#)) == nil)
        let hostile = Self.request("GET", headers: ["X-Okta-Verification-Challenge": "\"}<x>"])
        #expect(Self.refusal(OktaVerificationResponder().respond(to: hostile)) != nil)
    }

    // MARK: Discord

    @Test func discordPingsArePongedAndEventsPassThrough() {
        let responder = DiscordPingResponder()
        let interactionPing = #"{"application_id":"123456789012345678","id":"987654321098765432","token":"aW50ZXJhY3Rpb24","type":1,"user":{"id":"1"},"version":1}"#
        let pong = Self.answer(responder.respond(to: Self.request(body: interactionPing)))
        #expect(pong?.status == 200)
        #expect(pong.flatMap(Self.text) == #"{"type":1}"#)
        let eventPing = #"{"version":1,"application_id":"1234560123453231555","type":0}"#
        let noContent = Self.answer(responder.respond(to: Self.request(body: eventPing)))
        #expect(noContent?.status == 204)
        #expect(noContent?.contentType == nil)
        let event = #"{"version":1,"application_id":"1","type":1,"event":{"type":"APPLICATION_AUTHORIZED","timestamp":"2024-10-18T14:42:53.064834","data":{}}}"#
        #expect(responder.respond(to: Self.request(body: event)) == nil)
        #expect(responder.respond(to: Self.request(body: #"{"type":2,"data":{"name":"ping"}}"#)) == nil)
        #expect(responder.phase == .afterVerification)
    }

    // MARK: Dropbox-style challenge

    @Test func challengeQueryIsEchoedWithNosniff() throws {
        let responder = ChallengeQueryEchoResponder()
        let response = try #require(Self.answer(responder.respond(to: Self.request("GET", url: "https://h/webhooks/generic-hmac/a?challenge=tFjTy8PHpE6xi2S6"))))
        #expect(Self.text(response) == "tFjTy8PHpE6xi2S6")
        #expect(response.contentType == "text/plain; charset=utf-8")
        #expect(response.headers.contains(HandshakeResponse.Header("X-Content-Type-Options", "nosniff")))
        #expect(Self.refusal(responder.respond(to: Self.request("GET", url: "https://h/a?challenge=%3Cb%3E"))) != nil)
        #expect(responder.respond(to: Self.request("POST", url: "https://h/a?challenge=abc")) == nil)
        #expect(responder.phase == .beforeVerification)
    }

    // MARK: An integration's set

    @Test func respondersRunOnlyInTheirPhase() throws {
        let slack = try HandshakeResponders(kinds: WebhookDefinition.slack.handshakes, secrets: ["signing-secret"])
        #expect(slack.hasResponders(in: .beforeVerification))
        let verification = Self.request(body: #"{"type":"url_verification","challenge":"abc"}"#)
        #expect(slack.respond(to: verification, phase: .beforeVerification) == nil)
        #expect(Self.text(Self.answer(slack.respond(to: verification, phase: .afterVerification))) == #"{"challenge":"abc"}"#)
        #expect(Self.answer(slack.respond(to: Self.request(body: "ssl_check=1"), phase: .beforeVerification))?.status == 200)

        let github = try HandshakeResponders(kinds: WebhookDefinition.github.handshakes, secrets: ["s"])
        #expect(!github.hasResponders(in: .beforeVerification) && !github.hasResponders(in: .afterVerification))
        #expect(github.respond(to: verification, phase: .afterVerification) == nil)
    }

    @Test func everyKindHasAResponderOfItsOwnKind() throws {
        for kind in HandshakeKind.allCases {
            let responder = try kind.responder(secrets: ["secret"])
            #expect(responder.kind == kind)
            #expect(responder.phase == kind.phase)
        }
        #expect(HandshakeKind.allCases.filter { $0.phase == .beforeVerification } == [.slackSSLCheck, .graphValidationToken, .challengeQueryEcho])
    }
}
