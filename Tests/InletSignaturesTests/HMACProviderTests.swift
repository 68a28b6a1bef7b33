import InletCrypto
@testable import InletSignatures
import Testing

/// One provider, described so the same behaviours can be checked for all of them: how to build its verifier, how to
/// sign a genuine request at a given time, and which headers to break.
struct HMACProviderCase: Sendable, CustomTestStringConvertible {
    var name: String
    var verifier: @Sendable (_ secrets: [String]) throws -> any WebhookVerifier
    /// A genuine request signed with `secret` at `timestamp` (Unix seconds), verified at `now`.
    var sign: @Sendable (_ secret: String, _ timestamp: Int64, _ now: Int64) throws -> InboundRequest
    var signatureHeader: String
    /// The header carrying the signed timestamp; nil when the scheme has none in a header.
    var timestampHeader: String?
    /// Whether a timestamp is signed at all (in a header or, for Linear, in the body).
    var timestamped: Bool
    /// Values of the signature header that must be rejected as malformed.
    var malformed: [String]

    var testDescription: String { name }

    static let url = "https://inlet.example.com/webhooks/provider/acme"
    static let body = Array(#"{"id":"evt_1","data":{"amount":4200}}"#.utf8)

    static func request(_ headers: [(String, String)], body: [UInt8] = body, now: Int64, method: String = "POST") -> InboundRequest {
        InboundRequest(method: method, url: url, headers: InboundHeaders(headers.map { (name: $0.0, value: $0.1) }), body: body, now: now)
    }

    static let hex64 = String(repeating: "ab", count: 32)
    static let all: [HMACProviderCase] = [
        HMACProviderCase(
            name: "Stripe", verifier: { try StripeVerifier(secrets: $0) },
            sign: { secret, timestamp, now in
                request([(StripeSignature.signatureHeader, try StripeSignature.headerValue(timestamp: timestamp, body: body, key: try StripeSignature.key(secret: secret)))], now: now)
            },
            signatureHeader: StripeSignature.signatureHeader, timestampHeader: nil, timestamped: true,
            malformed: ["v1=\(hex64)", "t=,v1=\(hex64)", "t=12x,v1=\(hex64)", "t=1763700000", "t=1763700000,v1=abc",
                        "t=1763700000,v0=\(hex64)", "t=1763700000,v2=\(hex64)", ",,,", "garbage"]),
        HMACProviderCase(
            name: "Slack", verifier: { try SlackVerifier(secrets: $0) },
            sign: { secret, timestamp, now in
                request(try SlackSignature.headers(timestamp: timestamp, body: body, key: try SlackSignature.key(secret: secret)).map { ($0.name, $0.value) }, now: now)
            },
            signatureHeader: SlackSignature.signatureHeader, timestampHeader: SlackSignature.timestampHeader, timestamped: true,
            malformed: [hex64, "v1=\(hex64)", "v0=\(hex64.dropLast())", "v0=\(hex64)zz", "v0="]),
        HMACProviderCase(
            name: "Shopify", verifier: { try ShopifyVerifier(secrets: $0) },
            sign: { secret, _, now in
                request([(ShopifySignature.signatureHeader, try ShopifySignature.headerValue(body: body, key: try ShopifySignature.key(secret: secret)))], now: now)
            },
            signatureHeader: ShopifySignature.signatureHeader, timestampHeader: nil, timestamped: false,
            malformed: ["not base64!", hex64, "AAAA", String(repeating: "A", count: 43) + "==", "sha256=" + String(repeating: "A", count: 43) + "="]),
        HMACProviderCase(
            name: "Linear", verifier: { try LinearVerifier(secrets: $0) },
            sign: { secret, timestamp, now in
                let body = Array(#"{"action":"create","webhookTimestamp":\#(timestamp * 1000 + 250)}"#.utf8)
                return request([(LinearSignature.signatureHeader, try LinearSignature.headerValue(body: body, key: try LinearSignature.key(secret: secret)))], body: body, now: now)
            },
            signatureHeader: LinearSignature.signatureHeader, timestampHeader: nil, timestamped: true,
            malformed: ["sha256=\(hex64)", String(hex64.dropLast()), hex64 + "00", "zz" + hex64.dropFirst(2)]),
        HMACProviderCase(
            name: "HubSpot", verifier: { try HubSpotVerifier(secrets: $0) },
            sign: { secret, timestamp, now in
                request(try HubSpotSignature.headers(url: url, body: body, timestamp: timestamp * 1000, key: try HubSpotSignature.key(secret: secret)).map { ($0.name, $0.value) }, now: now)
            },
            signatureHeader: HubSpotSignature.signatureHeader, timestampHeader: HubSpotSignature.timestampHeader, timestamped: true,
            malformed: [hex64, "v3=" + String(repeating: "A", count: 43) + "=", "AAAA", "!!!!"]),
        HMACProviderCase(
            name: "Zoom", verifier: { try ZoomVerifier(secrets: $0) },
            sign: { secret, timestamp, now in
                request(try ZoomSignature.headers(timestamp: timestamp, body: body, key: try ZoomSignature.key(secret: secret)).map { ($0.name, $0.value) }, now: now)
            },
            signatureHeader: ZoomSignature.signatureHeader, timestampHeader: ZoomSignature.timestampHeader, timestamped: true,
            malformed: [hex64, "v1=\(hex64)", "v0=\(hex64.dropLast(2))"]),
        HMACProviderCase(
            name: "Intercom", verifier: { try IntercomVerifier(secrets: $0) },
            sign: { secret, _, now in
                request([(IntercomSignature.signatureHeader, try IntercomSignature.headerValue(body: body, key: try IntercomSignature.key(secret: secret)))], now: now)
            },
            signatureHeader: IntercomSignature.signatureHeader, timestampHeader: nil, timestamped: false,
            malformed: ["sha256=\(hex64)", "sha1=\(hex64)", "sha1=" + String(repeating: "ab", count: 19), String(repeating: "ab", count: 20)]),
        HMACProviderCase(
            name: "Paddle", verifier: { try PaddleVerifier(secrets: $0) },
            sign: { secret, timestamp, now in
                request([(PaddleSignature.signatureHeader, try PaddleSignature.headerValue(timestamp: timestamp, body: body, key: try PaddleSignature.key(secret: secret)))], now: now)
            },
            signatureHeader: PaddleSignature.signatureHeader, timestampHeader: nil, timestamped: true,
            malformed: ["h1=\(hex64)", "ts=;h1=\(hex64)", "ts=1763700000", "ts=1763700000;h1=xyz", "ts=1763700000,h1=\(hex64)",
                        "ts=1763700000;h2=\(hex64)", "ts=-5;h1=\(hex64)"]),
        HMACProviderCase(
            name: "Jira Cloud", verifier: { try JiraVerifier(secrets: $0) },
            sign: { secret, _, now in
                request([(JiraSignature.signatureHeader, try JiraSignature.headerValue(body: body, key: try JiraSignature.key(secret: secret)))], now: now)
            },
            signatureHeader: JiraSignature.signatureHeader, timestampHeader: nil, timestamped: false,
            malformed: [hex64, "sha1=\(hex64)", "sha256:\(hex64)", "SHA256=\(hex64)", "sha256=\(hex64.dropLast())"]),
        HMACProviderCase(
            name: "Bitbucket Cloud", verifier: { try BitbucketVerifier(secrets: $0) },
            sign: { secret, _, now in
                request([(BitbucketSignature.signatureHeader, try BitbucketSignature.headerValue(body: body, key: try BitbucketSignature.key(secret: secret)))], now: now)
            },
            signatureHeader: BitbucketSignature.signatureHeader, timestampHeader: nil, timestamped: false,
            malformed: [hex64, "sha512=\(hex64)", "sha256= \(hex64)"]),
        HMACProviderCase(
            name: "GitHub", verifier: { try GitHubVerifier(secrets: $0) },
            sign: { secret, _, now in
                request([(GitHubSignature.headerName, try GitHubSignature.headerValue(body: body, key: try GitHubSignature.key(secret: secret)))], now: now)
            },
            signatureHeader: GitHubSignature.headerName, timestampHeader: nil, timestamped: false,
            malformed: [hex64, "sha1=\(hex64)", "sha256=\(hex64)0"]),
        HMACProviderCase(
            name: "generic HMAC ({id}.{timestamp}.{body}, sha512, base64url)",
            verifier: { try GenericHMACVerifier(secrets: $0, options: genericOptions) },
            sign: { secret, timestamp, now in
                var request = request([("X-Id", "msg_1"), ("X-Ts", String(timestamp))], now: now)
                let value = try genericOptions.signatureHeaderValue(for: request, key: try genericOptions.key(secret: secret))
                request.headers = InboundHeaders(request.headers.fields + [(name: "X-Sig", value: value)])
                return request
            },
            signatureHeader: "X-Sig", timestampHeader: "X-Ts", timestamped: true,
            malformed: ["v1=" + String(repeating: "A", count: 86), String(repeating: "A", count: 86) + "==", String(repeating: "A", count: 85),
                        "v1," + String(repeating: "+", count: 86)]),
    ]

    static let genericOptions = try! GenericHMACOptions(algorithm: .sha512, encoding: .base64url, header: "X-Sig", prefix: "v1,",
                                                        signed: "{id}.{timestamp}.{body}", headers: ["id": "X-Id"],
                                                        timestampHeader: "X-Ts", toleranceSeconds: 120)
}

@Suite("HMAC providers: verification behaviour")
struct HMACProviderTests {
    static let secret = "the-current-secret"
    static let now: Int64 = 1_763_700_000

    static func removing(_ name: String, from request: InboundRequest) -> InboundRequest {
        var request = request
        request.headers = InboundHeaders(request.headers.fields.filter { $0.name != name.lowercased() })
        return request
    }

    static func replacing(_ name: String, with value: String, in request: InboundRequest) -> InboundRequest {
        var request = removing(name, from: request)
        request.headers = InboundHeaders(request.headers.fields + [(name: name, value: value)])
        return request
    }

    @Test(arguments: HMACProviderCase.all)
    func acceptsAGenuineRequest(_ provider: HMACProviderCase) throws {
        let request = try provider.sign(Self.secret, Self.now - 2, Self.now)
        #expect(try provider.verifier([Self.secret]).verify(request) == nil)
    }

    @Test(arguments: HMACProviderCase.all)
    func acceptsTheSecondSecretDuringRotation(_ provider: HMACProviderCase) throws {
        let request = try provider.sign(Self.secret, Self.now, Self.now)
        #expect(try provider.verifier(["the-previous-secret", Self.secret]).verify(request) == nil)
        #expect(try provider.verifier([Self.secret, "the-next-secret"]).verify(request) == nil)
    }

    @Test(arguments: HMACProviderCase.all)
    func rejectsAWrongSecret(_ provider: HMACProviderCase) throws {
        let request = try provider.sign("an attacker's guess", Self.now, Self.now)
        let rejection = try provider.verifier([Self.secret, "the-previous-secret"]).verify(request)
        #expect(rejection?.reason == .signatureMismatch)
        #expect(rejection?.message.contains(Self.secret) == false)
    }

    @Test(arguments: HMACProviderCase.all)
    func rejectsAnAlteredBody(_ provider: HMACProviderCase) throws {
        var request = try provider.sign(Self.secret, Self.now, Self.now)
        request.body += Array(" ".utf8)
        #expect(try provider.verifier([Self.secret]).verify(request)?.reason == .signatureMismatch)
    }

    @Test(arguments: HMACProviderCase.all.filter(\.timestamped))
    func rejectsAStaleOrFutureTimestamp(_ provider: HMACProviderCase) throws {
        let verifier = try provider.verifier([Self.secret])
        let stale = try provider.sign(Self.secret, Self.now - 3_600, Self.now)
        let future = try provider.sign(Self.secret, Self.now + 3_600, Self.now)
        #expect(verifier.verify(stale)?.reason == .timestampOutOfTolerance)
        #expect(verifier.verify(future)?.reason == .timestampOutOfTolerance)
        #expect(verifier.verify(stale)?.message.contains("seconds old") == true)
        #expect(verifier.verify(future)?.message.contains("seconds in the future") == true)
    }

    @Test(arguments: HMACProviderCase.all)
    func rejectsAMissingSignatureHeaderNamingIt(_ provider: HMACProviderCase) throws {
        let request = Self.removing(provider.signatureHeader, from: try provider.sign(Self.secret, Self.now, Self.now))
        let rejection = try provider.verifier([Self.secret]).verify(request)
        #expect(rejection?.reason == .signatureMissing)
        #expect(rejection?.message.contains(provider.signatureHeader) == true)
        let empty = Self.replacing(provider.signatureHeader, with: "", in: request)
        #expect(try provider.verifier([Self.secret]).verify(empty)?.reason == .signatureMissing)
    }

    @Test(arguments: HMACProviderCase.all.filter { $0.timestampHeader != nil })
    func rejectsAMissingOrMalformedTimestampHeader(_ provider: HMACProviderCase) throws {
        let header = try #require(provider.timestampHeader)
        let genuine = try provider.sign(Self.secret, Self.now, Self.now)
        let verifier = try provider.verifier([Self.secret])
        #expect(verifier.verify(Self.removing(header, from: genuine))?.reason == .signatureMissing)
        for value in ["soon", "1763700000.5", "-1763700000", " 1763700000", "1e9", "9999999999999999"] {
            let rejection = verifier.verify(Self.replacing(header, with: value, in: genuine))
            #expect(rejection?.reason == .signatureMalformed, "\(value)")
            #expect(rejection?.message.contains(header) == true)
        }
    }

    @Test(arguments: HMACProviderCase.all)
    func rejectsMalformedSignatureHeadersSayingWhatIsExpected(_ provider: HMACProviderCase) throws {
        let genuine = try provider.sign(Self.secret, Self.now, Self.now)
        let verifier = try provider.verifier([Self.secret])
        for value in provider.malformed {
            let rejection = verifier.verify(Self.replacing(provider.signatureHeader, with: value, in: genuine))
            #expect(rejection?.reason == .signatureMalformed, "\(provider.name): '\(value)' gave \(String(describing: rejection))")
            #expect(rejection?.message.contains(provider.signatureHeader) == true)
        }
    }

    @Test(arguments: HMACProviderCase.all)
    func refusesUnusableSecretsWithoutQuotingThem(_ provider: HMACProviderCase) throws {
        for secrets in [[], [""], [Self.secret, " \t "]] {
            do {
                _ = try provider.verifier(secrets)
                Issue.record("\(provider.name) accepted secrets \(secrets.count)")
            } catch let error as SignatureError {
                #expect(error.code == .invalidSecret)
                #expect(!error.description.contains(Self.secret))
                if secrets.count == 2 { #expect(error.reason.contains("secrets[1]")) }
            }
        }
    }
}

@Suite("HMAC providers: scheme details")
struct HMACProviderDetailTests {
    static let now: Int64 = 1_763_700_000
    static let body = Array(#"{"a":1}"#.utf8)

    @Test func stripeAcceptsAnyV1AndIgnoresOtherSchemes() throws {
        let key = try StripeSignature.key(secret: "whsec_current")
        let genuine = try StripeSignature.headerValue(timestamp: Self.now, body: Self.body, key: key)
        let value = "t=\(Self.now),v0=\(String(repeating: "00", count: 32)),v1=\(String(repeating: "11", count: 32)),\(genuine.split(separator: ",")[1]),x=y"
        let request = InboundRequest(url: "", headers: [StripeSignature.signatureHeader: value], body: Self.body, now: Self.now)
        #expect(try StripeVerifier(secrets: ["whsec_current"]).verify(request) == nil)
    }

    @Test func stripeHeaderCarriesOneV1PerRollingSecret() throws {
        let keys = [try StripeSignature.key(secret: "whsec_old"), try StripeSignature.key(secret: "whsec_new")]
        let value = try StripeSignature.headerValue(timestamp: Self.now, body: Self.body, keys: keys)
        #expect(value.split(separator: ",").count == 3)
        let request = InboundRequest(url: "", headers: [StripeSignature.signatureHeader: value], body: Self.body, now: Self.now)
        #expect(try StripeVerifier(secrets: ["whsec_new"]).verify(request) == nil)
        #expect(try StripeVerifier(secrets: ["whsec_old"]).verify(request) == nil)
    }

    @Test func stripeToleranceIsConfigurable() throws {
        let value = try StripeSignature.headerValue(timestamp: Self.now - 100, body: Self.body, key: try StripeSignature.key(secret: "s"))
        let request = InboundRequest(url: "", headers: [StripeSignature.signatureHeader: value], body: Self.body, now: Self.now)
        #expect(try StripeVerifier(secrets: ["s"], toleranceSeconds: 101).verify(request) == nil)
        #expect(try StripeVerifier(secrets: ["s"], toleranceSeconds: 99).verify(request)?.reason == .timestampOutOfTolerance)
    }

    @Test func paddleDefaultToleranceIsFiveSeconds() throws {
        let value = try PaddleSignature.headerValue(timestamp: Self.now, body: Self.body, key: try PaddleSignature.key(secret: "p"))
        let verifier = try PaddleVerifier(secrets: ["p"])
        for (now, accepted) in [(Self.now + 5, true), (Self.now - 5, true), (Self.now + 6, false), (Self.now - 6, false)] {
            let request = InboundRequest(url: "", headers: [PaddleSignature.signatureHeader: value], body: Self.body, now: now)
            #expect((verifier.verify(request) == nil) == accepted, "now \(now - Self.now)")
        }
        let relaxed = InboundRequest(url: "", headers: [PaddleSignature.signatureHeader: value], body: Self.body, now: Self.now + 60)
        #expect(try PaddleVerifier(secrets: ["p"], toleranceSeconds: 60).verify(relaxed) == nil)
    }

    @Test func linearReadsOnlyTheTopLevelTimestampAfterTheSignature() throws {
        let key = try LinearSignature.key(secret: "l")
        func request(_ body: String, now: Int64 = Self.now) throws -> InboundRequest {
            let bytes = Array(body.utf8)
            return InboundRequest(url: "", headers: [LinearSignature.signatureHeader: try LinearSignature.headerValue(body: bytes, key: key)], body: bytes, now: now)
        }
        let verifier = try LinearVerifier(secrets: ["l"])
        let fresh = Self.now * 1000
        #expect(verifier.verify(try request(#"{"data":{"webhookTimestamp":1},"webhookTimestamp":\#(fresh)}"#)) == nil)
        #expect(verifier.verify(try request(#"{"data":{"webhookTimestamp":\#(fresh)}}"#))?.reason == .signatureMissing)
        #expect(verifier.verify(try request(#"{"webhookTimestamp":"\#(fresh)"}"#))?.reason == .signatureMalformed)
        #expect(verifier.verify(try request(#"[{"webhookTimestamp":\#(fresh)}]"#))?.reason == .signatureMalformed)
        #expect(verifier.verify(try request(#"{"webhookTimestamp":\#(fresh - 61_000)}"#))?.reason == .timestampOutOfTolerance)
        #expect(try LinearVerifier(secrets: ["l"], toleranceSeconds: 120).verify(try request(#"{"webhookTimestamp":\#(fresh - 61_000)}"#)) == nil)
        // An unsigned body is refused for its signature before its timestamp is looked at.
        var forged = try request(#"{"webhookTimestamp":1}"#)
        forged.body = Array("{}".utf8)
        #expect(verifier.verify(forged)?.reason == .signatureMismatch)
    }

    @Test func hubSpotSignsTheMethodAndTheDecodedURL() throws {
        let key = try HubSpotSignature.key(secret: "h")
        let url = "https://inlet.example.com/webhooks/hubspot/acme?next=https%3a%2F%2Fx.y%2F&n=a%20b"
        let headers = try HubSpotSignature.headers(method: "POST", url: url, body: Self.body, timestamp: Self.now * 1000, key: key)
        let verifier = try HubSpotVerifier(secrets: ["h"])
        func request(method: String = "POST", url: String) -> InboundRequest {
            InboundRequest(method: method, url: url, headers: InboundHeaders(headers), body: Self.body, now: Self.now)
        }
        #expect(verifier.verify(request(url: url)) == nil)
        // The decoded form of a listed encoding is the same URL to HubSpot; an unlisted one is not.
        #expect(verifier.verify(request(url: "https://inlet.example.com/webhooks/hubspot/acme?next=https://x.y/&n=a%20b")) == nil)
        #expect(verifier.verify(request(url: "https://inlet.example.com/webhooks/hubspot/acme?next=https://x.y/&n=a b"))?.reason == .signatureMismatch)
        #expect(verifier.verify(request(method: "PUT", url: url))?.reason == .signatureMismatch)
    }

    @Test func gitHubLegacySHA1IsOptInAndOnlyWithoutTheSHA256Header() throws {
        let body = Array("Hello, World!".utf8)
        let secret = "It's a Secret to Everybody"
        let legacy = try GitHubSignature.legacyHeaderValue(body: body, key: try GitHubSignature.legacyKey(secret: secret))
        let current = try GitHubSignature.headerValue(body: body, key: try GitHubSignature.key(secret: secret))
        let legacyOnly = InboundRequest(url: "", headers: [GitHubSignature.legacyHeaderName: legacy], body: body, now: Self.now)
        #expect(try GitHubVerifier(secrets: [secret]).verify(legacyOnly)?.reason == .signatureMissing)
        #expect(try GitHubVerifier(secrets: [secret], acceptLegacySHA1: true).verify(legacyOnly) == nil)
        let wrongLegacy = InboundRequest(url: "", headers: [GitHubSignature.legacyHeaderName: "sha1=" + String(repeating: "0", count: 40)], body: body, now: Self.now)
        #expect(try GitHubVerifier(secrets: [secret], acceptLegacySHA1: true).verify(wrongLegacy)?.reason == .signatureMismatch)
        let both = InboundRequest(url: "", headers: InboundHeaders([(name: GitHubSignature.legacyHeaderName, value: legacy), (name: GitHubSignature.headerName, value: current)]),
                                  body: body, now: Self.now)
        #expect(try GitHubVerifier(secrets: [secret]).verify(both) == nil)
    }

    @Test func zoomURLValidationTokenIsTheHexHMACOfThePlainToken() throws {
        // HMAC-SHA256("secret", "qgg8vlvZRS6UYooatFL8Aw"), computed with `openssl dgst -sha256 -hmac secret`.
        let token = try ZoomSignature.urlValidationToken(plainToken: "qgg8vlvZRS6UYooatFL8Aw", key: try ZoomSignature.key(secret: "secret"))
        #expect(token == "72cef096bfd47c0b8664df30d07721641e4abd7e885ba432204260db477a9a3e")
    }

    @Test func signingHelpersRefuseABlankSecret() {
        #expect(throws: SignatureError.self) { try StripeSignature.key(secret: "") }
        #expect(throws: SignatureError.self) { try SlackSignature.key(secret: "  ") }
        #expect(throws: SignatureError.self) { try GenericHMACOptions(header: "X-S").key(secret: "\n") }
    }
}
