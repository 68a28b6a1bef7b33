/// Logging metadata keys of `InletIntegrations`, in one place. No value logged under them is ever a secret.
enum IntegrationsLogKeys {
    static let version = "integrations.version"
    static let previousVersion = "integrations.previous_version"
    static let count = "integrations.count"
    static let reason = "integrations.reason"
    static let failures = "integrations.consecutive_failures"
    static let error = "error"
}
