import InletCrypto
import InletSignatures
import Testing

@Suite("OtherProvider SendGridVerifier")
struct OtherProviderSendGridTests {
    static let body = #"[{"email":"a@example.com","event":"delivered","sg_event_id":"x"}]"# + "\r\n"
    let now = OtherProviderRequests.now

    func keyText(_ key: ECDSAP256PrivateKey) throws -> String { Base64.encode(try key.publicKeyDERRepresentation()) }

    func request(_ key: ECDSAP256PrivateKey, timestamp: Int64? = nil, body: String = body) throws -> InboundRequest {
        let headers = try SendGridVerifier.headers(timestamp: String(timestamp ?? now), body: Array(Self.body.utf8), privateKey: key)
        return OtherProviderRequests.request(headers: headers.map { ($0.name, $0.value) }, body: body)
    }

    @Test func acceptsASignatureByTheConfiguredKeyOnly() throws {
        let key = try ECDSAP256PrivateKey.generate()
        let other = try ECDSAP256PrivateKey.generate()
        let verifier = try SendGridVerifier(verificationKeys: [try keyText(key)])
        #expect(verifier.verify(try request(key)) == nil)
        #expect(verifier.verify(try request(other))?.reason == .signatureMismatch)
        #expect(verifier.verify(try request(key, body: Self.body + " "))?.reason == .signatureMismatch)
    }

    @Test func acceptsAPEMKeyAndRotation() throws {
        let key = try ECDSAP256PrivateKey.generate()
        let pem = "-----BEGIN PUBLIC KEY-----\n" + (try keyText(key)) + "\n-----END PUBLIC KEY-----\n"
        let verifier = try SendGridVerifier(verificationKeys: [try keyText(ECDSAP256PrivateKey.generate()), pem])
        #expect(verifier.verify(try request(key)) == nil)
    }

    @Test func rejectsStaleTimestampsUnlessToleranceIsOff() throws {
        let key = try ECDSAP256PrivateKey.generate()
        let stale = try request(key, timestamp: now - 301)
        #expect(try SendGridVerifier(verificationKeys: [try keyText(key)]).verify(stale)?.reason == .timestampOutOfTolerance)
        #expect(try SendGridVerifier(verificationKeys: [try keyText(key)], options: .init(toleranceSeconds: nil)).verify(stale) == nil)
    }

    @Test func rejectsMissingAndMalformedHeaders() throws {
        let key = try ECDSAP256PrivateKey.generate()
        let verifier = try SendGridVerifier(verificationKeys: [try keyText(key)])
        let signed = try request(key)
        for name in [SendGridVerifier.signatureHeader, SendGridVerifier.timestampHeader] {
            let stripped = InboundRequest(url: signed.url, headers: InboundHeaders(signed.headers.fields.filter { $0.name != name.lowercased() }), body: signed.body, now: now)
            let rejection = verifier.verify(stripped)
            #expect(rejection?.reason == .signatureMissing)
            #expect(rejection?.message.contains(name) == true)
        }
        let garbage = OtherProviderRequests.request(headers: [(SendGridVerifier.signatureHeader, "***"), (SendGridVerifier.timestampHeader, String(now))], body: Self.body)
        #expect(verifier.verify(garbage)?.reason == .signatureMalformed)
        let badTime = OtherProviderRequests.request(headers: [(SendGridVerifier.signatureHeader, "MEQ="), (SendGridVerifier.timestampHeader, "yesterday")], body: Self.body)
        #expect(verifier.verify(badTime)?.reason == .signatureMalformed)
        let notDER = OtherProviderRequests.request(headers: [(SendGridVerifier.signatureHeader, Base64.encode([UInt8](repeating: 0x30, count: 70))), (SendGridVerifier.timestampHeader, String(now))], body: Self.body)
        #expect(verifier.verify(notDER)?.reason == .signatureMismatch)
    }

    @Test("unusable keys are refused without quoting them",
          arguments: ["", "not base64", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
                      "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="])
    func refusesUnusableKeys(text: String) {
        #expect { try SendGridVerifier(verificationKeys: [text]) } throws: { error in
            guard let error = error as? SignatureError else { return false }
            return error.code == .invalidSecret && (text.isEmpty || !error.description.contains(text))
        }
    }
}

@Suite("OtherProvider DiscordVerifier")
struct OtherProviderDiscordTests {
    static let body = #"{"type":1}"#
    let now = OtherProviderRequests.now

    func request(_ key: Ed25519PrivateKey, timestamp: String? = nil, body: String = body) throws -> InboundRequest {
        let headers = try DiscordVerifier.headers(timestamp: timestamp ?? String(now), body: Array(Self.body.utf8), privateKey: key)
        return OtherProviderRequests.request(headers: headers.map { ($0.name, $0.value) }, body: body)
    }

    func verifier(_ keys: [Ed25519PrivateKey], tolerance: Int64? = 300) throws -> DiscordVerifier {
        try DiscordVerifier(publicKeys: keys.map { Hex.encode(try $0.publicKeyRawRepresentation()) }, options: .init(toleranceSeconds: tolerance))
    }

    @Test func acceptsTheApplicationKeyOnly() throws {
        let key = try Ed25519PrivateKey.generate()
        let other = try Ed25519PrivateKey.generate()
        #expect(try verifier([key]).verify(try request(key)) == nil)
        #expect(try verifier([key]).verify(try request(other))?.reason == .signatureMismatch)
        #expect(try verifier([other, key]).verify(try request(key)) == nil)
        #expect(try verifier([key]).verify(try request(key, body: #"{"type":2}"#))?.reason == .signatureMismatch)
    }

    @Test func rejectsStaleTimestampsUnlessToleranceIsOff() throws {
        let key = try Ed25519PrivateKey.generate()
        let stale = try request(key, timestamp: String(now - 600))
        #expect(try verifier([key]).verify(stale)?.reason == .timestampOutOfTolerance)
        #expect(try verifier([key], tolerance: nil).verify(stale) == nil)
        // With the check off, any timestamp text is accepted as signed.
        #expect(try verifier([key], tolerance: nil).verify(try request(key, timestamp: "2025-01-01T00:00:00Z")) == nil)
        #expect(try verifier([key]).verify(try request(key, timestamp: "2025-01-01T00:00:00Z"))?.reason == .signatureMalformed)
    }

    @Test func rejectsMissingAndMalformedHeaders() throws {
        let key = try Ed25519PrivateKey.generate()
        let verifier = try verifier([key])
        let noSignature = OtherProviderRequests.request(headers: [(DiscordVerifier.timestampHeader, String(now))], body: Self.body)
        #expect(verifier.verify(noSignature)?.message.contains(DiscordVerifier.signatureHeader) == true)
        let noTimestamp = OtherProviderRequests.request(headers: [(DiscordVerifier.signatureHeader, String(repeating: "ab", count: 64))], body: Self.body)
        #expect(verifier.verify(noTimestamp)?.reason == .signatureMissing)
        for bad in [String(repeating: "ab", count: 63), String(repeating: "zz", count: 64), "bad"] {
            let request = OtherProviderRequests.request(headers: [(DiscordVerifier.signatureHeader, bad), (DiscordVerifier.timestampHeader, String(now))], body: Self.body)
            #expect(verifier.verify(request)?.reason == .signatureMalformed)
        }
    }

    @Test("unusable public keys are refused", arguments: ["", "abcd", String(repeating: "zz", count: 32), String(repeating: "00", count: 33)])
    func refusesUnusableKeys(text: String) {
        #expect(throws: SignatureError.self) { try DiscordVerifier(publicKeys: [text]) }
    }
}
