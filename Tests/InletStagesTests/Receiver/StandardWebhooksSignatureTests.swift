import InletCrypto
@testable import InletReceiver
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
                body: [UInt8] = Self.body, secrets: [String] = [Self.secret], now: Int64 = Self.timestamp) throws -> WebhookRejection? {
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
        #expect(try verify(secrets: ["whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA=="])?.code == .signatureMismatch)
    }

    @Test func rejectsAnAlteredBody() throws {
        #expect(try verify(body: Array(#"{"test": 2432232315}"#.utf8))?.code == .signatureMismatch)
    }

    @Test func rejectsAnAlteredID() throws {
        #expect(try verify(id: "msg_other")?.code == .signatureMismatch)
    }

    @Test func rejectsMissingHeaders() throws {
        #expect(try verify(id: nil)?.code == .signatureMissing)
        #expect(try verify(timestamp: nil)?.code == .signatureMissing)
        #expect(try verify(signatures: nil)?.code == .signatureMissing)
        #expect(try verify(signatures: "")?.code == .signatureMissing)
    }

    @Test(arguments: ["hello", "1614265330.5", "-1614265330", "16142653301234567"])
    func rejectsAMalformedTimestamp(timestamp: String) throws {
        #expect(try verify(timestamp: timestamp)?.code == .signatureMalformed)
    }

    @Test(arguments: ["v1,dawfeoifkpqwoekfpqoekf", "v1,", "v1g0hM9SsE", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                      "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="])
    func rejectsAHeaderWithoutAUsableV1Entry(signatures: String) throws {
        #expect(try verify(signatures: signatures)?.code == .signatureMalformed)
    }

    @Test func rejectsAStaleTimestamp() throws {
        let rejection = try verify(now: Self.timestamp + 301)
        #expect(rejection?.code == .timestampOutOfTolerance)
        #expect(rejection?.message.contains("old") == true)
        #expect(try verify(now: Self.timestamp + 300) == nil)
    }

    @Test func rejectsATimestampInTheFuture() throws {
        let rejection = try verify(now: Self.timestamp - 301)
        #expect(rejection?.code == .timestampOutOfTolerance)
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

    @Test func refusesASecretThatIsNotBase64() {
        #expect(throws: ReceiverError.self) { try StandardWebhooksSignature.key(secret: "whsec_not base64!") }
        #expect(throws: ReceiverError.self) { try StandardWebhooksSignature.key(secret: "whsec_") }
    }
}
