import Foundation
import InletCrypto
@testable import InletSignatures
import Testing

/// A small deterministic generator (SplitMix64), so garbage inputs are the same on every run.
struct HMACGarbageGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Characters the parsers treat specially, hex digits, and arbitrary scalars.
    static let interesting = Array("t=v1v0h1ts,;:.{}[]\"\\ -+eE0123456789abcdefABCDEF%sha256=webhookTimestamp\u{0}\u{7F}é✓\u{1F600}")

    mutating func string(maxLength: Int = 120) -> String {
        var text = ""
        for _ in 0..<below(maxLength + 1) {
            if below(8) == 0, let scalar = Unicode.Scalar(UInt32(below(0x3000))) {
                text.unicodeScalars.append(scalar)
            } else {
                text.append(Self.interesting[below(Self.interesting.count)])
            }
        }
        return text
    }

    mutating func bytes(maxLength: Int = 200) -> [UInt8] {
        (0..<below(maxLength + 1)).map { _ in below(4) == 0 ? UInt8(truncatingIfNeeded: next()) : Array(string(maxLength: 1).utf8).first ?? 0x7B }
    }
}

@Suite("HMAC providers: header and body parsers on any input")
struct HMACProviderParserTests {
    static let hex64 = String(repeating: "0f", count: 32)

    // MARK: Stripe-Signature and Paddle-Signature

    @Test func stripeParseKeepsTheFirstTimestampAndOnlyWellFormedV1() throws {
        let header = try #require(StripeSignature.parse("t=12,t=99,v1=\(Self.hex64),v1=zz,v1=\(Self.hex64.uppercased()),v0=\(Self.hex64),=x,novalue"))
        #expect(header.timestamp == "12")
        #expect(header.signatures.count == 2)
        #expect(StripeSignature.parse("t=12")?.signatures == [])
    }

    @Test(arguments: ["", ",", "=", "t=", "t= 1", "t=1.5", "t=-1", "v1=\(hex64)", "T=1,v1=\(hex64)", "t=1;v1=\(hex64)"])
    func stripeParseRefusesAHeaderWithoutAPlainTimestamp(_ value: String) {
        #expect(StripeSignature.parse(value[...]) == nil)
    }

    @Test func paddleParseKeepsTheFirstTimestampAndOnlyWellFormedH1() throws {
        let header = try #require(PaddleSignature.parse("ts=7;h1=\(Self.hex64);h1=abc;h2=\(Self.hex64);h1=\(Self.hex64);ts=8"))
        #expect(header.timestamp == "7")
        #expect(header.signatures.count == 2)
    }

    @Test(arguments: ["", ";", "ts=", "ts=1,h1=\(hex64)", "h1=\(hex64)", "ts=x;h1=\(hex64)"])
    func paddleParseRefusesAHeaderWithoutAPlainTimestamp(_ value: String) {
        #expect(PaddleSignature.parse(value[...]) == nil)
    }

    @Test func headerParsersAreTotalOnGarbage() {
        var random = HMACGarbageGenerator(state: 1)
        for _ in 0..<5_000 {
            let text = random.string()
            // Whatever they return, every signature they return is a 32-byte HMAC.
            for signatures in [StripeSignature.parse(text[...])?.signatures, PaddleSignature.parse(text[...])?.signatures] {
                #expect(signatures?.allSatisfy { $0.count == 32 } ?? true)
            }
        }
    }

    // MARK: Linear's webhookTimestamp

