import InletCore
import InletCrypto
import InletSignatures
import Testing

/// `VerifierFactory`: the right verifier and settings for every scheme, tolerance precedence, rotation by
/// `not_after` without a rebuild, and the headers and URL each verifier reads.
@Suite("VerifierFactory")
struct VerifierFactoryTests {
    static let now: Int64 = 1_763_754_847
    static let body = Array(#"{"id":"evt_1","type":"x"}"#.utf8)

    static func integration(_ definition: WebhookDefinition, secrets: [IntegrationSecret] = ["s3cret"], publicKeys: [String] = [],
                            options: IntegrationOptions = IntegrationOptions(),
                            signature: GenericHMACSignatureSettings? = nil) -> Integration {
        Integration(id: "acme", definition: definition.name, secrets: secrets, publicKeys: publicKeys, options: options, signature: signature)
    }

    static func request(_ headers: [(name: String, value: String)], body: [UInt8] = body, now: Int64 = now,
                        url: String = "https://hooks.example.com/webhooks/x/acme") -> InboundRequest {
        InboundRequest(url: url, headers: InboundHeaders(headers), body: body, now: now)
    }

    @Test func buildsAVerifierForEveryBuiltInDefinitionFromMinimalMaterial() throws {
        let discordKey = Hex.encode(try Ed25519PrivateKey.generate().publicKeyRawRepresentation())
        let sendgridKey = Base64.encode(try ECDSAP256PrivateKey.generate().publicKeyDERRepresentation())
        for definition in WebhookDefinition.builtIn {
            let integration: Integration = switch definition.signature {
            case .discord: Self.integration(definition, secrets: [], publicKeys: [discordKey])
            case .sendgrid: Self.integration(definition, secrets: [], publicKeys: [sendgridKey])
            case .standardWebhooks: Self.integration(definition, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
            case .genericHMAC: Self.integration(definition, signature: GenericHMACSignatureSettings(header: "X-Signature"))
            default: Self.integration(definition)
            }
            let verifier = try VerifierFactory().makeVerifier(for: integration, scheme: definition.signature, now: Self.now)
            #expect(verifier.scheme == definition.signature)
            // An unsigned request never passes.
            #expect(verifier.verify(Self.request([("Content-Type", "application/json")])) != nil, "\(definition.name)")
            #expect(verifier.headerNames.allSatisfy { $0 == $0.lowercased() })
        }
    }

    @Test func readsOnlyTheHeadersAndURLItsSchemeNeeds() throws {
        let factory = VerifierFactory()
        let github = try factory.makeVerifier(for: Self.integration(.github), scheme: .githubHMACSHA256, now: Self.now)
        #expect(github.headerNames == ["x-hub-signature-256"])
        #expect(!github.readsURL)
        let legacy = try factory.makeVerifier(for: Self.integration(.github, options: IntegrationOptions(acceptLegacySHA1: true)),
                                              scheme: .githubHMACSHA256, now: Self.now)
        #expect(legacy.headerNames == ["x-hub-signature-256", "x-hub-signature"])
        #expect(try factory.makeVerifier(for: Self.integration(.twilio), scheme: .twilio, now: Self.now).readsURL)
        #expect(try factory.makeVerifier(for: Self.integration(.hubspot), scheme: .hubspotV3, now: Self.now).readsURL)
        let square = Self.integration(.square, options: IntegrationOptions(notificationURL: "https://hooks.example.com/sq"))
        #expect(try !factory.makeVerifier(for: square, scheme: .square, now: Self.now).readsURL)
        let okta = try factory.makeVerifier(for: Self.integration(.okta, options: IntegrationOptions(headerName: "X-Okta-Secret")),
                                            scheme: .okta, now: Self.now)
        #expect(okta.headerNames == ["x-okta-secret"])
        #expect(okta.verify(Self.request([("X-Okta-Secret", "s3cret")])) == nil)
        #expect(okta.verify(Self.request([("Authorization", "s3cret")]))?.reason == .signatureMissing)
        let generic = try factory.makeVerifier(
            for: Self.integration(.genericHMAC, signature: GenericHMACSignatureSettings(
                header: "X-Sig", signed: "{method} {url} {id}.{timestamp}.{body}", headers: ["id": "X-Delivery"],
                timestampHeader: "X-Time")),
            scheme: .genericHMAC, now: Self.now)
        #expect(generic.headerNames == ["x-sig", "x-time", "x-delivery"])
        #expect(generic.readsURL)
    }

    /// Paddle's own default is 5 s; the receiver-wide default overrides it; the integration's option overrides both.
    @Test func resolvesTheToleranceIntegrationFirstThenReceiverThenProvider() throws {
        let key = try PaddleSignature.key(secret: "s3cret")
        let tenSecondsOld = Self.request([(PaddleSignature.signatureHeader, try PaddleSignature.headerValue(timestamp: Self.now - 10, body: Self.body, key: key))])
        func verdict(_ options: IntegrationOptions, _ factory: VerifierFactory) throws -> SignatureRejection? {
            try factory.makeVerifier(for: Self.integration(.paddle, options: options), scheme: .paddle, now: Self.now).verify(tenSecondsOld)
        }
        #expect(try verdict(IntegrationOptions(), VerifierFactory())?.reason == .timestampOutOfTolerance)
        #expect(try verdict(IntegrationOptions(), VerifierFactory(defaultToleranceSeconds: 60)) == nil)
        #expect(try verdict(IntegrationOptions(toleranceSeconds: 3), VerifierFactory(defaultToleranceSeconds: 60))?.reason == .timestampOutOfTolerance)
        #expect(try verdict(IntegrationOptions(toleranceSeconds: 30), VerifierFactory()) == nil)
    }

    @Test func turnsSendGridsTimestampCheckOffWithZero() throws {
        let privateKey = try ECDSAP256PrivateKey.generate()
        let integration = { (options: IntegrationOptions) in
            Self.integration(.sendgrid, secrets: [], publicKeys: [Base64.encode(try! privateKey.publicKeyDERRepresentation())], options: options)
        }
        let dayOld = Self.request(try SendGridVerifier.headers(timestamp: String(Self.now - 86_400), body: Self.body, privateKey: privateKey))
        #expect(try VerifierFactory().makeVerifier(for: integration(IntegrationOptions()), scheme: .sendgrid, now: Self.now)
            .verify(dayOld)?.reason == .timestampOutOfTolerance)
        #expect(try VerifierFactory().makeVerifier(for: integration(IntegrationOptions(toleranceSeconds: 0)), scheme: .sendgrid, now: Self.now)
            .verify(dayOld) == nil)
    }

