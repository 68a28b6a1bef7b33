import Foundation
import InletCrypto
@testable import InletSignatures
import Testing

/// One vector of `Tests/Fixtures/signatures/hmac-vectors.json` (written by `generate_hmac_vectors.py` with the
/// providers' official SDKs where they exist; each vector's `source` says what made it).
struct HMACProviderVector: Decodable, Sendable, CustomTestStringConvertible {
    struct Reproduce: Decodable, Sendable {
        var timestamp: Int64?
    }

    var name: String
    var provider: String
    var source: String
    var secrets: [String]
    var method: String
    var url: String
    var headers: [[String]]
    var body: String
    var now: Int64
    /// "valid", or the raw value of the `SignatureRejection.Reason` expected.
    var expect: String
    /// The official SDK's verdict on this vector, where there is an SDK.
    var sdkAccepts: Bool?
    /// Present when Inlet's signing helper must produce the vector's signature header(s) from `secrets[0]`.
    var reproduce: Reproduce?
    var toleranceSeconds: Int64?
    var acceptLegacySHA1: Bool?
    var genericOptions: GenericHMACOptions?

    enum CodingKeys: String, CodingKey {
        case name, provider, source, secrets, method, url, headers, body, now, expect, reproduce
        case sdkAccepts = "sdk_accepts"
        case toleranceSeconds = "tolerance_seconds"
        case acceptLegacySHA1 = "accept_legacy_sha1"
        case genericOptions = "generic_options"
    }

    var testDescription: String { name }

    var request: InboundRequest {
        InboundRequest(method: method, url: url, headers: InboundHeaders(headers.map { (name: $0[0], value: $0[1]) }),
                       body: Array(body.utf8), now: now)
    }

    func header(_ name: String) -> String? {
        headers.first { $0[0].lowercased() == name.lowercased() }?[1]
    }

