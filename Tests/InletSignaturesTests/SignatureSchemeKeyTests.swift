import InletCore
import InletCrypto
import InletSignatures
import Testing

@Suite("SignatureScheme.key(secret:)")
struct SignatureSchemeKeyTests {
    @Test func makesTheKeyOfEachScheme() throws {
        let github = try SignatureScheme.githubHMACSHA256.key(secret: GitHubSignatureTests.documentedSecret)
        #expect(try GitHubSignature.headerValue(body: GitHubSignatureTests.documentedBody, key: github) == GitHubSignatureTests.documentedHeader)
        let standard = try SignatureScheme.standardWebhooks.key(secret: StandardWebhooksSignatureTests.secret)
        #expect(try StandardWebhooksSignature.headerValue(
            id: StandardWebhooksSignatureTests.id, timestamp: StandardWebhooksSignatureTests.timestamp,
            body: StandardWebhooksSignatureTests.body, key: standard) == StandardWebhooksSignatureTests.signature)
    }

    @Test func refusesASecretOnlyWhenTheSchemeCannotUseIt() throws {
        _ = try SignatureScheme.githubHMACSHA256.key(secret: "whsec_not base64!")
        #expect(throws: SignatureError.self) { try SignatureScheme.standardWebhooks.key(secret: "whsec_not base64!") }
    }

    @Test func rejectionReasonsAreTheStableSnakeCaseCodes() {
        #expect(SignatureRejection.Reason.allCases.map(\.rawValue)
            == ["signature_missing", "signature_malformed", "signature_mismatch", "timestamp_out_of_tolerance", "replayed"])
        #expect(SignatureRejection(.signatureMismatch, "no match").description == "signature_mismatch: no match")
    }
}
