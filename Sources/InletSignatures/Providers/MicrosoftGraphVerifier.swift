/// Verifies Microsoft Graph change notifications. Graph signs nothing: each notification in the body's `value` array
/// carries the `clientState` the subscription was created with, and a receiver must check it on every item.
/// Docs: https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks ("Receive notifications").
///
/// A request passes only when the body is a JSON object whose `value` is a non-empty array of objects that each
/// carry a `clientState` string equal to one of the integration's secrets (any may match, so subscriptions created
/// with an old and a new secret both pass during rotation). Lifecycle notifications (`lifecycleEvent`) carry
/// `clientState` the same way and are checked alike. The `validationToken` handshake is handled elsewhere; the
/// `validationTokens` JWTs of rich notifications (encrypted resource data) are not checked here.
public struct MicrosoftGraphVerifier: WebhookVerifier {
    /// How the body is read.
    public struct Options: Sendable {
        /// Largest body parsed. Default: 1 MiB (Graph batches notifications, each a few hundred bytes unless it
        /// carries encrypted resource data).
        public var maximumBodyBytes: Int
        /// Deepest nesting of arrays and objects accepted. Default: 32.
        public var maximumDepth: Int

        public init(maximumBodyBytes: Int = 1 << 20, maximumDepth: Int = 32) {
            self.maximumBodyBytes = maximumBodyBytes
            self.maximumDepth = maximumDepth
        }
    }

    private let clientStates: SecretTokenMatcher
    private let parser: BoundedJSONParser

    /// - Parameter clientStates: the `clientState` values the integration's subscriptions were created with.
    /// - Throws: ``SignatureError`` `.invalidSecret` when there is none or one is empty.
    public init(clientStates: [String], options: Options = Options()) throws(SignatureError) {
        self.clientStates = try SecretTokenMatcher(clientStates, what: "Microsoft Graph clientState")
        self.parser = BoundedJSONParser(maximumBytes: options.maximumBodyBytes, maximumDepth: options.maximumDepth)
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        let document: BoundedJSONValue
        do {
            document = try parser.parse(request.body)
        } catch {
            return SignatureRejection(.signatureMalformed, "a Microsoft Graph notification body must be a JSON object with a 'value' array; \(error.description)")
        }
        guard case .array(let notifications)? = document["value"], !notifications.isEmpty else {
            return SignatureRejection(.signatureMalformed, "a Microsoft Graph notification body must be a JSON object whose 'value' is a non-empty array of notifications")
        }
        for (index, notification) in notifications.enumerated() {
            guard case .object = notification else {
                return SignatureRejection(.signatureMalformed, "notification #\(index + 1) in 'value' is not a JSON object")
            }
            guard let state = notification["clientState"]?.stringValue, !state.isEmpty else {
                return SignatureRejection(.signatureMissing, "notification #\(index + 1) in 'value' has no 'clientState' string; create the subscription with the integration's clientState")
            }
            guard clientStates.matches(state) else {
                return SignatureRejection(.signatureMismatch, "the 'clientState' of notification #\(index + 1) in 'value' does not equal any of the integration's clientState secrets")
            }
        }
        return nil
    }
}
