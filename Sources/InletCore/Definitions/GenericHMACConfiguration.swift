/// How one integration of the `generic-hmac` definition signs and identifies its deliveries: for senders that sign
/// with an HMAC over the body but have no definition of their own.
///
/// Read from the integration's options, a flat map of strings (every key optional; unknown keys are refused so a
/// typo is not silently ignored):
///
/// | key | meaning | default |
/// |---|---|---|
/// | `signature_header` | header carrying the signature | `X-Signature` |
/// | `algorithm` | `sha1`, `sha256`, `sha512` | `sha256` |
/// | `encoding` | `hex` (either case accepted) or `base64` | `hex` |
/// | `signature_prefix` | text before the signature in the header, e.g. `sha256=` | none |
/// | `timestamp_header` | header with a Unix-seconds timestamp, checked against the receiver's tolerance | none |
/// | `signed_content` | what is signed: a template of `{timestamp}`, `{body}` and literal text, `{body}` last | `{body}` |
/// | `delivery_id` | where the delivery ID is (see below) | `header:X-Webhook-Id \| header:Webhook-Id \| body:/id` |
/// | `event_name` | where the event name is | `header:X-Webhook-Event \| body:/type \| body:/event` |
/// | `variant` | where the variant is | none |
/// | `event_time` | where the event time is | none |
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
///   options:
///     signature_header: X-Acme-Signature
///     signature_prefix: "sha256="
///     timestamp_header: X-Acme-Timestamp
///     signed_content: "{timestamp}.{body}"
///     delivery_id: "header:X-Acme-Delivery"
///     event_name: "body:/event/type"
/// ```
public struct GenericHMACConfiguration: Sendable, Hashable {
    public enum Algorithm: String, Sendable, Hashable, CaseIterable { case sha1, sha256, sha512 }
    public enum Encoding: String, Sendable, Hashable, CaseIterable { case hex, base64 }

    /// Default: `X-Signature`.
    public var signatureHeader = "X-Signature"
    /// Default: SHA-256.
    public var algorithm = Algorithm.sha256
    /// Default: hex.
    public var encoding = Encoding.hex
    /// Text the signature header starts with, before the encoded MAC. Default: none.
    public var signaturePrefix = ""
    /// Header with the signed Unix-seconds timestamp. Default: none (no replay window; the deduplicator still drops
    /// repeats). Required when ``signedContent`` uses `{timestamp}`.
    public var timestampHeader: String?
    /// Default: the body alone.
    public var signedContent = SignedContent.body
    /// Default: `X-Webhook-Id`, else `Webhook-Id`, else the body's top-level `id`.
    public var deliveryID: ValueSource = .firstPresent([.header("X-Webhook-Id"), .header("Webhook-Id"), .bodyField("id")])
    /// Default: `X-Webhook-Event`, else the body's top-level `type`, else `event`.
    public var eventName: ValueSource = .firstPresent([.header("X-Webhook-Event"), .bodyField("type"), .bodyField("event")])
    /// Default: none.
    public var variant: ValueSource?
    /// Default: none (the receive time is used).
    public var eventTime: ValueSource?

    /// Every option key ``init(options:)`` understands.
    public static let optionKeys = ["signature_header", "algorithm", "encoding", "signature_prefix", "timestamp_header",
                                    "signed_content", "delivery_id", "event_name", "variant", "event_time", "event_time_format"]

    /// The defaults.
    public init() {}

