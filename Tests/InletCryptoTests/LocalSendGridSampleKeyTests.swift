import Foundation
import Testing
@testable import InletCrypto

/// `inlet send sendgrid` signs with deploy/local/samples/sendgrid/private-key.pem, and the local receiver verifies
/// with the `public_keys` of the `local-sendgrid` integration in deploy/local/integrations.yaml: the two must be one
/// key pair.
@Suite("Local SendGrid sample key")
struct LocalSendGridSampleKeyTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The quoted entries of `public_keys: [...]` in the `local-sendgrid` item of the integrations file. Read as text
    /// (this target has no YAML parser): the test fails, rather than passes, if the layout changes.
    static func localSendGridPublicKeys() throws -> [String] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/local/integrations.yaml"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let start = try #require(lines.firstIndex { $0 == "- id: local-sendgrid" }, "no local-sendgrid integration")
        let item = lines[(start + 1)...].prefix { !$0.hasPrefix("- id:") }
        let entry = try #require(item.first { $0.hasPrefix("public_keys:") }, "local-sendgrid has no public_keys")
        return entry.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test("the sample private key is the pair of the local integration's public key")
    func sampleKeyMatchesIntegration() throws {
        let pem = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("deploy/local/samples/sendgrid/private-key.pem"), encoding: .utf8)
        let key = try ECDSAP256PrivateKey(pemRepresentation: pem)
        let configured = try Self.localSendGridPublicKeys()
        #expect(configured.count == 1)
        let publicKey = try #require(configured.first)
        #expect(try Base64.encode(key.publicKeyDERRepresentation()) == publicKey)
        let message = Array("1600112502[{\"event\":\"delivered\"}]".utf8)
        #expect(try ECDSAP256PublicKey(derRepresentation: Base64.decode(publicKey)).isValidSignature(key.signature(for: message), for: message))
    }
}
