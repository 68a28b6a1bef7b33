import InletCrypto
import InletSignatures
import Testing

@Suite("GitHubSignature")
struct GitHubSignatureTests {
    /// GitHub's documented example: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    static let documentedSecret = "It's a Secret to Everybody"
    static let documentedBody = Array("Hello, World!".utf8)
    static let documentedHeader = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    @Test func signsGitHubsDocumentedExample() throws {
        let key = try GitHubSignature.key(secret: Self.documentedSecret)
        #expect(try GitHubSignature.headerValue(body: Self.documentedBody, key: key) == Self.documentedHeader)
    }

    @Test func acceptsGitHubsDocumentedExample() throws {
        let key = try GitHubSignature.key(secret: Self.documentedSecret)
        #expect(GitHubSignature.verify(headerValue: Self.documentedHeader[...], body: Self.documentedBody, keys: [key]) == nil)
    }

    @Test func acceptsUpperCaseHexDigits() throws {
        let key = try GitHubSignature.key(secret: Self.documentedSecret)
        let upper = "sha256=" + Self.documentedHeader.dropFirst(7).uppercased()
        #expect(GitHubSignature.verify(headerValue: upper[...], body: Self.documentedBody, keys: [key]) == nil)
    }

    @Test func rejectsAWrongSecret() throws {
        let key = try GitHubSignature.key(secret: "not the secret")
        let rejection = GitHubSignature.verify(headerValue: Self.documentedHeader[...], body: Self.documentedBody, keys: [key])
        #expect(rejection?.reason == .signatureMismatch)
    }

    @Test func rejectsAnAlteredBody() throws {
        let key = try GitHubSignature.key(secret: Self.documentedSecret)
        let rejection = GitHubSignature.verify(headerValue: Self.documentedHeader[...], body: Array("Hello, World?".utf8), keys: [key])
        #expect(rejection?.reason == .signatureMismatch)
    }

    @Test func rejectsAMissingHeader() throws {
        let key = try GitHubSignature.key(secret: Self.documentedSecret)
        #expect(GitHubSignature.verify(headerValue: nil, body: Self.documentedBody, keys: [key])?.reason == .signatureMissing)
    }

    @Test(arguments: [
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",  // no prefix
        "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",  // 63 digits
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1z",
        "sha256=",
        "",
    ])
    func rejectsAMalformedHeader(value: String) throws {
        let key = try GitHubSignature.key(secret: Self.documentedSecret)
        #expect(GitHubSignature.verify(headerValue: value[...], body: Self.documentedBody, keys: [key])?.reason == .signatureMalformed)
    }

    @Test func signsTheLegacySHA1HeaderGitHubStillSends() throws {
        // HMAC-SHA1("It's a Secret to Everybody", "Hello, World!"), computed with `openssl dgst -sha1 -hmac`.
        let key = try GitHubSignature.legacyKey(secret: Self.documentedSecret)
        let value = try GitHubSignature.legacyHeaderValue(body: Self.documentedBody, key: key)
        #expect(value == "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59")
        #expect(GitHubSignature.verify(headerValue: value[...], body: Self.documentedBody,
                                       keys: [try GitHubSignature.key(secret: Self.documentedSecret)])?.reason == .signatureMalformed)
    }

    @Test func acceptsAnySecretDuringRotation() throws {
        let old = try GitHubSignature.key(secret: "previous secret")
        let current = try GitHubSignature.key(secret: Self.documentedSecret)
        #expect(GitHubSignature.verify(headerValue: Self.documentedHeader[...], body: Self.documentedBody, keys: [old, current]) == nil)
        #expect(GitHubSignature.verify(headerValue: Self.documentedHeader[...], body: Self.documentedBody, keys: [current, old]) == nil)
        #expect(GitHubSignature.verify(headerValue: Self.documentedHeader[...], body: Self.documentedBody, keys: [old])?.reason == .signatureMismatch)
    }
}
