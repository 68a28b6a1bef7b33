import HTTPTypes
import InletCore
@testable import InletReceiver
import Testing

/// The receiver's glue around `InletSignatures`: which headers it reads, and how verdicts and secret errors become
/// its rejection codes and errors. The schemes themselves are tested in InletSignaturesTests.
@Suite("SignatureVerifier")
struct SignatureVerifierTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let timestamp: Int64 = 1_614_265_330
    static let body = Array(#"{"test": 2432232314}"#.utf8)

    func headers(id: String? = "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: String? = "1614265330",
                 signature: String? = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") -> HTTPFields {
        var fields = HTTPFields()
        if let id { fields[HTTPField.Name("Webhook-Id")!] = id }
        if let timestamp { fields[HTTPField.Name("webhook-timestamp")!] = timestamp }
        if let signature { fields[HTTPField.Name("webhook-signature")!] = signature }
        return fields
    }

    @Test func mapsEachVerdictToTheReceiversRejectionCode() throws {
        let verifier = try SignatureVerifier(scheme: .standardWebhooks, secrets: [Self.secret], integrationID: "svix", toleranceSeconds: 300)
        #expect(verifier.verify(headers: headers(), body: Self.body, now: Self.timestamp) == nil)
        #expect(verifier.verify(headers: headers(id: nil), body: Self.body, now: Self.timestamp)?.code == .signatureMissing)
        #expect(verifier.verify(headers: headers(timestamp: "soon"), body: Self.body, now: Self.timestamp)?.code == .signatureMalformed)
        #expect(verifier.verify(headers: headers(), body: Self.body + [0x20], now: Self.timestamp)?.code == .signatureMismatch)
        let stale = verifier.verify(headers: headers(), body: Self.body, now: Self.timestamp + 301)
        #expect(stale?.code == .timestampOutOfTolerance)
        #expect(stale?.message.contains("301 seconds old") == true)
    }

    @Test func readsTheGitHubHeader() throws {
        let verifier = try SignatureVerifier(scheme: .githubHMACSHA256, secrets: ["It's a Secret to Everybody"], integrationID: "gh", toleranceSeconds: 300)
        var fields = HTTPFields()
        fields[HTTPField.Name("x-hub-signature-256")!] = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(verifier.verify(headers: fields, body: Array("Hello, World!".utf8), now: 0) == nil)
        #expect(verifier.verify(headers: HTTPFields(), body: Array("Hello, World!".utf8), now: 0)?.code == .signatureMissing)
    }

    @Test func refusesABadSecretNamingTheIntegrationNotTheSecret() {
        do {
            _ = try SignatureVerifier(scheme: .standardWebhooks, secrets: [Self.secret, "whsec_not*base64!"], integrationID: "svix", toleranceSeconds: 300)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidSecret)
            #expect(error.reason.hasPrefix("integration 'svix', secrets[1]: "))
            #expect(!error.reason.contains("not*base64"))
        }
    }
}
