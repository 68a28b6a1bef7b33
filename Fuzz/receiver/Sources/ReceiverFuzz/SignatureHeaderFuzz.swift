// Signature header parsers. Each target checks three things on every input:
// - the parser is total and what it returns has the documented shape;
// - a header value the verifier accepts really carries the expected HMAC of the body (no parser leniency lets a
//   forged or mangled value through);
// - a genuine signature still verifies when the fuzzed text is appended as further entries (unknown or malformed
//   entries are skipped, never a reason to refuse a genuine delivery). The appended text starts with "x": the
//   parsers split on Swift Characters, so a separator followed by a combining mark (U+0300…) is one grapheme and no
//   separator, which made a genuine signature unreadable (found by these targets; see docs/receiver.md "Fuzzing").
@testable import InletSignatures
import InletCrypto

enum SignatureHeaderFuzz {
    /// The receiver's clock in every target, so timestamps are fresh when they equal it.
    static let now: Int64 = 1_700_000_000
    static let secret = "fuzz-secret-not-a-real-one"

    private static func request(_ headers: [(name: String, value: String)], body: [UInt8]) -> InboundRequest {
        InboundRequest(url: "https://inlet.example/webhooks/fuzz", headers: InboundHeaders(headers), body: body, now: now)
    }

    private static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    // MARK: Stripe-Signature (t=…,v1=…)

    private static let stripeKey = try! StripeSignature.key(secret: secret)
    private static let stripe = try! StripeVerifier(secrets: [secret])

    static func stripe(_ bytes: [UInt8]) {
        let input = FuzzInput(bytes)
        let parsed = StripeSignature.parse(Substring(input.header))
        if let parsed {
            FuzzInvariant.check(isDigits(parsed.timestamp), "Stripe t= is not all digits")
            FuzzInvariant.check(parsed.signatures.allSatisfy { $0.count == 32 }, "a Stripe v1 signature is not 32 bytes")
        }
        let name = StripeSignature.signatureHeader
        if stripe.verify(request([(name, input.header)], body: input.body)) == nil {
            let expected = try! StripeSignature.authenticationCode(timestamp: parsed!.timestamp, body: input.body, key: stripeKey)
            FuzzInvariant.check(parsed!.signatures.contains(expected), "Stripe accepted a header without the body's HMAC")
        }
        let genuine = try! StripeSignature.headerValue(timestamp: now, body: input.body, key: stripeKey)
        FuzzInvariant.check(stripe.verify(request([(name, genuine + ",x" + input.header)], body: input.body)) == nil,
                            "a genuine Stripe signature followed by other entries was refused")
    }

    // MARK: Paddle-Signature (ts=…;h1=…)

    private static let paddleKey = try! PaddleSignature.key(secret: secret)
    private static let paddle = try! PaddleVerifier(secrets: [secret])

    static func paddle(_ bytes: [UInt8]) {
        let input = FuzzInput(bytes)
        let parsed = PaddleSignature.parse(Substring(input.header))
        if let parsed {
            FuzzInvariant.check(isDigits(parsed.timestamp), "Paddle ts= is not all digits")
            FuzzInvariant.check(parsed.signatures.allSatisfy { $0.count == 32 }, "a Paddle h1 signature is not 32 bytes")
        }
        let name = PaddleSignature.signatureHeader
        if paddle.verify(request([(name, input.header)], body: input.body)) == nil {
            // Accepted: the same timestamp and body must give one of the parsed signatures.
            let reference = try! PaddleSignature.headerValue(timestamp: Int64(parsed!.timestamp)!, body: input.body, key: paddleKey)
            let expected = PaddleSignature.parse(Substring(reference))!.signatures[0]
            FuzzInvariant.check(parsed!.signatures.contains(expected), "Paddle accepted a header without the body's HMAC")
        }
        let genuine = try! PaddleSignature.headerValue(timestamp: now, body: input.body, key: paddleKey)
        FuzzInvariant.check(paddle.verify(request([(name, genuine + ";x" + input.header)], body: input.body)) == nil,
                            "a genuine Paddle signature followed by other entries was refused")
    }

    // MARK: Standard Webhooks (webhook-signature: v1,<base64> v1a,<base64> …)

    private static let standardKey = try! StandardWebhooksSignature.key(secret: "whsec_" + Base64.encode(Array("fuzz-key-bytes".utf8)))

