import InletCrypto
import InletSignatures
import Testing

@Suite("OtherProvider SquareVerifier")
struct OtherProviderSquareTests {
    static let key = "Ki_jTBuGnE7RuHBcHDMlXg"
    static let url = "https://hooks.example.com/webhooks/square/acme"
    static let body = #"{"type":"payment.updated","event_id":"e1"}"#

    func signature(key: String = key, url: String = url, body: String = body) throws -> String {
        try SquareVerifier.headerValue(notificationURL: url, body: Array(body.utf8), key: SquareVerifier.key(signatureKey: key))
    }

    func verify(_ signature: String?, url: String = url, body: String = body, keys: [String] = [key],
                notificationURL: String? = nil) throws -> SignatureRejection? {
        let headers = signature.map { [("x-square-hmacsha256-signature", $0)] } ?? []
        return try SquareVerifier(signatureKeys: keys, options: .init(notificationURL: notificationURL))
            .verify(OtherProviderRequests.request(url: url, headers: headers, body: body))
    }

    @Test func acceptsTheSignedURLAndBody() throws {
        #expect(try verify(signature()) == nil)
    }

    @Test func rejectsAWrongKeyAnAlteredBodyAndAnotherURL() throws {
        #expect(try verify(signature(key: "other"))?.reason == .signatureMismatch)
        #expect(try verify(signature(), body: Self.body + " ")?.reason == .signatureMismatch)
        #expect(try verify(signature(), url: Self.url + "/")?.reason == .signatureMismatch)
    }

    @Test func prefersTheConfiguredNotificationURL() throws {
        #expect(try verify(signature(), url: "http://127.0.0.1:8080/internal", notificationURL: Self.url) == nil)
    }

    @Test func acceptsAnyKeyDuringRotation() throws {
        #expect(try verify(signature(key: "new-key"), keys: [Self.key, "new-key"]) == nil)
    }

    @Test func rejectsMissingAndMalformedHeaders() throws {
        let missing = try verify(nil)
        #expect(missing?.reason == .signatureMissing)
        #expect(missing?.message.contains("x-square-hmacsha256-signature") == true)
        #expect(try verify("%%%")?.reason == .signatureMalformed)
        #expect(try verify(Base64.encode([UInt8](repeating: 0, count: 20)))?.reason == .signatureMalformed)
    }

    @Test func refusesUnusableConfiguration() {
        #expect(throws: SignatureError.self) { try SquareVerifier(signatureKeys: []) }
        #expect(throws: SignatureError.self) { try SquareVerifier(signatureKeys: [""]) }
        #expect(throws: SignatureError.self) { try SquareVerifier(signatureKeys: ["k"], options: .init(notificationURL: "")) }
    }
}

@Suite("OtherProvider OktaVerifier")
struct OtherProviderOktaTests {
    @Test func acceptsTheConfiguredSecretInAuthorization() throws {
        let verifier = try OktaVerifier(secrets: ["Bearer s3cr3t-value"])
        #expect(verifier.verify(OtherProviderRequests.request(headers: [("authorization", "Bearer s3cr3t-value")], body: "{}")) == nil)
    }

    @Test func usesAConfiguredHeaderName() throws {
        let verifier = try OktaVerifier(secrets: ["s3cr3t"], headerName: "X-Okta-Hook-Secret")
        #expect(verifier.verify(OtherProviderRequests.request(headers: [("x-okta-hook-secret", "s3cr3t")], body: "{}")) == nil)
        let missing = verifier.verify(OtherProviderRequests.request(headers: [("Authorization", "s3cr3t")], body: "{}"))
        #expect(missing?.reason == .signatureMissing)
        #expect(missing?.message.contains("X-Okta-Hook-Secret") == true)
    }

