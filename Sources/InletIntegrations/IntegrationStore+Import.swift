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
    /// `deploy/local/integrations.yaml`), in one transaction: each one whose id is new is added with its secrets (the
    /// first listed becomes the current one); existing ids are skipped, so importing twice changes nothing.
    public func importIntegrations(_ integrations: [Integration], sealer: SecretSealer) async throws -> IntegrationImportReport {
        let prepared = try integrations.map { integration throws(IntegrationsError) in
            var secrets: [WebhookSecret] = []
            for (index, secret) in integration.secrets.enumerated() {
                do throws(IntegrationsError) {
                    secrets.append(try WebhookSecret(secret))
                } catch {
                    throw IntegrationsError(error.code, error.reason, operation: "import integration \(integration.id), secrets[\(index)]")
                }
            }
            return (NewIntegration(validated: integration), secrets)
        }
        return try await write("import integrations") { transaction in
            var report = IntegrationImportReport(added: [], skipped: [])
            for (integration, secrets) in prepared {
                if try await insert(integration, secrets: secrets, sealer: sealer, transaction) {
                    report.added.append(integration.id)
                } else {
                    report.skipped.append(integration.id)
                }
            }
            return report
        }
    }
}

extension NewIntegration {
    /// From an integration whose id and definition were checked when its file was read.
    init(validated integration: Integration) {
        self.id = integration.id
        self.definition = integration.definition
        self.settings = .empty
        self.filter = nil
        self.status = integration.enabled ? .enabled : .disabled
    }
}
