import InletSignatures
import Testing

/// Header grammars are byte grammars: a separator followed by a combining mark must still separate (found by the
/// receiver fuzz targets; `Character`-based splitting merged `,` and U+0310 and refused a genuine signature).
@Suite struct ASCIIFieldSplittingTests {
    @Test func aGenuineStripeSignatureFollowedByACombiningMarkEntryStillVerifies() throws {
        let secret = "whsec_test_secret"
        let body = Array(#"{"id":"evt_1","type":"customer.created"}"#.utf8)
        let now: Int64 = 1_800_000_000
        let genuine = try StripeSignature.headerValue(timestamp: now, body: body, key: try StripeSignature.key(secret: secret))
        let verifier = try StripeVerifier(secrets: [secret])
        let header = genuine + ",\u{0310}junk=1"
        let request = InboundRequest(url: "https://hooks.example/webhooks/stripe/acme",
                                     headers: ["Stripe-Signature": header], body: body, now: now)
        #expect(verifier.verify(request) == nil)
        #expect(StripeSignature.parse(header[...])?.signatures.count == 1)
    }

    @Test func aGenuinePaddleSignatureFollowedByACombiningMarkEntryStillParses() throws {
        let header = "ts=1800000000;h1=" + String(repeating: "ab", count: 32) + ";\u{0310}x=1"
        #expect(PaddleSignature.parse(header[...])?.signatures.count == 1)
    }
}