    /// A secret with `not_after` passes up to that second and fails after it, in the same verifier.
    @Test func acceptsARotatedSecretUntilItsNotAfterThenRefusesIt() throws {
        let end = Self.now + 60
        let integration = Self.integration(.github, secrets: ["current", IntegrationSecret("previous", notAfter: end),
                                                             IntegrationSecret("long-gone", notAfter: Self.now - 1)])
        let verifier = try VerifierFactory().makeVerifier(for: integration, scheme: .githubHMACSHA256, now: Self.now)
        func signed(_ secret: String, at now: Int64) throws -> InboundRequest {
            Self.request([(GitHubSignature.headerName, try GitHubSignature.headerValue(body: Self.body, key: GitHubSignature.key(secret: secret)))], now: now)
        }
        #expect(verifier.verify(try signed("previous", at: Self.now)) == nil)
        #expect(verifier.verify(try signed("previous", at: end)) == nil)
        #expect(verifier.verify(try signed("previous", at: end + 1))?.reason == .signatureMismatch)
        #expect(verifier.verify(try signed("current", at: end + 1)) == nil)
        #expect(verifier.verify(try signed("long-gone", at: Self.now))?.reason == .signatureMismatch)
    }

    @Test func refusesEverythingOnceEverySecretExpired() throws {
        let integration = Self.integration(.github, secrets: [IntegrationSecret("s3cret-a", notAfter: Self.now + 5)])
        let verifier = try VerifierFactory().makeVerifier(for: integration, scheme: .githubHMACSHA256, now: Self.now)
        let request = Self.request([(GitHubSignature.headerName, try GitHubSignature.headerValue(body: Self.body, key: GitHubSignature.key(secret: "s3cret-a")))],
                                   now: Self.now + 6)
        let rejection = verifier.verify(request)
        #expect(rejection?.reason == .signatureMismatch)
        #expect(rejection?.message.contains("not_after") == true)
        #expect(rejection?.message.contains("s3cret-a") == false)
    }