    @Test(arguments: [
        (#"{"webhookTimestamp":1763700000123}"#, LinearWebhookTimestamp.Outcome.found(1_763_700_000_123)),
        (" \n{ \"webhookTimestamp\" :\t42 } ", .found(42)),
        (#"{"a":{"webhookTimestamp":1},"b":[1,{"c":"}"}],"webhookTimestamp":2}"#, .found(2)),
        (#"{"webhook\u0054imestamp":5}"#, .found(5)),
        (#"{"webhookTimestamp":1,"webhookTimestamp":3}"#, .found(3)),
        (#"{"s":"he said \"webhookTimestamp\":9","n":null}"#, .absent),
        ("{}", .absent),
        (#"{"a":{"webhookTimestamp":1}}"#, .absent),
        (#"{"webhookTimestamp":1.5}"#, .notAWholeNumber),
        (#"{"webhookTimestamp":1e12}"#, .notAWholeNumber),
        (#"{"webhookTimestamp":-1}"#, .notAWholeNumber),
        (#"{"webhookTimestamp":"1"}"#, .notAWholeNumber),
        (#"{"webhookTimestamp":1234567890123456}"#, .notAWholeNumber),
        (#"{"webhookTimestamp":null}"#, .notAWholeNumber),
        ("", .notAnObject),
        ("[]", .notAnObject),
        (#""webhookTimestamp""#, .notAnObject),
        (#"{"webhookTimestamp":1"#, .notAnObject),
        (#"{"webhookTimestamp" 1}"#, .notAnObject),
        (#"{"a":1 "b":2}"#, .notAnObject),
        (#"{"a":"unterminated}"#, .notAnObject),
        (#"{"a\x":1}"#, .notAnObject),
        ("{\"a\":\"\u{1}\"}", .notAnObject),
        (#"{"a":]}"#, .notAnObject),
    ])
    func linearTimestampReader(_ body: String, _ expected: LinearWebhookTimestamp.Outcome) {
        #expect(LinearWebhookTimestamp.read(from: Array(body.utf8)) == expected)
    }

    @Test func linearTimestampReaderSurvivesDeepNestingWithoutRecursion() {
        let depth = 200_000
        let body = #"{"deep":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + #","webhookTimestamp":7}"#
        #expect(LinearWebhookTimestamp.read(from: Array(body.utf8)) == .found(7))
        let unbalanced = #"{"deep":"# + String(repeating: "[{", count: depth)
        #expect(LinearWebhookTimestamp.read(from: Array(unbalanced.utf8)) == .notAnObject)
    }

    @Test func linearTimestampReaderIsTotalOnGarbage() {
        var random = HMACGarbageGenerator(state: 2)
        for _ in 0..<5_000 {
            var body = random.bytes()
            if random.below(2) == 0 { body = Array(#"{"webhookTimestamp":"#.utf8) + body }
            if case .found(let value) = LinearWebhookTimestamp.read(from: body) {
                #expect(value >= 0 && value < 1_000_000_000_000_000)
            }
        }
    }

    // MARK: HubSpot's URI decoding

    @Test(arguments: [
        ("https://a.example/p", "https://a.example/p"),
        ("https://a.example/p?u=https%3A%2F%2Fb.example%2fx", "https://a.example/p?u=https://b.example/x"),
        ("%3F%40%21%24%27%28%29%2A%2C%3B", "?@!$'()*,;"),
        ("%3a%2a", ":*"),
        ("%20%25%3D%26", "%20%25%3D%26"),
        ("%253A", "%253A"),
        ("%", "%"), ("%3", "%3"), ("100%", "100%"), ("%%3A", "%:"),
        ("caf\u{E9}%2F\u{2713}", "caf\u{E9}/\u{2713}"),
    ])
    func hubSpotDecodesExactlyTheDocumentedEncodings(_ url: String, _ signed: String) {
        #expect(HubSpotSignature.signedURI(url) == signed)
    }

    @Test func hubSpotURIDecodingIsTotalOnGarbage() {
        var random = HMACGarbageGenerator(state: 3)
        for _ in 0..<5_000 {
            let url = random.string()
            // Decoding only ever shortens (three characters become one) and is idempotent on its output's %-free parts.
            #expect(HubSpotSignature.signedURI(url).utf8.count <= url.utf8.count)
        }
    }

    // MARK: Timestamps

    @Test func timestampsAreDigitsOnlyAndBoundedInLength() {
        let seconds = TimestampFreshness(unit: .seconds, toleranceSeconds: 300, source: "the X-T header")
        let milliseconds = TimestampFreshness(unit: .milliseconds, toleranceSeconds: 300, source: "the X-T header")
        #expect(seconds.parse("1763700000") == 1_763_700_000)
        #expect(seconds.parse("000000000001") == 1)
        for text in ["", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "１２", "1234567890123"] {
            #expect(seconds.parse(text[...]) == nil, "\(text)")
        }
        #expect(milliseconds.parse("999999999999999") == 999_999_999_999_999)
        #expect(milliseconds.parse("9999999999999999") == nil)
    }

    @Test func toleranceIsInclusiveAndSymmetric() {
        let window = TimestampFreshness(unit: .seconds, toleranceSeconds: 300, source: "the X-T header")
        #expect(window.check(value: 1_000, now: 1_300) == nil)
        #expect(window.check(value: 1_600, now: 1_300) == nil)
        #expect(window.check(value: 999, now: 1_300)?.reason == .timestampOutOfTolerance)
        #expect(window.check(value: 1_601, now: 1_300)?.reason == .timestampOutOfTolerance)
        let milliseconds = TimestampFreshness(unit: .milliseconds, toleranceSeconds: 60, source: "the body's webhookTimestamp field")
        #expect(milliseconds.check(value: 1_240_000, now: 1_300) == nil)
        #expect(milliseconds.check(value: 1_239_999, now: 1_300)?.message.contains("60 seconds old") == true)
    }

    @Test func anAbsurdClockIsOutOfToleranceNotACrash() {
        let window = TimestampFreshness(unit: .milliseconds, toleranceSeconds: 300, source: "the X-T header")
        #expect(window.check(value: 0, now: .max)?.reason == .timestampOutOfTolerance)
        #expect(window.check(value: 999_999_999_999_999, now: .min)?.reason == .timestampOutOfTolerance)
    }

    // MARK: Every verifier, fed garbage

    @Test func verifiersAreTotalOnGarbageAndNeverAcceptIt() throws {
        var random = HMACGarbageGenerator(state: 4)
        let names = ["Stripe-Signature", "X-Slack-Signature", "X-Slack-Request-Timestamp", "X-Shopify-Hmac-SHA256",
                     "Linear-Signature", "X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp", "x-zm-signature",
                     "x-zm-request-timestamp", "X-Hub-Signature", "X-Hub-Signature-256", "Paddle-Signature", "X-Sig", "X-Ts", "X-Id"]
        let verifiers = try HMACProviderCase.all.map { try $0.verifier(["s"]) }
            + [try GitHubVerifier(secrets: ["s"], acceptLegacySHA1: true)]
        for _ in 0..<3_000 {
            var fields: [(name: String, value: String)] = []
            for _ in 0..<random.below(6) {
                fields.append((names[random.below(names.count)], random.string()))
            }
            let request = InboundRequest(method: random.string(maxLength: 6), url: random.string(), headers: InboundHeaders(fields),
                                         body: random.bytes(), now: Int64(bitPattern: random.next()))
            for verifier in verifiers {
                #expect(verifier.verify(request) != nil)
            }
        }
    }
}

@Suite("Generic HMAC options")
struct HMACProviderGenericOptionsTests {
    static func decode(_ json: String) throws -> GenericHMACOptions {
        try JSONDecoder().decode(GenericHMACOptions.self, from: Data(json.utf8))
    }

    /// The last key of the coding path and the description of a `DecodingError.dataCorrupted`.
    static func invalid(_ json: String) -> (key: String, reason: String)? {
        do {
            _ = try decode(json)
            return nil
        } catch DecodingError.dataCorrupted(let context) {
            return (context.codingPath.last?.stringValue ?? "", context.debugDescription)
        } catch {
            return ("unexpected \(error)", "")
        }
    }

    @Test func decodesEveryKeyWithItsDefaults() throws {
        let minimal = try Self.decode(#"{"header":"X-Signature"}"#)
        #expect(minimal.algorithm == .sha256)
        #expect(minimal.encoding == .hex)
        #expect(minimal.prefix == "")
        #expect(minimal.signed == "{body}")
        #expect(minimal.timestampHeader == nil)
        let full = try Self.decode("""
            {"algorithm":"sha1","encoding":"base64url","header":"X-S","prefix":"v1=","signed":"{id}:{timestamp}:{body}",
             "headers":{"id":"X-Id"},"timestamp_header":"X-T","timestamp_unit":"ms","tolerance_seconds":30}
            """)
        #expect(full.algorithm == .sha1)
        #expect(full.encoding == .base64url)
        #expect(full.headers == ["id": "X-Id"])
        #expect(full.timestampUnit == .milliseconds)
        #expect(full.toleranceSeconds == 30)
        #expect(full.template.pieces == [.header(name: "X-Id"), .literal(":"), .timestamp, .literal(":"), .body])
    }

    @Test(arguments: [
        (#"{"header":"X Signature"}"#, "header"),
        (#"{"header":""}"#, "header"),
        (#"{"header":"X-S","prefix":"tab\there"}"#, "prefix"),
        (#"{"header":"X-S","signed":"{timestamp}"}"#, "signed"),
        (#"{"header":"X-S","signed":"{nope}.{body}"}"#, "signed"),
        (#"{"header":"X-S","signed":"{body"}"#, "signed"),
        (#"{"header":"X-S","signed":"body}"}"#, "signed"),
        (#"{"header":"X-S","signed":"{timestamp}.{body}"}"#, "timestamp_header"),
        (#"{"header":"X-S","timestamp_header":"X-T"}"#, "signed"),
        (#"{"header":"X-S","timestamp_unit":"ms"}"#, "timestamp_unit"),
        (#"{"header":"X-S","tolerance_seconds":5}"#, "tolerance_seconds"),
        (#"{"header":"X-S","signed":"{timestamp}{body}","timestamp_header":"X-T","tolerance_seconds":0}"#, "tolerance_seconds"),
        (#"{"header":"X-S","signed":"{timestamp}{body}","timestamp_header":"X-T","tolerance_seconds":604801}"#, "tolerance_seconds"),
        (#"{"header":"X-S","signed":"{timestamp}{body}","timestamp_header":"X T"}"#, "timestamp_header"),
        (#"{"header":"X-S","headers":{"id":"X-Id"}}"#, "headers"),
        (#"{"header":"X-S","headers":{"Id":"X-Id"},"signed":"{Id}{body}"}"#, "headers"),
        (#"{"header":"X-S","headers":{"body":"X-Id"}}"#, "headers"),
        (#"{"header":"X-S","headers":{"id":"X Id"},"signed":"{id}{body}"}"#, "headers"),
    ])
    func refusesInvalidOptionsNamingTheKey(_ json: String, _ key: String) throws {
        let problem = try #require(Self.invalid(json))
        #expect(problem.key == key, "\(problem.reason)")
        #expect(!problem.reason.isEmpty)
    }

    @Test func unknownEnumerationValuesAreDecodingErrors() {
        #expect(throws: DecodingError.self) { try Self.decode(#"{"header":"X","algorithm":"md5"}"#) }
        #expect(throws: DecodingError.self) { try Self.decode(#"{"header":"X","encoding":"base32"}"#) }
        #expect(throws: DecodingError.self) { try Self.decode(#"{"signed":"{body}"}"#) }
    }

    @Test func theSwiftInitializerValidatesLikeTheDecoder() {
        #expect(throws: DecodingError.self) { try GenericHMACOptions(header: "X-S", signed: "{timestamp}.{body}") }
        #expect(throws: DecodingError.self) { try GenericHMACOptions(header: "X-S", toleranceSeconds: 10) }
    }

    @Test(arguments: [
        ("{body}", [GenericHMACTemplate.Piece.body]),
        ("{{{body}}}", [.literal("{"), .body, .literal("}")]),
        ("v0:{timestamp}:{body}", [.literal("v0:"), .timestamp, .literal(":"), .body]),
        ("{method}{url}{body}", [.method, .url, .body]),
        ("caf\u{E9} {body}", [.literal("caf\u{E9} "), .body]),
    ])
    func templatesCompileToPieces(_ text: String, _ pieces: [GenericHMACTemplate.Piece]) throws {
        #expect(try GenericHMACTemplate(text, headers: [:]).pieces == pieces)
    }

    @Test func templateCompilationIsTotalOnGarbage() {
        var random = HMACGarbageGenerator(state: 5)
        for _ in 0..<5_000 {
            // Either it compiles or it says why; it never traps.
            if let template = try? GenericHMACTemplate(random.string(maxLength: 40), headers: ["id": "X-Id"]) {
                #expect(template.headerNames.allSatisfy { $0 == "X-Id" })
            }
        }
    }

    @Test func signatureDecodingAcceptsOnlyThePrefixAndTheExactLength() throws {
        let hex = try GenericHMACOptions(header: "X-S", prefix: "sha256=")
        #expect(hex.decodeSignature("sha256=" + String(repeating: "aB", count: 32))?.count == 32)
        #expect(hex.decodeSignature(String(repeating: "ab", count: 32)[...]) == nil)
        #expect(hex.decodeSignature("sha256=" + String(repeating: "ab", count: 31)) == nil)
        let base64 = try GenericHMACOptions(algorithm: .sha512, encoding: .base64, header: "X-S")
        let code = [UInt8](repeating: 0xFB, count: 64)
        #expect(base64.decodeSignature(Base64.encode(code)[...]) == code)
        #expect(base64.decodeSignature(Base64.encode(code, padded: false)[...]) == code)
        #expect(base64.decodeSignature(Base64.encode(code, alphabet: .url)[...]) == nil)
        let url = try GenericHMACOptions(algorithm: .sha1, encoding: .base64url, header: "X-S")
        #expect(url.decodeSignature(Base64.encode([UInt8](repeating: 0xFF, count: 20), alphabet: .url)[...])?.count == 20)
        #expect(url.encodeSignature([UInt8](repeating: 0xFF, count: 20)) == String(repeating: "_", count: 26) + "8")
    }
}
