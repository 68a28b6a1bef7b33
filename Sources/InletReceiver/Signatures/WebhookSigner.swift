import HTTPTypes
import Hummingbird
import InletCore
import InletCrypto
import InletSignatures

/// A webhook request as a provider would send it: path, headers (signature included) and body.
public struct SignedRequest: Sendable {
    /// `/webhooks/<definition>/<integration>`: append it to the receiver's base URL.
    public var path: String
    /// Header names and values in the order the provider sends them.
    public var headers: [(name: String, value: String)]
    /// The body, unchanged: the signature covers these exact bytes.
    public var body: [UInt8]

    /// The headers as `HTTPFields` (for HummingbirdTesting and Hummingbird clients).
    public var httpFields: HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        return fields
    }

    /// The header value for `name` (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Signs webhook bodies the way the definition's provider does, for tests, benchmarks and `inlet send`.
///
/// It sets every header the definition reads (delivery ID, event, variant when they come from headers) and the
/// scheme's signature headers. Fields a definition reads from the body (Standard Webhooks' `type`) must already be
/// in `body`. The HMACs and signature headers come from `InletSignatures` (`GitHubSignature`,
/// `StandardWebhooksSignature`), the same functions the receiver verifies with; this type only builds the request.
///
/// ```swift
/// let signer = try WebhookSigner(integration: integration, registry: registry)
/// let request = try signer.sign(body: Array(json.utf8), event: "pull_request", deliveryID: WebhookSigner.newDeliveryID())
/// // POST request.body to baseURL + request.path with request.headers
/// ```
public struct WebhookSigner: Sendable {
    public let definition: WebhookDefinition
    public let integrationID: String
    private let key: HMACKey
    /// GitHub still sends an HMAC-SHA1 `X-Hub-Signature` beside the SHA-256 one; the receiver ignores it.
    private let legacyGitHubKey: HMACKey?

    /// - Parameter secret: as written in the integrations file (`whsec_<base64>` for Standard Webhooks).
    /// - Throws: ``ReceiverError`` `.invalidSecret` when the secret does not suit the scheme.
    public init(definition: WebhookDefinition, integrationID: String, secret: String) throws(ReceiverError) {
        self.definition = definition
        self.integrationID = integrationID
        self.key = try SignatureVerifier.key(scheme: definition.signature, secret: secret)
        if definition.signature == .githubHMACSHA256 {
            do {
                legacyGitHubKey = try GitHubSignature.legacyKey(secret: secret)
            } catch {
                throw ReceiverError(error)
            }
        } else {
            legacyGitHubKey = nil
        }
    }

    /// Signs with the integration's first (current) secret.
    /// - Throws: ``ReceiverError`` `.unknownDefinition` or `.invalidSecret`.
    public init(integration: Integration, registry: DefinitionRegistry) throws(ReceiverError) {
        guard let definition = registry.definitions[integration.definition] else {
            throw ReceiverError(.unknownDefinition, "integration '\(integration.id)' names definition '\(integration.definition)', which is not registered")
        }
        guard let secret = integration.secrets.first else {
            throw ReceiverError(.invalidSecret, "integration '\(integration.id)' has no secret to sign with")
        }
        try self.init(definition: definition, integrationID: integration.id, secret: secret)
    }

    /// Signs `body` as a delivery of `event` with `deliveryID`.
    /// - Parameters:
    ///   - variant: the definition's variant header value (GitHub: `X-GitHub-Hook-Installation-Target-Type`), if any.
    ///   - timestamp: Unix seconds for schemes that sign one. Default: now.
    public func sign(body: [UInt8], event: String, deliveryID: String, variant: String? = nil,
                     timestamp: Int64? = nil) throws(ReceiverError) -> SignedRequest {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        func set(_ source: ValueSource?, _ value: String?) {
            guard case .header(let name)? = source, let value else { return }
            if !headers.contains(where: { $0.name.lowercased() == name.lowercased() }) { headers.append((name, value)) }
        }
        do throws(SignatureError) {
            switch definition.signature {
            case .githubHMACSHA256:
                headers.append(("User-Agent", "GitHub-Hookshot/inlet"))
                set(definition.eventName, event)
                set(definition.deliveryID, deliveryID)
                set(definition.variant, variant)
                if let legacyGitHubKey {
                    headers.append((GitHubSignature.legacyHeaderName, try GitHubSignature.legacyHeaderValue(body: body, key: legacyGitHubKey)))
                }
                headers.append((GitHubSignature.headerName, try GitHubSignature.headerValue(body: body, key: key)))
            case .standardWebhooks:
                let seconds = timestamp ?? ReceiverHealth.unixSeconds()
                headers += try StandardWebhooksSignature.headers(id: deliveryID, timestamp: seconds, body: body, key: key)
                set(definition.deliveryID, deliveryID)
                set(definition.eventName, event)
                set(definition.variant, variant)
            default:
                throw SignatureError(.invalidSecret, "signing for scheme '\(definition.signature.rawValue)' is not supported by this signer")
            }
        } catch {
            throw ReceiverError(error)
        }
        return SignedRequest(path: "/webhooks/\(definition.name.rawValue)/\(integrationID)", headers: headers, body: body)
    }

    /// A fresh random delivery ID in the provider's usual shape (a UUID for GitHub, `msg_…` for Standard Webhooks).
    public func newDeliveryID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        let hex = Hex.encode(withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0) })
        switch definition.signature {
        case .githubHMACSHA256:
            let h = Array(hex)
            return [h[0..<8], h[8..<12], h[12..<16], h[16..<20], h[20..<32]].map { String($0) }.joined(separator: "-")
        case .standardWebhooks:
            return "msg_" + hex
        default:
            return hex
        }
    }
}
