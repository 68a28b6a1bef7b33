import InletCrypto
import InletSignatures
import Testing

@Suite("StandardWebhooksSignature")
struct StandardWebhooksSignatureTests {
    /// The specification's published vector, from standard-webhooks/standard-webhooks
    /// libraries/javascript/src/webhook.test.ts ("sign function works").
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp: Int64 = 1_614_265_330
    static let body = Array(#"{"test": 2432232314}"#.utf8)
    static let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    func verify(id: String? = Self.id, timestamp: String? = String(Self.timestamp), signatures: String? = Self.signature,
                body: [UInt8] = Self.body, secrets: [String] = [Self.secret], now: Int64 = Self.timestamp) throws -> SignatureRejection? {
        let keys = try secrets.map { try StandardWebhooksSignature.key(secret: $0) }
        return StandardWebhooksSignature.verify(id: id?[...], timestamp: timestamp?[...], signatures: signatures?[...], body: body,
                                                keys: keys, now: now, toleranceSeconds: 300)
    }

    @Test func signsThePublishedVector() throws {
        let key = try StandardWebhooksSignature.key(secret: Self.secret)
        #expect(try StandardWebhooksSignature.headerValue(id: Self.id, timestamp: Self.timestamp, body: Self.body, key: key) == Self.signature)
    }

    @Test func acceptsThePublishedVector() throws {
        #expect(try verify() == nil)
    }

    @Test func acceptsASecretWithoutItsPrefix() throws {
        #expect(try verify(secrets: ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]) == nil)
    }

    @Test func rejectsAWrongSecret() throws {
        #expect(try verify(secrets: ["whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA=="])?.reason == .signatureMismatch)
    }

    @Test func rejectsAnAlteredBody() throws {
        #expect(try verify(body: Array(#"{"test": 2432232315}"#.utf8))?.reason == .signatureMismatch)
    }

    @Test func rejectsAnAlteredID() throws {
        #expect(try verify(id: "msg_other")?.reason == .signatureMismatch)
    }

    @Test func rejectsMissingHeaders() throws {
        #expect(try verify(id: nil)?.reason == .signatureMissing)
        #expect(try verify(timestamp: nil)?.reason == .signatureMissing)
        #expect(try verify(signatures: nil)?.reason == .signatureMissing)
        #expect(try verify(signatures: "")?.reason == .signatureMissing)
    }

    @Test(arguments: ["hello", "1614265330.5", "-1614265330", "16142653301234567"])
    func rejectsAMalformedTimestamp(timestamp: String) throws {
        #expect(try verify(timestamp: timestamp)?.reason == .signatureMalformed)
    }

    @Test(arguments: ["v1,dawfeoifkpqwoekfpqoekf", "v1,", "v1g0hM9SsE", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                      "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="])
    func rejectsAHeaderWithoutAUsableV1Entry(signatures: String) throws {
        #expect(try verify(signatures: signatures)?.reason == .signatureMalformed)
    }

    @Test func rejectsAStaleTimestamp() throws {
        let rejection = try verify(now: Self.timestamp + 301)
        #expect(rejection?.reason == .timestampOutOfTolerance)
        #expect(rejection?.message.contains("old") == true)
        #expect(try verify(now: Self.timestamp + 300) == nil)
    }

    @Test func rejectsATimestampInTheFuture() throws {
        let rejection = try verify(now: Self.timestamp - 301)
        #expect(rejection?.reason == .timestampOutOfTolerance)
        #expect(rejection?.message.contains("future") == true)
    }

    @Test func acceptsAnyMatchingEntryOfSeveral() throws {
        let entries = ["v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
                       Self.signature, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="]
        #expect(try verify(signatures: entries.joined(separator: " ")) == nil)
    }

    @Test func acceptsAnySecretDuringRotation() throws {
        let rotated = "whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA=="
        #expect(try verify(secrets: [rotated, Self.secret]) == nil)
    }

    @Test(arguments: ["whsec_not base64!", "whsec_not*base64!", "whsec_"])
    func refusesASecretThatIsNotBase64WithoutQuotingIt(secret: String) {
        do {
            _ = try StandardWebhooksSignature.key(secret: secret)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidSecret)
            #expect(!error.isRetriable)
            #expect(!error.description.contains("base64!"))
        }
    }

    @Test func headersCarryIDTimestampAndSignatureInOrder() throws {
        let key = try StandardWebhooksSignature.key(secret: Self.secret)
        let headers = try StandardWebhooksSignature.headers(id: Self.id, timestamp: Self.timestamp, body: Self.body, key: key)
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers.map(\.value) == [Self.id, "1614265330", Self.signature])
    }

    @Test func signsABodyGivenAsAnyContiguousBytes() throws {
        let key = try StandardWebhooksSignature.key(secret: Self.secret)
        let slice = ([0x20] + Self.body)[1...]
        #expect(try StandardWebhooksSignature.headerValue(id: Self.id, timestamp: Self.timestamp, body: slice, key: key) == Self.signature)
    }

    @Test func verifiesWhatItSigns() throws {
        let key = try StandardWebhooksSignature.key(secret: "whsec_bG9jYWwtc3ZpeC1zZWNyZXQta2V5LTMyLWJ5dGVzISE=")
        let body = Array(#"[{"id":"e-1"}]"#.utf8)
        let signature = try StandardWebhooksSignature.headerValue(id: "msg_1", timestamp: 1_700_000_000, body: body, key: key)
        #expect(StandardWebhooksSignature.verify(id: "msg_1", timestamp: "1700000000", signatures: signature[...], body: body,
                                                 keys: [key], now: 1_700_000_010, toleranceSeconds: 300) == nil)
        #expect(StandardWebhooksSignature.verify(id: "msg_2", timestamp: "1700000000", signatures: signature[...], body: body,
                                                 keys: [key], now: 1_700_000_010, toleranceSeconds: 300)?.reason == .signatureMismatch)
    }
}
