import Hummingbird
import InletCore

/// Everything the receiver needs to accept a delivery through one integration, prepared at start-up.
struct IntegrationRoute: Sendable {
    let integration: Integration
    let definition: WebhookDefinition
    let verifier: SignatureVerifier
    let metadata: DeliveryMetadataExtractor
}

/// Finds the route for `POST /webhooks/<definition>/<integration>`.
struct IntegrationDirectory: Sendable {
    private let routes: [String: IntegrationRoute]
    private let registry: DefinitionRegistry

    /// - Throws: ``ReceiverError`` when an integration names an unknown definition or has a secret its scheme cannot
    ///   use.
    init(integrations: [Integration], registry: DefinitionRegistry, toleranceSeconds: Int64) throws(ReceiverError) {
        var routes: [String: IntegrationRoute] = [:]
        for integration in integrations {
            guard let definition = registry.definitions[integration.definition] else {
                throw ReceiverError(.unknownDefinition, "integration '\(integration.id)' names definition '\(integration.definition)', which is not registered")
            }
            guard routes[integration.id] == nil else {
                throw ReceiverError(.invalidConfiguration, "integration id '\(integration.id)' is configured twice")
            }
            let verifier = try SignatureVerifier(scheme: definition.signature, secrets: integration.secrets,
                                                 integrationID: integration.id, toleranceSeconds: toleranceSeconds)
            routes[integration.id] = IntegrationRoute(
                integration: integration, definition: definition, verifier: verifier,
                metadata: DeliveryMetadataExtractor(definition: definition))
        }
        self.routes = routes
        self.registry = registry
    }

    /// The route, or the 404 rejection that explains which part of the URL is unknown.
    func route(definition: Substring, integration: Substring) -> Result<IntegrationRoute, WebhookRejection> {
        guard let route = routes[String(integration)], route.definition.name.rawValue == definition else {
            if registry[String(definition)] == nil {
                return .failure(WebhookRejection(.unknownDefinition, "no webhook definition named '\(Self.clip(definition))' is registered"))
            }
            return .failure(WebhookRejection(.unknownIntegration, "no integration '\(Self.clip(integration))' is configured for definition '\(Self.clip(definition))'"))
        }
        guard route.integration.enabled else {
            return .failure(WebhookRejection(.integrationDisabled, "integration '\(route.integration.id)' is disabled"))
        }
        return .success(route)
    }

    /// Echoes at most 64 characters of a URL segment back to the sender.
    private static func clip(_ text: Substring) -> String { String(text.prefix(64)) }
}