    static func standardWebhooks(_ bytes: [UInt8]) {
        let input = FuzzInput(bytes)
        let timestamp = String(now)
        if let seconds = SignedUnixTimestamp.parse(input.header) {
            FuzzInvariant.check(input.header.utf8.count <= SignedUnixTimestamp.maximumDigits && String(seconds).utf8.count <= input.header.utf8.count,
                                "a timestamp longer than the limit was accepted")
        }
        let verdict = StandardWebhooksSignature.verify(id: "msg_fuzz", timestamp: Substring(timestamp), signatures: Substring(input.header),
                                                       body: input.body, keys: [standardKey], now: now, toleranceSeconds: 300)
        if verdict == nil {
            let expected = try! StandardWebhooksSignature.authenticationCode(id: "msg_fuzz", timestamp: timestamp, body: input.body, key: standardKey)
            let carried = input.header.split(separator: " ").contains { entry in
                entry.hasPrefix("v1,") && (try? Base64.decode(ascii: Array(entry.dropFirst(3).utf8))) == expected
            }
            FuzzInvariant.check(carried, "Standard Webhooks accepted a header without the body's HMAC")
        }
        // The fuzzed text as the message ID: whatever it is, a signature made over it verifies.
        if !input.header.isEmpty {
            let own = try! StandardWebhooksSignature.headerValue(id: input.header, timestamp: now, body: input.body, key: standardKey)
            FuzzInvariant.check(StandardWebhooksSignature.verify(id: Substring(input.header), timestamp: Substring(timestamp), signatures: Substring(own),
                                                                 body: input.body, keys: [standardKey], now: now, toleranceSeconds: 300) == nil,
                                "a genuine Standard Webhooks signature over an unusual message ID was refused")
        }
        let genuine = try! StandardWebhooksSignature.headerValue(id: "msg_fuzz", timestamp: now, body: input.body, key: standardKey)
        FuzzInvariant.check(StandardWebhooksSignature.verify(id: "msg_fuzz", timestamp: Substring(timestamp), signatures: Substring(genuine + " x" + input.header),
                                                             body: input.body, keys: [standardKey], now: now, toleranceSeconds: 300) == nil,
                            "a genuine Standard Webhooks signature followed by other entries was refused")
    }

    // MARK: sha256=<hex> (GitHub) and v0=<hex> with a timestamp header (Slack, Zoom)

    private static let gitHubKey = try! GitHubSignature.key(secret: secret)
    private static let slackKey = try! SlackSignature.key(secret: secret)
    private static let slack = try! SlackVerifier(secrets: [secret])
    private static let zoomKey = try! ZoomSignature.key(secret: secret)
    private static let zoom = try! ZoomVerifier(secrets: [secret])

    static func prefixedHex(_ bytes: [UInt8]) {
        let input = FuzzInput(bytes)
        if let signature = GitHubSignature.parse(Substring(input.header)) {
            FuzzInvariant.check(signature.count == 32, "a GitHub signature is not 32 bytes")
            FuzzInvariant.check("sha256=" + Hex.encode(signature) == input.header.lowercased(), "GitHub parse does not round-trip")
        }
        if GitHubSignature.verify(headerValue: Substring(input.header), body: input.body, keys: [gitHubKey]) == nil {
            let expected = try! GitHubSignature.headerValue(body: input.body, key: gitHubKey)
            FuzzInvariant.check(input.header.lowercased() == expected, "GitHub accepted a header that is not the body's HMAC")
        }
        FuzzInvariant.check(GitHubSignature.verify(headerValue: Substring(try! GitHubSignature.headerValue(body: input.body, key: gitHubKey)),
                                                   body: input.body, keys: [gitHubKey]) == nil, "a genuine GitHub signature was refused")

        let timestamp = String(now)
        let slackHeaders = [(SlackSignature.timestampHeader, timestamp), (SlackSignature.signatureHeader, input.header)]
        if slack.verify(request(slackHeaders, body: input.body)) == nil {
            let expected = try! SlackSignature.headerValue(timestamp: now, body: input.body, key: slackKey)
            FuzzInvariant.check(input.header.lowercased() == expected.lowercased(), "Slack accepted a header that is not the body's HMAC")
        }
        let genuineSlack = try! SlackSignature.headers(timestamp: now, body: input.body, key: slackKey)
        FuzzInvariant.check(slack.verify(request(genuineSlack, body: input.body)) == nil, "a genuine Slack signature was refused")
        // The fuzzed text as the timestamp header: never a crash, and accepted only when it is the signed time.
        let oddTime = [(SlackSignature.timestampHeader, input.header), genuineSlack[1]]
        if slack.verify(request(oddTime, body: input.body)) == nil {
            FuzzInvariant.check(input.header == timestamp, "Slack accepted a timestamp other than the signed one")
        }

        let zoomHeaders = [(ZoomSignature.timestampHeader, timestamp), (ZoomSignature.signatureHeader, input.header)]
        if zoom.verify(request(zoomHeaders, body: input.body)) == nil {
            let expected = try! ZoomSignature.headerValue(timestamp: now, body: input.body, key: zoomKey)
            FuzzInvariant.check(input.header.lowercased() == expected.lowercased(), "Zoom accepted a header that is not the body's HMAC")
        }
        FuzzInvariant.check(zoom.verify(request(try! ZoomSignature.headers(timestamp: now, body: input.body, key: zoomKey), body: input.body)) == nil,
                            "a genuine Zoom signature was refused")
    }
}
