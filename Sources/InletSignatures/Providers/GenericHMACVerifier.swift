import InletCrypto

/// Verifies webhooks signed as ``GenericHMACOptions`` describe, for providers without a scheme of their own; the
/// named schemes that are a fixed set of these options (Shopify, Slack, Zoom, Intercom, Jira, Bitbucket, Linear's
/// signature) are built on it too.
///
/// A request is authentic when, in this order: the signature header is present and is the prefix followed by one
/// encoded HMAC of the algorithm's length; the timestamp header (if configured) is a plain number within the
/// tolerance; every signed header is present; and the HMAC of the signed content under one of the integration's
/// secrets equals the signature (constant-time). Keys are set up once, at init.
public struct GenericHMACVerifier: WebhookVerifier {
    public let options: GenericHMACOptions
    let keys: HMACKeyRing
    let freshness: TimestampFreshness?
    /// Who signs, for messages: "Jira", or "the sender" for a configured scheme.
    let provider: String

    /// - Parameter secrets: the integration's secrets (UTF-8, used as-is); during rotation several, any may match.
    /// - Throws: ``SignatureError`` `.invalidSecret` when there is no secret or one is blank (never quoting it),
    ///   `.cryptoFailure` when OpenSSL fails.
    public init(secrets: [String], options: GenericHMACOptions) throws(SignatureError) {
        try self.init(secrets: secrets, options: options, provider: "the sender")
    }

    init(secrets: [String], options: GenericHMACOptions, provider: String) throws(SignatureError) {
        self.options = options
        self.provider = provider
        self.keys = try HMACKeyRing.signatureSecrets(secrets, algorithm: options.algorithm.hmac, provider: provider)
        self.freshness = options.timestampHeader.map { header in
            TimestampFreshness(unit: options.timestampUnit == .seconds ? .seconds : .milliseconds,
                               toleranceSeconds: options.toleranceSeconds, source: "the \(header) header")
        }
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        guard let value = request.headers[options.header], !value.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(options.header) header is required; \(provider) signs every delivery with it (set a secret on the webhook if it has none)")
        }
        guard let signature = options.decodeSignature(value) else {
            return SignatureRejection(.signatureMalformed, "the \(options.header) header must be \(options.expectedFormat)")
        }
        var timestamp: Substring?
        if let freshness, let header = options.timestampHeader {
            timestamp = request.headers[header]
            if let rejection = freshness.check(timestamp, now: request.now) { return rejection }
        }
        for name in options.template.headerNames {
            guard let signed = request.headers[name], !signed.isEmpty else {
                return SignatureRejection(.signatureMissing, "the \(name) header is required: it is part of what \(provider) signs")
            }
        }
        guard keys.authenticates(anyOf: [signature], { options.template.feed(&$0, request: request, timestamp: timestamp) }) else {
            return .mismatch("the \(options.header) signature", provider: provider)
        }
        return nil
    }
}

extension GenericHMACOptions {
    /// The key a sender with these options signs with (the secret's UTF-8 bytes).
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: algorithm.hmac, provider: "the sender")
    }

    /// The signature header value a sender with these options puts on `request`, whose headers must already hold
    /// the timestamp and every signed header (`key` from ``key(secret:)``).
    public func signatureHeaderValue(for request: InboundRequest, key: HMACKey) throws(SignatureError) -> String {
        encodeSignature(try authenticationCode(for: request, key: key))
    }

    /// The header value for the HMAC of the bytes `feed` absorbs (for the named providers' signing helpers, which
    /// feed their parts directly rather than through a request).
    func signatureHeaderValue(key: HMACKey, _ feed: (inout HMACComputation) -> Void) throws(SignatureError) -> String {
        do {
            return encodeSignature(try key.authenticationCode { feed(&$0) })
        } catch {
            throw SignatureError(.cryptoFailure, "\(key.algorithm.displayName) failed", underlying: error)
        }
    }

    /// The raw HMAC of what these options sign in `request`.
    func authenticationCode(for request: InboundRequest, key: HMACKey) throws(SignatureError) -> [UInt8] {
        let timestamp = timestampHeader.flatMap { request.headers[$0] }
        do {
            return try key.authenticationCode { template.feed(&$0, request: request, timestamp: timestamp) }
        } catch {
            throw SignatureError(.cryptoFailure, "\(key.algorithm.displayName) failed", underlying: error)
        }
    }
}
