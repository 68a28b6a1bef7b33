import InletCrypto
@testable import InletSignatures
import Testing

@Suite("OtherProvider TwilioVerifier")
struct OtherProviderTwilioTests {
    static let token = "9f2d6c1b8e7a4d3c2b1a0f9e8d7c6b5a"
    static let url = "https://hooks.example.com/webhooks/twilio/acme?tenant=acme"
    static let parameters = [("Body", "Hello & welcome"), ("From", "+14155550100"), ("To", "+14155550199")].map { (name: $0.0, value: $0.1) }
    static let form = "Body=Hello+%26+welcome&From=%2B14155550100&To=%2B14155550199"

    func request(signature: String?, url: String = url, body: String = form,
                 contentType: String? = "application/x-www-form-urlencoded", extra: [(String, String)] = []) -> InboundRequest {
        var headers = extra
        if let contentType { headers.append(("Content-Type", contentType)) }
        if let signature { headers.append(("X-Twilio-Signature", signature)) }
        return OtherProviderRequests.request(url: url, headers: headers, body: body)
    }

    @Test func acceptsAFormRequestSignedByTheHelper() throws {
        let signature = try TwilioVerifier.signature(url: Self.url, parameters: Self.parameters, authToken: Self.token)
        #expect(try TwilioVerifier(authTokens: [Self.token]).verify(request(signature: signature)) == nil)
    }

    @Test func rejectsAWrongTokenAndAcceptsItAfterRotation() throws {
        let signature = try TwilioVerifier.signature(url: Self.url, parameters: Self.parameters, authToken: "old-token")
        #expect(try TwilioVerifier(authTokens: [Self.token]).verify(request(signature: signature))?.reason == .signatureMismatch)
        #expect(try TwilioVerifier(authTokens: [Self.token, "old-token"]).verify(request(signature: signature)) == nil)
    }

    @Test func rejectsAnAlteredParameterAndAnAlteredURL() throws {
        let signature = try TwilioVerifier.signature(url: Self.url, parameters: Self.parameters, authToken: Self.token)
        let verifier = try TwilioVerifier(authTokens: [Self.token])
        #expect(verifier.verify(request(signature: signature, body: Self.form.replacingOccurrences(of: "welcome", with: "welcomE")))?.reason == .signatureMismatch)
        #expect(verifier.verify(request(signature: signature, url: Self.url + "x"))?.reason == .signatureMismatch)
    }

    @Test func rejectsMissingAndMalformedSignatures() throws {
        let verifier = try TwilioVerifier(authTokens: [Self.token])
        let missing = verifier.verify(request(signature: nil))
        #expect(missing?.reason == .signatureMissing)
        #expect(missing?.message.contains("X-Twilio-Signature") == true)
        #expect(verifier.verify(request(signature: "not base64!"))?.reason == .signatureMalformed)
        #expect(verifier.verify(request(signature: Base64.encode([UInt8](repeating: 1, count: 32))))?.reason == .signatureMalformed)
    }

    @Test func refusesABodyNothingAuthenticates() throws {
        let signature = try TwilioVerifier.signature(url: Self.url, authToken: Self.token)
        let rejection = try TwilioVerifier(authTokens: [Self.token]).verify(request(signature: signature, body: #"{"a":1}"#, contentType: "application/json"))
        #expect(rejection?.reason == .signatureMalformed)
        #expect(rejection?.message.contains("bodySHA256") == true)
    }

    @Test func acceptsAnEmptyBodyGETWithTheURLAlone() throws {
        let signature = try TwilioVerifier.signature(url: Self.url, authToken: Self.token)
        #expect(try TwilioVerifier(authTokens: [Self.token]).verify(request(signature: signature, body: "", contentType: nil)) == nil)
    }

    @Test func rejectsAMalformedBodyHash() throws {
        let url = Self.url + "&bodySHA256=xyz"
        let signature = try TwilioVerifier.signature(url: url, authToken: Self.token)
        #expect(try TwilioVerifier(authTokens: [Self.token]).verify(request(signature: signature, url: url, body: "{}", contentType: "application/json"))?.reason == .signatureMalformed)
    }

    @Test func usesTheAlgorithmTheSettingsHeaderNames() throws {
        let sha256 = try TwilioVerifier.signature(url: Self.url, parameters: Self.parameters, authToken: Self.token, algorithm: .hmacSHA256)
        let verifier = try TwilioVerifier(authTokens: [Self.token])
        let settings = [("X-Twilio-Webhooks-Signature-Settings", "key=webhooks_sharedkey_1, algorithm=hmac_sha256")]
        #expect(verifier.verify(request(signature: sha256, extra: settings)) == nil)
        // Without the header, a 32-byte signature is not an HMAC-SHA1.
        #expect(verifier.verify(request(signature: sha256))?.reason == .signatureMalformed)
        let unknown = verifier.verify(request(signature: sha256, extra: [("X-Twilio-Webhooks-Signature-Settings", "algorithm=HMAC_SHA3")]))
        #expect(unknown?.reason == .signatureMalformed)
    }

    @Test("URL variants: port removed and default port added, like twilio-python",
          arguments: [
            ("https://a.example.com/p?q=1", ["https://a.example.com/p?q=1", "https://a.example.com:443/p?q=1"]),
            ("http://a.example.com", ["http://a.example.com", "http://a.example.com:80"]),
            ("https://a.example.com:8443/p", ["https://a.example.com/p", "https://a.example.com:8443/p"]),
            ("https://user:pw@a.example.com/p", ["https://user:pw@a.example.com/p", "https://user:pw@a.example.com:443/p"]),
            ("https://[2001:db8::1]/p", ["https://[2001:db8::1]/p", "https://[2001:db8::1]:443/p"]),
            ("https://[2001:db8::1]:444/p", ["https://[2001:db8::1]/p", "https://[2001:db8::1]:444/p"]),
            ("not a url", ["not a url"]),
          ])
    func urlVariants(url: String, expected: [String]) {
        #expect(TwilioVerifier.urlVariants(url) == expected)
    }

    @Test func decodesFormsLikeTheFrameworksTwilioValidatesWith() {
        let decoded = TwilioFormParameters.decode(Array("a=1+2&b=%E2%98%83&&c&d=%zz&e=%&=x".utf8))
        #expect(decoded.map(\.name) == ["a", "b", "c", "d", "e", ""])
        #expect(decoded.map(\.value) == ["1 2", "☃", "", "%zz", "%", "x"])
        // Names sorted by code point, values of a repeated name sorted and counted once.
        let suffix = TwilioFormParameters.signedSuffix([("b", "2"), ("a", "z"), ("B", "1"), ("a", "y"), ("a", "z")].map { (name: $0.0, value: $0.1) })
        #expect(String(decoding: suffix, as: UTF8.self) == "B1ayazb2")
    }

    @Test func neverCrashesOnHostileBodies() throws {
        let verifier = try TwilioVerifier(authTokens: [Self.token])
        for body in OtherProviderRequests.hostileBodies {
            let request = InboundRequest(url: Self.url, headers: ["Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="], body: body, now: 0)
            #expect(verifier.verify(request)?.reason == .signatureMismatch)
        }
    }

    @Test func refusesEmptyTokens() {
        #expect(throws: SignatureError.self) { try TwilioVerifier(authTokens: []) }
        #expect(throws: SignatureError.self) { try TwilioVerifier(authTokens: ["ok", ""]) }
    }
}
