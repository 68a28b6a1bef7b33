import HTTPTypes
import Hummingbird
import InletCore
import InletSignatures
import Synchronization

/// Everything the receiver needs to accept a delivery through one integration, prepared at start-up: the
/// integration's verifier (keys parsed, replay caches created), its handshake responders, and how its deliveries are
/// read (one per request, or a batch to split).
///
/// A class: a request carries its route from the checks before the body to the answer, and a struct of a dozen
/// references cost a retain and a release of each on every copy.
final class IntegrationRoute: Sendable {
    let integration: Integration
    /// The definition as this integration uses it (`generic-hmac` with the integration's `metadata:` applied).
    let definition: WebhookDefinition
    let verifier: IntegrationVerifier
    let handshakes: HandshakeResponders
    /// Whether any responder runs before verification; those requests skip the content-type check until they ran.
    let answersHandshakesFirst: Bool
    let answersHandshakesAfterVerification: Bool
    /// Whether a `GET` can be a handshake here (Okta, Microsoft Graph, Dropbox-style challenges); otherwise 404.
    let answersGET: Bool
    let reading: DeliveryReading
    /// The headers copied into ``InboundRequest``: what the verifier and the responders read, nothing else.
    private let inboundHeaderNames: [HTTPField.Name]
    /// Whether ``InboundRequest/url`` is needed (URL-signing schemes, query-string handshakes).
    private let readsURL: Bool
    /// `Content-Type` of the record: the canonical media type of the definition's body encoding.
    let recordContentType: String

    /// How a verified request becomes deliveries.
    enum DeliveryReading: Sendable {
        case single(DeliveryMetadataExtractor)
        case batch(BatchItemsExtractor)
    }

    /// - Throws: ``ReceiverError`` naming the integration (never a secret) when its material does not fit the scheme.
    init(integration: Integration, definition registered: WebhookDefinition, factory: VerifierFactory, now: Int64) throws(ReceiverError) {
        let id = integration.id
        var definition = registered
        if registered.signature == .genericHMAC {
            do {
                definition = try GenericHMACSources(options: integration.metadata ?? [:]).definition(from: registered)
            } catch {
                throw ReceiverError(.invalidConfiguration, "integration '\(id)', metadata: \(error.reason)")
            }
        }
        do {
            verifier = try factory.makeVerifier(for: integration, scheme: definition.signature, now: now)
            // Zoom's responder signs with the current secret; with none left, verification refuses every request anyway.
            let active = integration.activeSecrets(at: now)
            handshakes = try HandshakeResponders(kinds: definition.handshakes, secrets: active.isEmpty ? integration.secrets : active)
        } catch {
            throw ReceiverError(error.code == .invalidSecret ? .invalidSecret : .cryptoFailure,
                                "integration '\(id)': \(error.reason)")
        }
        self.integration = integration
        self.definition = definition
        answersHandshakesFirst = handshakes.hasResponders(in: .beforeVerification)
        answersHandshakesAfterVerification = handshakes.hasResponders(in: .afterVerification)
        answersGET = definition.handshakes.contains(where: \.mayArriveAsGET)
        reading = definition.batch.map { .batch(BatchItemsExtractor(layout: $0)) } ?? .single(DeliveryMetadataExtractor(definition: definition))
        var names: [HTTPField.Name] = []
        for name in verifier.headerNames + definition.handshakes.flatMap(\.headerNames) {
            if let parsed = HTTPField.Name(name), !names.contains(parsed) { names.append(parsed) }
        }
        inboundHeaderNames = names
        readsURL = verifier.readsURL || definition.handshakes.contains(where: \.readsURL)
        recordContentType = definition.bodyEncoding.mediaType
    }

    /// The request as `InletSignatures` sees it, built cheaply: only the headers the verifier and responders read,
    /// and the URL only when they need it (`publicBaseURL` + the path and query as received).
    func inboundRequest(_ request: Request, body: [UInt8], now: Int64, publicBaseURL: String) -> InboundRequest {
        var fields: [(name: String, value: String)] = []
        if !inboundHeaderNames.isEmpty {
            for field in request.headers where inboundHeaderNames.contains(field.name) {
                fields.append((field.name.canonicalName, field.value))
            }
        }
        let url = readsURL ? publicBaseURL + (request.head.path ?? "/") : ""
        return InboundRequest(method: request.method.rawValue, url: url, headers: InboundHeaders(fields), body: body, now: now)
    }
}