    /// - Throws: ``InletCoreError`` `.invalidConfiguration` naming the first bad key (never a secret: options hold none).
    public init(options: [String: String]) throws(InletCoreError) {
        if let unknown = options.keys.sorted().first(where: { !Self.optionKeys.contains($0) }) {
            throw InletCoreError(.invalidConfiguration, "generic-hmac option '\(unknown.prefix(60))' is unknown (known: \(Self.optionKeys.joined(separator: ", ")))")
        }
        func header(_ key: String) throws(InletCoreError) -> String? {
            guard let name = options[key] else { return nil }
            guard HTTPToken.isValid(name) else {
                throw InletCoreError(.invalidConfiguration, "generic-hmac option '\(key)' must be an HTTP header name")
            }
            return name
        }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws(InletCoreError) -> T? where T.RawValue == String {
            guard let text = options[key] else { return nil }
            guard let value = T(rawValue: text) else {
                throw InletCoreError(.invalidConfiguration, "generic-hmac option '\(key)' must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        func source(_ key: String) throws(InletCoreError) -> ValueSource? {
            guard let text = options[key] else { return nil }
            do {
                return try ValueSource(specification: text)
            } catch {
                throw InletCoreError(.invalidConfiguration, "generic-hmac option '\(key)': \(error.reason)")
            }
        }
        if let name = try header("signature_header") { signatureHeader = name }
        if let value = try choice("algorithm", Algorithm.self) { algorithm = value }
        if let value = try choice("encoding", Encoding.self) { encoding = value }
        if let prefix = options["signature_prefix"] { signaturePrefix = prefix }
        timestampHeader = try header("timestamp_header")
        if let template = options["signed_content"] {
            do {
                signedContent = try SignedContent(template: template)
            } catch {
                throw InletCoreError(.invalidConfiguration, "generic-hmac option 'signed_content': \(error.reason)")
            }
        }
        if signedContent.usesTimestamp, timestampHeader == nil {
            throw InletCoreError(.invalidConfiguration, "generic-hmac option 'signed_content' uses {timestamp}: set 'timestamp_header' too")
        }
        if let value = try source("delivery_id") { deliveryID = value }
        if let value = try source("event_name") { eventName = value }
        variant = try source("variant")
        let timeFormat = try choice("event_time_format", ValueSource.TimeFormat.self) ?? .rfc3339
        eventTime = try source("event_time").map { .time($0, timeFormat) }
    }

    /// The `generic-hmac` definition with this integration's metadata sources.
    public func definition(from base: WebhookDefinition = .genericHMAC) -> WebhookDefinition {
        base.withSources(deliveryID: deliveryID, eventName: eventName, variant: variant, eventTime: eventTime)
    }

    /// What a generic HMAC covers: literal text and the timestamp, in order, then the body.
    public struct SignedContent: Sendable, Hashable, CustomStringConvertible {
        public enum Part: Sendable, Hashable {
            case literal(String)
            case timestamp
        }

        /// What comes before the body (the body is always last, so it is fed to the MAC without copying).
        public let prefix: [Part]

        public static let body = SignedContent(prefix: [])

        init(prefix: [Part]) { self.prefix = prefix }

        /// Parses `{timestamp}.{body}`, `v0:{timestamp}:{body}`, `{body}`.
        /// - Throws: ``InletCoreError`` `.invalidConfiguration` unless `{body}` ends the template and occurs once,
        ///   and every other `{…}` is `{timestamp}`.
        public init(template: String) throws(InletCoreError) {
            guard template.hasSuffix("{body}") else {
                throw InletCoreError(.invalidConfiguration, "the template must end with {body}")
            }
            var rest = Substring(template.dropLast("{body}".count))
            var parts: [Part] = []
            while !rest.isEmpty {
                if rest.hasPrefix("{timestamp}") {
                    parts.append(.timestamp)
                    rest = rest.dropFirst("{timestamp}".count)
                } else if rest.hasPrefix("{") {
                    throw InletCoreError(.invalidConfiguration, "the template may only use {timestamp} and {body}, once each, {body} last")
                } else {
                    let literal = rest.prefix { $0 != "{" }
                    parts.append(.literal(String(literal)))
                    rest = rest.dropFirst(literal.count)
                }
            }
            guard parts.filter({ $0 == .timestamp }).count <= 1 else {
                throw InletCoreError(.invalidConfiguration, "the template may use {timestamp} only once")
            }
            self.prefix = parts
        }

        public var usesTimestamp: Bool { prefix.contains(.timestamp) }

        /// The template text this was parsed from.
        public var description: String {
            prefix.map { part in
                switch part {
                case .literal(let text): text
                case .timestamp: "{timestamp}"
                }
            }.joined() + "{body}"
        }
    }
}

extension ValueSource {
    /// Parses the source syntax of integration options: `header:<Name>`, `body:<JSON pointer>`, `constant:<text>`,
    /// alternatives separated by `|` (the first present wins). Spaces around `|` are ignored.
    /// - Throws: ``InletCoreError`` `.invalidConfiguration` saying what is wrong.
    public init(specification: String) throws(InletCoreError) {
        let alternatives = specification.split(separator: "|", omittingEmptySubsequences: false)
            .map { $0.trimmingASCIISpaces() }
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
                let keys = pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
                    $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
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

    /// Foundation-free literal replacement (InletCore's definitions do not import Foundation).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var out = ""
        var rest = self
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
