/// Where one `generic-hmac` integration's delivery ID, event name, variant and event time are: for senders that
/// have no definition of their own. How such a sender signs is configured beside it (`GenericHMACOptions` in
/// `InletSignatures`, the integration's `signature:` block); this is its `metadata:` block.
///
/// Every key is optional; unknown keys are refused so a typo is not silently ignored.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `delivery_id` | where the delivery ID is | `header:X-Webhook-Id \| header:Webhook-Id \| body:/id` |
/// | `event_name` | where the event name is | `header:X-Webhook-Event \| body:/type \| body:/event` |
/// | `variant` | where the variant is | none |
/// | `event_time` | where the event time is | none (the receive time is used) |
/// | `event_time_format` | `rfc3339`, `unix-seconds`, `unix-milliseconds` | `rfc3339` |
///
/// Sources are written `header:<Name>`, `body:<JSON pointer>` (RFC 6901: `body:/event/type`, `~1` for `/` and `~0`
/// for `~` inside a key) or `constant:<text>`, several separated by `|` meaning "the first present" (so neither a
/// header name nor a pointer can contain `|`).
///
/// ```yaml
/// - id: acme-billing
///   definition: generic-hmac
///   secrets: [s3cr3t]
///   signature: { header: X-Acme-Signature, prefix: "sha256=" }
///   metadata:
///     delivery_id: "header:X-Acme-Delivery"
///     event_name: "body:/event/type"
///     event_time: "body:/created"
///     event_time_format: unix-seconds
/// ```
public struct GenericHMACSources: Sendable, Hashable, Decodable {
    /// Default: `X-Webhook-Id`, else `Webhook-Id`, else the body's top-level `id`.
    public var deliveryID: ValueSource = .firstPresent([.header("X-Webhook-Id"), .header("Webhook-Id"), .bodyField("id")])
    /// Default: `X-Webhook-Event`, else the body's top-level `type`, else `event`.
    public var eventName: ValueSource = .firstPresent([.header("X-Webhook-Event"), .bodyField("type"), .bodyField("event")])
    /// Default: none.
    public var variant: ValueSource?
    /// Default: none (the receive time is used).
    public var eventTime: ValueSource?

    /// Every key of the `metadata:` block.
    public static let keys = ["delivery_id", "event_name", "variant", "event_time", "event_time_format"]

    /// The defaults.
    public init() {}

    /// From the source syntax above.
    /// - Throws: ``InletCoreError`` `.invalidConfiguration` naming the first bad key.
    public init(options: [String: String]) throws(InletCoreError) {
        if let unknown = options.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw InletCoreError(.invalidConfiguration, "metadata key '\(unknown.prefix(60))' is unknown (known: \(Self.keys.joined(separator: ", ")))")
        }
        func source(_ key: String) throws(InletCoreError) -> ValueSource? {
            guard let text = options[key] else { return nil }
            do {
                return try ValueSource(specification: text)
            } catch {
                throw InletCoreError(.invalidConfiguration, "metadata key '\(key)': \(error.reason)")
            }
        }
        if let value = try source("delivery_id") { deliveryID = value }
        if let value = try source("event_name") { eventName = value }
        variant = try source("variant")
        var format = ValueSource.TimeFormat.rfc3339
        if let text = options["event_time_format"] {
            guard let parsed = ValueSource.TimeFormat(rawValue: text) else {
                throw InletCoreError(.invalidConfiguration, "metadata key 'event_time_format' must be one of \(ValueSource.TimeFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            format = parsed
        }
        eventTime = try source("event_time").map { .time($0, format) }
    }

    /// Decodes the `metadata:` block (a map of strings); errors are `DecodingError.dataCorrupted` whose coding path
    /// ends in the offending key, as `GenericHMACOptions` reports its own.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        var options: [String: String] = [:]
        for key in container.allKeys { options[key.stringValue] = try container.decode(String.self, forKey: key) }
        do {
            try self.init(options: options)
        } catch {
            let key = Self.keys.first { error.reason.contains("'\($0)'") } ?? options.keys.sorted().first { error.reason.contains("'\($0)'") }
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath + (key.map { [AnyKey(stringValue: $0)] } ?? []), debugDescription: error.reason))
        }
    }

    /// The `generic-hmac` definition with these sources (what the receiver reads this integration's deliveries with).
    public func definition(from base: WebhookDefinition = .genericHMAC) -> WebhookDefinition {
        base.withSources(deliveryID: deliveryID, eventName: eventName, variant: variant, eventTime: eventTime)
    }

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension ValueSource {
    /// Parses the source syntax of integration configuration: `header:<Name>`, `body:<JSON pointer>`,
    /// `constant:<text>`, alternatives separated by `|` (the first present wins). Spaces around `|` are ignored.
    /// - Throws: ``InletCoreError`` `.invalidConfiguration` saying what is wrong.
    public init(specification: String) throws(InletCoreError) {
        let alternatives = specification.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingASCIISpaces() }
        var sources: [ValueSource] = []
        for alternative in alternatives {
            if alternative.hasPrefix("header:") {
                let name = String(alternative.dropFirst("header:".count))
                guard HTTPToken.isValid(name) else {
                    throw InletCoreError(.invalidConfiguration, "'header:' must be followed by an HTTP header name")
                }
                sources.append(.header(name))
            } else if alternative.hasPrefix("body:") {
                let pointer = alternative.dropFirst("body:".count)
                guard pointer.hasPrefix("/"), pointer.count > 1 else {
                    throw InletCoreError(.invalidConfiguration, "'body:' must be followed by a JSON pointer such as /event/type")
                }
                // RFC 6901: `~1` is `/`, then `~0` is `~` (in that order, so `~01` stays `~1`).
                let keys = pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
                    String($0.replacing("~1", with: "/").replacing("~0", with: "~"))
                }
                guard !keys.contains(where: \.isEmpty) else {
                    throw InletCoreError(.invalidConfiguration, "the JSON pointer '\(pointer.prefix(80))' has an empty key")
                }
                sources.append(keys.count == 1 ? .bodyField(keys[0]) : .bodyPath(keys))
            } else if alternative.hasPrefix("constant:"), alternative.count > "constant:".count {
                sources.append(.constant(String(alternative.dropFirst("constant:".count))))
            } else {
                throw InletCoreError(.invalidConfiguration, "a source must start with 'header:', 'body:' or 'constant:' (alternatives separated by '|')")
            }
        }
        self = sources.count == 1 ? sources[0] : .firstPresent(sources)
    }
}

private extension Substring {
    func trimmingASCIISpaces() -> Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
