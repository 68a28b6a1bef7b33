import InletCrypto
import InletSignatures
import Testing

@Suite("OtherProvider StandardWebhooksVerifier")
struct OtherProviderStandardWebhooksTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let body = #"{"test": 2432232314}"#
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    let now = OtherProviderRequests.now

    func signedV1(timestamp: Int64? = nil, secret: String = secret) throws -> [(String, String)] {
        let key = try StandardWebhooksSignature.key(secret: secret)
        return try StandardWebhooksSignature.headers(id: Self.id, timestamp: timestamp ?? now, body: Array(Self.body.utf8), key: key)
            .map { ($0.name, $0.value) }
    }

    func signedV1a(_ key: Ed25519PrivateKey, id: String = id, timestamp: Int64? = nil) throws -> [(String, String)] {
        let timestamp = timestamp ?? now
        return [("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", try StandardWebhooksSignature.asymmetricHeaderValue(id: id, timestamp: timestamp, body: Array(Self.body.utf8), privateKey: key))]
    }

    func publicKeyText(_ key: Ed25519PrivateKey) throws -> String {
        "whpk_" + Base64.encode(try key.publicKeyRawRepresentation())
    }

    @Test func acceptsV1UnderAWhsecSecret() throws {
        let verifier = try StandardWebhooksVerifier(secrets: [Self.secret])
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedV1(), body: Self.body)) == nil)
    }

    @Test func acceptsV1aUnderItsPublicKeyAndRejectsAnotherKey() throws {
        let signer = try Ed25519PrivateKey.generate()
        let stranger = try Ed25519PrivateKey.generate()
        let verifier = try StandardWebhooksVerifier(secrets: [Self.secret, try publicKeyText(signer)])
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedV1a(signer), body: Self.body)) == nil)
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedV1a(stranger), body: Self.body))?.reason == .signatureMismatch)
    }

    @Test func rotationAcceptsTheNewPublicKeyBesideTheOld() throws {
        let old = try Ed25519PrivateKey.generate()
        let new = try Ed25519PrivateKey.generate()
        let verifier = try StandardWebhooksVerifier(secrets: [try publicKeyText(old), try publicKeyText(new)])
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedV1a(new), body: Self.body)) == nil)
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedV1a(old), body: Self.body)) == nil)
    }

    @Test func rejectsAnAlteredBodyUnderV1a() throws {
        let signer = try Ed25519PrivateKey.generate()
        let verifier = try StandardWebhooksVerifier(secrets: [try publicKeyText(signer)])
        #expect(verifier.verify(OtherProviderRequests.request(headers: try signedV1a(signer), body: #"{"test": 1}"#))?.reason == .signatureMismatch)
    }

    @Test func rejectsAStaleV1aTimestamp() throws {
        let signer = try Ed25519PrivateKey.generate()
        let verifier = try StandardWebhooksVerifier(secrets: [try publicKeyText(signer)], options: .init(toleranceSeconds: 60))
        let stale = try signedV1a(signer, timestamp: now - 61)
        #expect(verifier.verify(OtherProviderRequests.request(headers: stale, body: Self.body))?.reason == .timestampOutOfTolerance)
    }

    @Test func saysWhichKeyKindIsMissing() throws {
        let signer = try Ed25519PrivateKey.generate()
        let hmacOnly = try StandardWebhooksVerifier(secrets: [Self.secret])
        let rejection = hmacOnly.verify(OtherProviderRequests.request(headers: try signedV1a(signer), body: Self.body))
        #expect(rejection?.reason == .signatureMismatch)
        #expect(rejection?.message.contains("whpk_") == true)
        let publicOnly = try StandardWebhooksVerifier(secrets: [try publicKeyText(signer)])
        #expect(publicOnly.verify(OtherProviderRequests.request(headers: try signedV1(), body: Self.body))?.message.contains("only v1 (HMAC)") == true)
    }

    @Test func readsSvixHeadersWhenWebhookHeadersAreAbsent() throws {
        let renamed = try signedV1().map { ($0.0.replacingOccurrences(of: "webhook-", with: "svix-"), $0.1) }
        let verifier = try StandardWebhooksVerifier(secrets: [Self.secret])
        #expect(verifier.verify(OtherProviderRequests.request(headers: renamed, body: Self.body)) == nil)
    }

    @Test func rejectsMissingAndMalformedHeadersNamingThem() throws {
        let verifier = try StandardWebhooksVerifier(secrets: [Self.secret])
        let headers = try signedV1()
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            let rejection = verifier.verify(OtherProviderRequests.request(headers: headers.filter { $0.0 != name }, body: Self.body))
            #expect(rejection?.reason == .signatureMissing)
            #expect(rejection?.message.contains(name) == true)
        }
        let malformed = headers.map { $0.0 == "webhook-signature" ? ($0.0, "v1a,AAAA v1,%%%%") : $0 }
        #expect(verifier.verify(OtherProviderRequests.request(headers: malformed, body: Self.body))?.reason == .signatureMalformed)
    }

    @Test("unusable keys are refused without quoting them",
          arguments: ["whpk_AAAA", "whpk_" + String(repeating: "%", count: 44), "whsec_!!!", "whsk_" + Base64.encode([UInt8](repeating: 1, count: 64))])
    func refusesUnusableKeys(secret: String) {
        #expect {
            try StandardWebhooksVerifier(secrets: [Self.secret, secret])
        } throws: { error in
            guard let error = error as? SignatureError else { return false }
            return error.code == .invalidSecret && error.reason.contains("#2") && !error.description.contains(secret)
        }
    }

    @Test func refusesAnEmptyKeyList() {
        #expect(throws: SignatureError.self) { try StandardWebhooksVerifier(secrets: []) }
    }

    @Test func keepsTheStaticAPIForV1() throws {
        let key = try StandardWebhooksSignature.key(secret: Self.secret)
        let value = try StandardWebhooksSignature.headerValue(id: Self.id, timestamp: now, body: Array(Self.body.utf8), key: key)
        #expect(StandardWebhooksSignature.verify(id: Self.id[...], timestamp: String(now)[...], signatures: value[...],
                                                 body: Array(Self.body.utf8), keys: [key], now: now, toleranceSeconds: 300) == nil)
    }
}
