import Testing
@testable import InletDeliverer

/// The deliverer's use of Standard Webhooks; the scheme itself is tested in InletSignaturesTests.
@Suite("WebhookSigner")
struct DelivererSigningTests {
    // The Standard Webhooks reference test vector (standard-webhooks/standard-webhooks,
    // libraries/python/tests/test_webhooks.py, test_sign_function).
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp = 1_614_265_330
    static let payload = Array(#"{"test": 2432232314}"#.utf8)
    static let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test("headers carry id, timestamp and the published signature")
    func headers() throws {
        let headers = try WebhookSigner(secret: Self.secret).headers(id: Self.id, timestamp: Self.timestamp, body: Self.payload)
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers.map(\.value) == [Self.id, "1614265330", Self.expected])
    }

    @Test("a secret without the whsec_ prefix signs the same")
    func bareSecret() throws {
        let headers = try WebhookSigner(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").headers(id: Self.id, timestamp: Self.timestamp, body: Self.payload)
        #expect(headers.last?.value == Self.expected)
    }

    @Test("a secret that is not base64 is a DelivererError .invalidSecret that does not quote it")
    func invalidSecret() {
        for secret in ["whsec_not*base64!", "whsec_"] {
            do {
                _ = try WebhookSigner(secret: secret)
                Issue.record("expected an error")
            } catch {
                #expect(error.code == .invalidSecret)
                #expect(!error.description.contains("not*base64"))
            }
        }
    }
}
