import Foundation
import InletSignatures
import Testing

/// One request from Tests/Fixtures/signatures/other-vectors.json (made by generate_other_vectors.py with the
/// providers' own libraries).
struct OtherProviderVector: Decodable, Sendable, CustomTestStringConvertible {
    struct Config: Decodable, Sendable {
        var secrets: [String]?
        var secretTokens: [String]?
        var signingTokens: [String]?
        var authTokens: [String]?
        var signatureKeys: [String]?
        var notificationURL: String?
        var signingKeys: [String]?
        var verificationKeys: [String]?
        var publicKeys: [String]?
    }

    struct Request: Decodable, Sendable {
        var method: String
        var url: String
        var headers: [[String]]
        var body: String
        var now: Int64
    }

    var provider: String
    var name: String
    var source: String
    var config: Config
    var request: Request
    var expected: String

    var testDescription: String { "\(provider): \(name)" }

    static let fileURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/signatures/other-vectors.json")

    static let loaded: Result<[OtherProviderVector], any Error> = Result {
        struct File: Decodable { var vectors: [OtherProviderVector] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: fileURL)).vectors
    }

    static var all: [OtherProviderVector] { (try? loaded.get()) ?? [] }

    func makeVerifier() throws -> any WebhookVerifier {
        switch provider {
        case "standardwebhooks": try StandardWebhooksVerifier(secrets: config.secrets ?? [])
        case "gitlab": try GitLabVerifier(secretTokens: config.secretTokens ?? [], signingTokens: config.signingTokens ?? [])
        case "twilio": try TwilioVerifier(authTokens: config.authTokens ?? [])
        case "square": try SquareVerifier(signatureKeys: config.signatureKeys ?? [], options: .init(notificationURL: config.notificationURL))
        case "mailgun": try MailgunVerifier(signingKeys: config.signingKeys ?? [])
        case "sendgrid": try SendGridVerifier(verificationKeys: config.verificationKeys ?? [])
        case "discord": try DiscordVerifier(publicKeys: config.publicKeys ?? [])
        default: throw SignatureError(.invalidSecret, "the vector file names an unknown provider '\(provider)'")
        }
    }

    var inboundRequest: InboundRequest {
        InboundRequest(method: request.method, url: request.url,
                       headers: InboundHeaders(request.headers.map { (name: $0.first ?? "", value: $0.last ?? "") }),
                       body: Array(request.body.utf8), now: request.now)
    }
}

@Suite("OtherProvider vectors from the providers' libraries")
struct OtherProviderVectorTests {
    @Test("the vector file loads and covers every provider")
    func vectorFileLoads() throws {
        let vectors = try OtherProviderVector.loaded.get()
        #expect(vectors.count >= 38)
        #expect(Set(vectors.map(\.provider)) == ["standardwebhooks", "gitlab", "twilio", "square", "mailgun", "sendgrid", "discord"])
        #expect(vectors.contains { $0.expected == "valid" } && vectors.contains { $0.expected != "valid" })
    }

    @Test("each vector gets the library's verdict", arguments: OtherProviderVector.all)
    func vectorVerdict(_ vector: OtherProviderVector) throws {
        let rejection = try vector.makeVerifier().verify(vector.inboundRequest)
        if vector.expected == "valid" {
            #expect(rejection == nil, "\(vector.source)")
        } else {
            #expect(rejection?.reason.rawValue == vector.expected, "\(vector.source)")
        }
    }

    @Test("the documented Twilio example signs to Twilio's published value")
    func twilioDocumentedExampleSigns() throws {
        let parameters = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
                          ("From", "+12349013030"), ("To", "+18005551212")].map { (name: $0.0, value: $0.1) }
        #expect(try TwilioVerifier.signature(url: "https://mycompany.com/myapp.php?foo=1&bar=2", parameters: parameters,
                                             authToken: "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    }

    @Test("the signing helpers reproduce the library-made symmetric vectors")
    func signingHelpersMatchVectors() throws {
        let vectors = try OtherProviderVector.loaded.get()
        let square = try #require(vectors.first { $0.provider == "square" && $0.expected == "valid" })
        let squareKey = try SquareVerifier.key(signatureKey: try #require(square.config.signatureKeys?.first))
        #expect(try SquareVerifier.headerValue(notificationURL: square.request.url, body: Array(square.request.body.utf8), key: squareKey)
                == square.inboundRequest.headers[SquareVerifier.signatureHeader].map(String.init))

        let mailgun = try #require(vectors.first { $0.provider == "mailgun" && $0.expected == "valid" })
        struct MailgunBody: Decodable { var signature: [String: String] }
        let block = try JSONDecoder().decode(MailgunBody.self, from: Data(mailgun.request.body.utf8)).signature
        #expect(try MailgunVerifier.signature(timestamp: block["timestamp"] ?? "", token: block["token"] ?? "",
                                              signingKey: try #require(mailgun.config.signingKeys?.first)) == block["signature"])

        let twilioJSON = try #require(vectors.first { $0.provider == "twilio" && $0.name == "JSON body with bodySHA256" })
        let base = String(twilioJSON.request.url.prefix { $0 != "?" })
        let rebuilt = try TwilioVerifier.urlWithBodyHash(base, body: Array(twilioJSON.request.body.utf8))
        #expect(rebuilt == twilioJSON.request.url)
        #expect(try TwilioVerifier.signature(url: rebuilt, authToken: try #require(twilioJSON.config.authTokens?.first))
                == twilioJSON.inboundRequest.headers[TwilioVerifier.signatureHeader].map(String.init))
    }
}