    @Test func keepsOneMailgunReplayCachePerVerifier() throws {
        let verifier = try VerifierFactory().makeVerifier(for: Self.integration(.mailgun), scheme: .mailgun, now: Self.now)
        let signature = try MailgunVerifier.signature(timestamp: String(Self.now), token: "token-1", signingKey: "s3cret")
        let body = Array(#"{"signature":{"timestamp":"\#(Self.now)","token":"token-1","signature":"\#(signature)"},"event-data":{"id":"e","event":"delivered"}}"#.utf8)
        #expect(verifier.verify(Self.request([], body: body)) == nil)
        #expect(verifier.verify(Self.request([], body: body))?.reason == .replayed)
    }

    @Test func combinesGitLabsSecretAndSigningTokens() throws {
        let signingToken = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let integration = Self.integration(.gitlab, secrets: ["token"], options: IntegrationOptions(signingTokens: [signingToken]))
        let verifier = try VerifierFactory().makeVerifier(for: integration, scheme: .gitlabToken, now: Self.now)
        let signed = try StandardWebhooksSignature.headers(id: "d", timestamp: Self.now, body: Self.body, key: StandardWebhooksSignature.key(secret: signingToken))
        #expect(verifier.verify(Self.request(signed + [("X-Gitlab-Token", "token")])) == nil)
        #expect(verifier.verify(Self.request(signed))?.reason == .signatureMissing)
        #expect(verifier.verify(Self.request([("X-Gitlab-Token", "token")]))?.reason == .signatureMissing)
    }

    @Test(arguments: [
        (GenericHMACSignatureSettings(header: "X-S", signed: "{timestamp}"), "signature.signed"),
        (GenericHMACSignatureSettings(algorithm: "md5", header: "X-S"), "signature.algorithm must be one of sha1, sha256, sha512"),
        (GenericHMACSignatureSettings(encoding: "hex32", header: "X-S"), "signature.encoding"),
        (GenericHMACSignatureSettings(header: "X S"), "signature.header"),
        (GenericHMACSignatureSettings(header: "X-S", timestampUnit: "h"), "signature.timestamp_unit"),
        (GenericHMACSignatureSettings(header: "X-S", toleranceSeconds: 60), "signature.tolerance_seconds"),
    ])
    func namesTheKeyOfAnInvalidGenericSignatureBlock(settings: GenericHMACSignatureSettings, expected: String) {
        #expect {
            try VerifierFactory().makeVerifier(for: Self.integration(.genericHMAC, signature: settings), scheme: .genericHMAC, now: Self.now)
        } throws: { error in
            (error as? SignatureError)?.reason.hasPrefix(expected) == true
        }
    }

    @Test func namesThePositionOfAnUnusableKeyNeverItsText() {
        let integration = Self.integration(.standardWebhooks, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not*base64!"])
        #expect {
            try VerifierFactory().makeVerifier(for: integration, scheme: .standardWebhooks, now: Self.now)
        } throws: { error in
            let reason = (error as? SignatureError)?.reason ?? ""
            return reason.contains("#2") && !reason.contains("not*base64")
        }
    }
}
