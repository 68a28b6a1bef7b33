import Foundation
import InletCore
import Testing

/// The integrations file as the verifier factory reads it: secrets with `not_after`, public keys, options, the
/// generic-hmac blocks and the filter; every bad value named by file and key, and nothing secret printed.
@Suite("Integration file (verifier material)")
struct VerifierFactoryIntegrationFileTests {
    func load(_ yaml: String) throws -> [Integration] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-receiver-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ConfigurationFiles.integrations(at: path, definitions: DefinitionRegistry())
    }

    /// The reason of the `InletCoreError` loading `yaml` throws, or nil when it loads.
    func reason(_ yaml: String) -> String? {
        do {
            _ = try load(yaml)
            return nil
        } catch let error as InletCoreError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    @Test func readsEveryKey() throws {
        let integrations = try load("""
            integrations:
              - id: acme-stripe
                definition: stripe
                secrets:
                  - whsec_current
                  - { value: whsec_previous, not_after: "2026-12-01T00:00:00Z" }
                options: { tolerance_seconds: 600 }
                filter: "payload.livemode == true"
              - id: acme-sendgrid
                definition: sendgrid
                public_keys: ["MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"]
                options: { tolerance_seconds: 0 }
              - id: acme-generic
                definition: generic-hmac
                secrets: [s3cr3t]
                signature: { header: X-Acme-Signature, prefix: "sha256=", timestamp_header: X-Acme-Time, signed: "{timestamp}.{body}" }
                metadata: { delivery_id: "header:X-Acme-Delivery", event_name: "body:/event/type" }
                enabled: false
              - id: acme-gitlab
                definition: gitlab
                options: { signing_tokens: ["whsec_AAAA"] }
            """)
        #expect(integrations.map(\.id) == ["acme-stripe", "acme-sendgrid", "acme-generic", "acme-gitlab"])
        let stripe = integrations[0]
        #expect(stripe.secrets == ["whsec_current", "whsec_previous"])
        #expect(stripe.secretEntries[1].notAfter == 1_796_083_200)
        #expect(stripe.activeSecrets(at: 1_796_083_200) == ["whsec_current", "whsec_previous"])
        #expect(stripe.activeSecrets(at: 1_796_083_201) == ["whsec_current"])
        #expect(stripe.options.toleranceSeconds == 600)
        #expect(stripe.filter == "payload.livemode == true")
        #expect(integrations[1].publicKeys.count == 1)
        #expect(integrations[1].secretEntries.isEmpty)
        let generic = integrations[2]
        #expect(generic.signature?.header == "X-Acme-Signature")
        #expect(generic.signature?.timestampHeader == "X-Acme-Time")
        #expect(generic.metadata?["event_name"] == "body:/event/type")
        #expect(!generic.enabled)
        #expect(integrations[3].options.signingTokens == ["whsec_AAAA"])
    }

    @Test func descriptionRedactsEverySecretAndToken() throws {
        let integration = Integration(
            id: "acme", definition: WebhookDefinition.gitlab.name,
            secrets: [IntegrationSecret("token-one"), IntegrationSecret("token-two", notAfter: 0)],
            options: IntegrationOptions(secretTokens: ["token-three"], signingTokens: ["whsec_dG9rZW4tZm91cg=="]))
        let text = "\(integration) \(integration.secretEntries) \(integration.options)"
        for secret in ["token-one", "token-two", "token-three", "whsec_dG9rZW4tZm91cg=="] {
            #expect(!text.contains(secret))
        }
        #expect(text.contains("secrets: 2 redacted"))
        #expect(text.contains("signing_tokens: 1 redacted"))
    }

    @Test func roundTripsThroughJSONInTheFilesShape() throws {
        let integration = Integration(
            id: "acme", definition: WebhookDefinition.square.name,
            secrets: [IntegrationSecret("key-1"), IntegrationSecret("key-0", notAfter: 1_796_083_200)],
            options: IntegrationOptions(notificationURL: "https://hooks.example.com/webhooks/square/acme"),
            filter: "payload.type != 'test'")
        let data = try JSONEncoder().encode(integration)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""not_after":"2026-12-01T00:00:00Z""#))
        #expect(text.contains(#""notification_url""#))
        #expect(try JSONDecoder().decode(Integration.self, from: data) == integration)
    }

    @Test(arguments: [
        // (yaml entry, text the error must contain)
        ("{id: x, definition: github}", "integrations[0].secrets must list"),
        ("{id: x, definition: github, secrets: [a], options: {tolerance_seconds: 5}}", "integrations[0].options.tolerance_seconds does not apply"),
        ("{id: x, definition: stripe, secrets: [a], options: {tolerance_seconds: 0}}", "options.tolerance_seconds must be between 1"),
        ("{id: x, definition: stripe, secrets: [a], options: {tolerence_seconds: 5}}", "unknown option key 'tolerence_seconds'"),
        ("{id: x, definition: stripe, secrets: [{value: a, not_after: tomorrow}]}", "secrets[0].not_after"),
        ("{id: x, definition: stripe, secret: [a]}", "unknown integration key 'secret'"),
        ("{id: x, definition: sendgrid, secrets: [a]}", "secrets is not used by SendGrid"),
        ("{id: x, definition: discord, public_keys: []}", "public_keys must list"),
        ("{id: x, definition: github, secrets: [a], public_keys: [b]}", "public_keys is not used"),
        ("{id: x, definition: generic-hmac, secrets: [a]}", "signature is required"),
        ("{id: x, definition: generic-hmac, secrets: [a], signature: {header: X-S, colour: red}}", "unknown signature option key 'colour'"),
        ("{id: x, definition: generic-hmac, secrets: [a], signature: {header: X-S}, metadata: {delivery: 'header:X'}}", "metadata: metadata key 'delivery'"),
        ("{id: x, definition: stripe, secrets: [a], signature: {header: X-S}}", "signature applies only to generic-hmac"),
        ("{id: x, definition: square, secrets: [a], options: {notification_url: 'ftp://x'}}", "options.notification_url must be"),
        ("{id: x, definition: okta, secrets: [a], options: {header_name: 'Bad Header'}}", "options.header_name must be"),
        ("{id: x, definition: stripe, secrets: [a], filter: '  '}", "filter is empty"),
        ("{id: x, definition: stripe, secrets: ['  ']}", "secrets[0] is empty"),
        ("{id: x, definition: gitlab}", "secret token"),
    ])
    func namesTheFileAndKeyOfABadValue(entry: String, expected: String) {
        let reason = self.reason("integrations:\n  - \(entry)\n")
        #expect(reason?.contains(expected) == true, "\(reason ?? "loaded")")
        #expect(reason?.contains(".yaml") == true)
    }

    @Test(arguments: [
        ("2026-12-01T00:00:00Z", Int64(1_796_083_200)),
        ("2026-12-01T02:00:00+02:00", 1_796_083_200),
        ("2026-11-30T19:00:00.750-05:00", 1_796_083_200),
        ("1970-01-01T00:00:00Z", 0),
        ("2000-02-29T12:00:00Z", 951_825_600),
    ])
    func parsesRFC3339NotAfterTimes(text: String, seconds: Int64) throws {
        let integrations = try load("integrations:\n  - {id: x, definition: stripe, secrets: [{value: a, not_after: \"\(text)\"}]}\n")
        #expect(integrations[0].secretEntries[0].notAfter == seconds)
    }

    @Test(arguments: ["2026-12-01", "2026-12-01T00:00:00", "2026-13-01T00:00:00Z", "2026-12-01T00:00:00+2:00", "2026-12-01T00:00:00Zjunk"])
    func refusesNotAfterTimesThatAreNotRFC3339(text: String) {
        let reason = self.reason("integrations:\n  - {id: x, definition: stripe, secrets: [{value: a, not_after: \"\(text)\"}]}\n")
        #expect(reason?.contains("not_after") == true)
        #expect(reason?.contains("RFC 3339") == true)
    }
}