    func verifier() throws -> any WebhookVerifier {
        switch provider {
        case "stripe": try StripeVerifier(secrets: secrets, toleranceSeconds: toleranceSeconds ?? StripeSignature.defaultToleranceSeconds)
        case "slack": try SlackVerifier(secrets: secrets, toleranceSeconds: toleranceSeconds ?? SlackSignature.defaultToleranceSeconds)
        case "shopify": try ShopifyVerifier(secrets: secrets)
        case "linear": try LinearVerifier(secrets: secrets, toleranceSeconds: toleranceSeconds ?? LinearSignature.defaultToleranceSeconds)
        case "hubspot": try HubSpotVerifier(secrets: secrets, toleranceSeconds: toleranceSeconds ?? HubSpotSignature.defaultToleranceSeconds)
        case "zoom": try ZoomVerifier(secrets: secrets, toleranceSeconds: toleranceSeconds ?? ZoomSignature.defaultToleranceSeconds)
        case "intercom": try IntercomVerifier(secrets: secrets)
        case "paddle": try PaddleVerifier(secrets: secrets, toleranceSeconds: toleranceSeconds ?? PaddleSignature.defaultToleranceSeconds)
        case "jira": try JiraVerifier(secrets: secrets)
        case "bitbucket": try BitbucketVerifier(secrets: secrets)
        case "github": try GitHubVerifier(secrets: secrets, acceptLegacySHA1: acceptLegacySHA1 ?? false)
        case "generic":
            try GenericHMACVerifier(secrets: secrets, options: try #require(genericOptions, "generic vectors carry their options"))
        default: throw VectorError(description: "no verifier for provider '\(provider)'")
        }
    }

    /// The signature headers Inlet's signing helper produces for this vector's request, as (name, value) pairs in
    /// the order the helper returns them.
    func signedHeaders(timestamp: Int64?) throws -> [(name: String, value: String)] {
        let body = Array(body.utf8)
        let secret = secrets[0]
        switch provider {
        case "stripe":
            return [(StripeSignature.signatureHeader, try StripeSignature.headerValue(timestamp: try #require(timestamp), body: body, key: try StripeSignature.key(secret: secret)))]
        case "slack":
            return try SlackSignature.headers(timestamp: try #require(timestamp), body: body, key: try SlackSignature.key(secret: secret))
        case "zoom":
            return try ZoomSignature.headers(timestamp: try #require(timestamp), body: body, key: try ZoomSignature.key(secret: secret))
        case "hubspot":
            return try HubSpotSignature.headers(method: method, url: url, body: body, timestamp: try #require(timestamp), key: try HubSpotSignature.key(secret: secret))
        case "paddle":
            return [(PaddleSignature.signatureHeader, try PaddleSignature.headerValue(timestamp: try #require(timestamp), body: body, key: try PaddleSignature.key(secret: secret)))]
        case "github":
            var headers = [(GitHubSignature.headerName, try GitHubSignature.headerValue(body: body, key: try GitHubSignature.key(secret: secret)))]
            if header(GitHubSignature.legacyHeaderName) != nil {
                headers.append((GitHubSignature.legacyHeaderName, try GitHubSignature.legacyHeaderValue(body: body, key: try GitHubSignature.legacyKey(secret: secret))))
            }
            return headers
        case "shopify":
            return [(ShopifySignature.signatureHeader, try ShopifySignature.headerValue(body: body, key: try ShopifySignature.key(secret: secret)))]
        case "linear":
            return [(LinearSignature.signatureHeader, try LinearSignature.headerValue(body: body, key: try LinearSignature.key(secret: secret)))]
        case "intercom":
            return [(IntercomSignature.signatureHeader, try IntercomSignature.headerValue(body: body, key: try IntercomSignature.key(secret: secret)))]
        case "jira":
            return [(JiraSignature.signatureHeader, try JiraSignature.headerValue(body: body, key: try JiraSignature.key(secret: secret)))]
        case "bitbucket":
            return [(BitbucketSignature.signatureHeader, try BitbucketSignature.headerValue(body: body, key: try BitbucketSignature.key(secret: secret)))]
        default:
            throw VectorError(description: "no signing helper for provider '\(provider)'")
        }
    }

    struct VectorError: Error, CustomStringConvertible {
        var description: String
    }
}

@Suite("HMAC provider vectors (official SDKs and published examples)")
struct HMACProviderVectorTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/signatures/hmac-vectors.json")

    struct File: Decodable {
        var libraries: [String: String]
        var vectors: [HMACProviderVector]
    }

    /// The vectors, or none when the file cannot be read (``fixtureLoadsWithEveryProvider`` then fails and says why).
    static let vectors: [HMACProviderVector] = (try? load().vectors) ?? []

    static func load() throws -> File {
        try JSONDecoder().decode(File.self, from: Data(contentsOf: fixture))
    }

    @Test func fixtureLoadsWithEveryProvider() throws {
        let file = try Self.load()
        #expect(Set(file.vectors.map(\.provider)) == ["stripe", "slack", "shopify", "linear", "hubspot", "zoom", "intercom",
                                                      "paddle", "jira", "bitbucket", "github", "generic"])
        #expect(file.libraries.keys.sorted() == ["hubspot-api-client", "paddle-python-sdk", "slack-sdk", "stripe"])
        #expect(file.vectors.count >= 40)
    }

    @Test(arguments: vectors)
    func verdictMatchesTheProvidersRule(_ vector: HMACProviderVector) throws {
        let rejection = try vector.verifier().verify(vector.request)
        if vector.expect == "valid" {
            #expect(rejection == nil, "\(vector.source): \(rejection.map(String.init(describing:)) ?? "")")
        } else {
            #expect(rejection?.reason.rawValue == vector.expect, "\(vector.source): got \(rejection.map(String.init(describing:)) ?? "nil (accepted)")")
        }
    }

    @Test(arguments: vectors.filter { $0.reproduce != nil })
    func signingHelperReproducesTheProvidersHeaders(_ vector: HMACProviderVector) throws {
        let produced = try vector.signedHeaders(timestamp: vector.reproduce?.timestamp)
        #expect(!produced.isEmpty)
        for (name, value) in produced {
            #expect(vector.header(name) == value, "\(name) from Inlet's helper differs from \(vector.source)")
        }
    }

    @Test(arguments: vectors.filter { $0.sdkAccepts != nil })
    func officialSDKAndInletAgree(_ vector: HMACProviderVector) throws {
        // Where an official SDK judged the vector, Inlet reaches the same yes or no.
        let accepted = try vector.verifier().verify(vector.request) == nil
        #expect(accepted == vector.sdkAccepts, "\(vector.source)")
    }
}
