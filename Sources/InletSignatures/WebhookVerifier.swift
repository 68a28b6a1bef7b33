/// One inbound webhook request as a signature scheme sees it: method, the URL the provider called, headers, the raw
/// body and the receiver's clock.
///
/// `url` is the URL *as the provider sent it* (scheme, host, path and query string). URL-signing schemes (Twilio,
/// Square, HubSpot v3) sign it, so behind a proxy the receiver rebuilds it from its configured public base URL, never
/// from the socket address.
public struct InboundRequest: Sendable {
    /// Upper-case HTTP method, e.g. `POST`.
    public var method: String
    public var url: String
    public var headers: InboundHeaders
    /// The body exactly as received (never re-encoded: every scheme signs bytes).
    public var body: [UInt8]
    /// The receiver's clock, Unix seconds (a parameter so tests can pin it).
    public var now: Int64

    public init(method: String = "POST", url: String, headers: InboundHeaders, body: [UInt8], now: Int64) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.now = now
    }
}

/// Request headers with case-insensitive lookup, in arrival order. Repeated names keep every value.
public struct InboundHeaders: Sendable, ExpressibleByDictionaryLiteral {
    /// Names lower-cased (ASCII) once, on creation.
    public let fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)]) {
        self.fields = fields.map { (Self.lowercased($0.name), $0.value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements.map { (name: $0.0, value: $0.1) })
    }

    /// The first value of `name` (any case), or nil when absent.
    public subscript(_ name: String) -> Substring? {
        let wanted = Self.lowercased(name)
        for field in fields where field.name == wanted { return field.value[...] }
        return nil
    }

    /// Every value of `name` (any case), in arrival order.
    public func values(_ name: String) -> [Substring] {
        let wanted = Self.lowercased(name)
        return fields.filter { $0.name == wanted }.map { $0.value[...] }
    }

    private static func lowercased(_ name: String) -> String {
        // Header names are ASCII tokens; `lowercased()` would also be right but consults Unicode tables.
        guard name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return name }
        return String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}

/// Verifies the deliveries of one integration under one provider's scheme.
///
/// A verifier is built once per integration from its secrets or public keys (keys parsed and HMAC contexts set up
/// then, so a request pays only for the MAC or signature check) and is shared by every request: implementations must
/// be thread-safe. Comparisons of secrets and signatures are constant-time. Rejection messages say what the sender
/// should fix and never contain secrets, expected signatures or payload bytes.
public protocol WebhookVerifier: Sendable {
    /// - Returns: nil when the request is authentic, otherwise why not.
    func verify(_ request: InboundRequest) -> SignatureRejection?
}
