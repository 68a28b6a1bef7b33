import Foundation
import InletCore

/// What ``IntegrationStore/importIntegrations(_:sealer:)`` did.
public struct IntegrationImportReport: Sendable, Hashable {
    /// Integrations added, in file order.
    public var added: [String]
    /// Integrations left alone because one with the same id exists (its secrets are not compared or changed).
    public var skipped: [String]
}

extension IntegrationStore {
    /// Seeds the store from integrations read from a file (`ConfigurationFiles.integrations(at:definitions:)` reads
    /// `deploy/local/integrations.yaml`), in one transaction: each one whose id is new is added; existing ids are
    /// skipped, so importing twice changes nothing.
    ///
    /// Everything secret is sealed: `secrets` (with their `not_after`), then GitLab's `options.secret_tokens` (secret
    /// tokens like `secrets`, so they are stored as secrets after them) and `options.signing_tokens`. The rest
    /// becomes the settings. So the integrations the catalog loads verify exactly what the file's did.
    public func importIntegrations(_ integrations: [Integration], sealer: SecretSealer) async throws -> IntegrationImportReport {
        let prepared = try integrations.map { integration throws(IntegrationsError) in
            (NewIntegration(of: integration), try Self.material(of: integration))
        }
        return try await write("import integrations") { transaction in
            var report = IntegrationImportReport(added: [], skipped: [])
            for (integration, material) in prepared {
                let operation = "import integration \(integration.id)"
                if try await insert(integration, material: material, sealer: sealer, operation: operation, transaction) {
                    report.added.append(integration.id)
                } else {
                    report.skipped.append(integration.id)
                }
            }
            return report
        }
    }

    /// The secrets of a file entry, in the order they are listed.
    static func material(of integration: Integration) throws(IntegrationsError) -> [SecretToSeal] {
        var material: [SecretToSeal] = []
        func add(_ value: String, _ kind: SecretKind, notAfter: Int64?, key: String) throws(IntegrationsError) {
            do throws(IntegrationsError) {
                material.append(SecretToSeal(kind: kind, value: try WebhookSecret(value),
                                             notAfter: notAfter.map { Date(timeIntervalSince1970: TimeInterval($0)) }))
            } catch {
                throw IntegrationsError(error.code, "\(key): \(error.reason)", operation: "import integration \(integration.id)")
            }
        }
        for (index, secret) in integration.secretEntries.enumerated() {
            try add(secret.value, .secret, notAfter: secret.notAfter, key: "secrets[\(index)]")
        }
        for (index, token) in (integration.options.secretTokens ?? []).enumerated() {
            try add(token, .secret, notAfter: nil, key: "options.secret_tokens[\(index)]")
        }
        for (index, token) in (integration.options.signingTokens ?? []).enumerated() {
            try add(token, .signingToken, notAfter: nil, key: "options.signing_tokens[\(index)]")
        }
        return material
    }
}