    @Test func rejectsAWrongPrefixOrLongerSecretAndAcceptsRotation() throws {
        let verifier = try OktaVerifier(secrets: ["old-secret", "new-secret"])
        #expect(verifier.verify(OtherProviderRequests.request(headers: [("Authorization", "new-secret")], body: "")) == nil)
        #expect(verifier.verify(OtherProviderRequests.request(headers: [("Authorization", "new-secre")], body: ""))?.reason == .signatureMismatch)
        #expect(verifier.verify(OtherProviderRequests.request(headers: [("Authorization", "new-secretX")], body: ""))?.reason == .signatureMismatch)
    }

    @Test func refusesUnusableConfigurationWithoutQuotingIt() {
        #expect(throws: SignatureError.self) { try OktaVerifier(secrets: []) }
        #expect(throws: SignatureError.self) { try OktaVerifier(secrets: ["a", ""]) }
        #expect { try OktaVerifier(secrets: ["a"], headerName: "Bad Header:") } throws: { error in
            (error as? SignatureError)?.code == .invalidSecret
        }
    }
}

@Suite("OtherProvider GitLabVerifier")
struct OtherProviderGitLabTests {
    static let signingToken = "whsec_" + Base64.encode([UInt8](repeating: 7, count: 32))
    static let body = #"{"object_kind":"push"}"#

    func signedHeaders(token: String = signingToken, timestamp: Int64 = OtherProviderRequests.now) throws -> [(String, String)] {
        try StandardWebhooksSignature.headers(id: "uuid-1", timestamp: timestamp, body: Array(Self.body.utf8),
                                              key: StandardWebhooksSignature.key(secret: token)).map { ($0.name, $0.value) }
    }

    @Test func secretTokenModeComparesTheHeader() throws {
        let verifier = try GitLabVerifier(secretTokens: ["gl-token"])
        #expect(verifier.verify(OtherProviderRequests.request(headers: [("X-Gitlab-Token", "gl-token")], body: Self.body)) == nil)
        #expect(verifier.verify(OtherProviderRequests.request(headers: [("X-Gitlab-Token", "gl-tokem")], body: Self.body))?.reason == .signatureMismatch)
        let missing = verifier.verify(OtherProviderRequests.request(headers: [], body: Self.body))
        #expect(missing?.reason == .signatureMissing)
        #expect(missing?.message.contains("X-Gitlab-Token") == true)
    }

    @Test func signingTokenModeVerifiesTheStandardWebhooksSignature() throws {
        let verifier = try GitLabVerifier(signingTokens: [Self.signingToken])
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedHeaders(), body: Self.body)) == nil)
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedHeaders(), body: Self.body + " "))?.reason == .signatureMismatch)
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedHeaders(timestamp: OtherProviderRequests.now - 400), body: Self.body))?.reason == .timestampOutOfTolerance)
        #expect(verifier.verify(OtherProviderRequests.request(headers: [("X-Gitlab-Token", "x")], body: Self.body))?.reason == .signatureMissing)
    }

    @Test func bothModesMustPassWhenBothAreConfigured() throws {
        let verifier = try GitLabVerifier(secretTokens: ["gl-token"], signingTokens: [Self.signingToken])
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedHeaders() + [("X-Gitlab-Token", "gl-token")], body: Self.body)) == nil)
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedHeaders(), body: Self.body))?.reason == .signatureMissing)
        #expect(verifier.verify(OtherProviderRequests.request(headers: [("X-Gitlab-Token", "gl-token")], body: Self.body))?.reason == .signatureMissing)
    }

    @Test func rotationAcceptsEitherSigningToken() throws {
        let next = "whsec_" + Base64.encode([UInt8](repeating: 9, count: 32))
        let verifier = try GitLabVerifier(signingTokens: [Self.signingToken, next])
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedHeaders(token: next), body: Self.body)) == nil)
    }

    @Test func refusesUnusableConfiguration() {
        #expect(throws: SignatureError.self) { try GitLabVerifier() }
        #expect(throws: SignatureError.self) { try GitLabVerifier(signingTokens: ["not-whsec"]) }
        #expect(throws: SignatureError.self) { try GitLabVerifier(signingTokens: ["whsec_%%%"]) }
        #expect(throws: SignatureError.self) { try GitLabVerifier(secretTokens: [""]) }
    }
}