/// Finds the route for `/webhooks/<definition>/<integration>`.
struct IntegrationDirectory: Sendable {
    private let routes: [String: IntegrationRoute]
    private let registry: DefinitionRegistry

    /// - Parameters:
    ///   - factory: builds each integration's verifier (tolerance defaults).
    ///   - now: Unix seconds; secrets past their `not_after` at this time are left out from the start.
    /// - Throws: ``ReceiverError`` when an integration names an unknown definition, repeats an id, or has material
    ///   its scheme cannot use.
    init(integrations: [Integration], registry: DefinitionRegistry, factory: VerifierFactory = VerifierFactory(),
         now: Int64 = ReceiverHealth.unixSeconds()) throws(ReceiverError) {
        var routes: [String: IntegrationRoute] = [:]
        for integration in integrations {
            guard let definition = registry.definitions[integration.definition] else {
                throw ReceiverError(.unknownDefinition, "integration '\(integration.id)' names definition '\(integration.definition)', which is not registered")
            }
            guard routes[integration.id] == nil else {
                throw ReceiverError(.invalidConfiguration, "integration id '\(integration.id)' is configured twice")
            }
            routes[integration.id] = try IntegrationRoute(integration: integration, definition: definition, factory: factory, now: now)
        }
        self.routes = routes
        self.registry = registry
    }

    /// Ids of the integrations whose signatures cover the URL the provider called (Twilio, HubSpot, Square…), sorted.
    /// How many integrations (enabled or not) the directory routes to, for `/readyz`.
    var count: Int { routes.count }

    var integrationsReadingTheURL: [String] { routes.values.filter(\.verifier.readsURL).map(\.integration.id).sorted() }

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

extension HandshakeKind {
    /// Whether the provider may send this handshake as a `GET` (the receiver then routes `GET` to the integration).
    var mayArriveAsGET: Bool {
        switch self {
        case .oktaVerification, .challengeQueryEcho, .graphValidationToken: true
        case .slackURLVerification, .slackSSLCheck, .zoomURLValidation, .discordPing: false
        }
    }

    /// Whether its responder reads the query string.
    var readsURL: Bool { self == .graphValidationToken || self == .challengeQueryEcho }

    /// Headers its responder reads.
    var headerNames: [String] { self == .oktaVerification ? [OktaVerificationResponder.headerName] : [] }
}

extension BodyEncoding {
    /// The media type requests must carry and records are labelled with (`content-type` of the envelope).
    var mediaType: String {
        switch self {
        case .json: "application/json"
        case .formURLEncoded: "application/x-www-form-urlencoded"
        }
    }
}

/// The receiver's current ``IntegrationDirectory``, replaceable while requests are served: integrations kept in
/// PostgreSQL (`InletIntegrations`) change at run time, and the catalog's poller hands each new snapshot to
/// ``ReceiverService/replaceIntegrations(_:)``. A request reads the directory once, under a lock held only for that
/// read, so a swap never blocks behind a request and a request never sees half a snapshot.
final class LiveIntegrationDirectory: Sendable {
    private let current: Mutex<IntegrationDirectory>
    private let registry: DefinitionRegistry
    private let factory: VerifierFactory

    init(_ directory: IntegrationDirectory, registry: DefinitionRegistry, factory: VerifierFactory) {
        current = Mutex(directory)
        self.registry = registry
        self.factory = factory
    }

    var directory: IntegrationDirectory { current.withLock { $0 } }

    /// Builds a directory from `integrations` and swaps it in; on error the current one stays.
    /// - Returns: the new directory.
    @discardableResult
    func replace(with integrations: [Integration]) throws(ReceiverError) -> IntegrationDirectory {
        let next = try IntegrationDirectory(integrations: integrations, registry: registry, factory: factory)
        current.withLock { $0 = next }
        return next
    }
}
