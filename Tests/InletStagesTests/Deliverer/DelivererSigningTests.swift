import Testing
@testable import InletDeliverer

@Suite("WebhookSigner")
struct DelivererSigningTests {
    // The Standard Webhooks reference test vector (standard-webhooks/standard-webhooks,
    // libraries/python/tests/test_webhooks.py, test_sign_function).
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp = 1_614_265_330
    static let payload = Array(#"{"test": 2432232314}"#.utf8)
    static let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test("signing the published Standard Webhooks vector gives the published signature")
    func publishedVector() throws {
        let signer = try WebhookSigner(secret: Self.secret)
        #expect(try signer.signature(id: Self.id, timestamp: Self.timestamp, body: Self.payload) == Self.expected)
    }

    @Test("a secret without the whsec_ prefix signs the same")
    func bareSecret() throws {
        let signer = try WebhookSigner(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(try signer.signature(id: Self.id, timestamp: Self.timestamp, body: Self.payload) == Self.expected)
    }

    @Test("headers carry id, timestamp and signature")
    func headers() throws {
        let headers = try WebhookSigner(secret: Self.secret).headers(id: Self.id, timestamp: Self.timestamp, body: Self.payload)
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers.map(\.value) == [Self.id, "1614265330", Self.expected])
    }

    @Test("verification accepts the vector among other entries and rejects tampering, staleness and gaps")
    func verification() throws {
        let signer = try WebhookSigner(secret: Self.secret)
        let now = Self.timestamp + 10
        let multiple = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,abc \(Self.expected)"
        #expect(isSuccess(signer.verify(id: Self.id, timestamp: String(Self.timestamp), signatureHeader: multiple,
                                        body: Self.payload, now: now)))
        var tampered = Self.payload
        tampered[2] ^= 1
        #expect(failure(signer.verify(id: Self.id, timestamp: String(Self.timestamp), signatureHeader: Self.expected,
                              body: tampered, now: now)) == .noMatchingSignature)
        #expect(failure(signer.verify(id: Self.id, timestamp: String(Self.timestamp), signatureHeader: Self.expected,
                              body: Self.payload, now: Self.timestamp + 301)) == .timestampOutOfTolerance)
        #expect(failure(signer.verify(id: Self.id, timestamp: "hello", signatureHeader: Self.expected,
                              body: Self.payload, now: now)) == .invalidTimestamp)
        #expect(failure(signer.verify(id: nil, timestamp: String(Self.timestamp), signatureHeader: Self.expected,
                              body: Self.payload, now: now)) == .missingHeaders)
        let other = try WebhookSigner(secret: "whsec_" + "c2Vjb25kLXNlY3JldC1rZXk=")
        #expect(failure(other.verify(id: Self.id, timestamp: String(Self.timestamp), signatureHeader: Self.expected,
                             body: Self.payload, now: now)) == .noMatchingSignature)
    }

    @Test("a secret that is not base64 is refused without quoting it")
    func invalidSecret() {
        do {
            _ = try WebhookSigner(secret: "whsec_not*base64!")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidSecret)
            #expect(!error.description.contains("not*base64"))
        }
    }
}


func isSuccess(_ result: Result<Void, WebhookSigner.VerificationFailure>) -> Bool {
    if case .success = result { return true }
    return false
}

func failure(_ result: Result<Void, WebhookSigner.VerificationFailure>) -> WebhookSigner.VerificationFailure? {
    if case .failure(let failure) = result { return failure }
    return nil
}
