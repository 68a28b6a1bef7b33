/// Where a piece of delivery metadata (delivery ID, event name, variant, event time) is found, and how it is formed.
///
/// A source yields a string or nothing. JSON strings yield their decoded text, JSON numbers their literal text
/// (`1564113600000`, `1521472262.908181`); `true`, `false`, `null`, objects and arrays yield nothing, as does an empty
/// string. Sources are resolved by ``DeliveryAttributeReader`` (one delivery per request) and ``BatchSplitter``
/// (several per request, where body paths are relative to each item).
///
/// ```swift
/// .header("X-GitHub-Delivery")                                  // a request header, any case
/// .bodyPath(["event", "type"])                                   // {"event":{"type":"message"}}
/// .firstPresent([.header("X-Shopify-Event-Id"), .header("X-Shopify-Webhook-Id")])
/// .digest(prefix: "zoom-", of: [.bodyField("event"), .bodyField("event_ts")])
/// .time(.bodyField("created"), .unixSeconds)                    // 1700000000 → 2023-11-14T22:13:20.000Z
/// ```
public indirect enum ValueSource: Sendable, Hashable {
    /// An HTTP request header (case-insensitive); the first value when it repeats.
    case header(String)
    /// A top-level member of the body: a JSON object member, or a field of a form-encoded body.
    case bodyField(String)
    /// A member nested in JSON objects: `["event", "type"]` reads `{"event":{"type":…}}`. Keys match exactly and may
    /// contain dots (`["resourceData", "@odata.etag"]`). Arrays are not indexed. A one-key path is ``bodyField(_:)``.
    case bodyPath([String])
    /// A fixed value (a provider whose every delivery is one event, or a marker inside ``digest(prefix:of:)``).
    case constant(String)
    /// The first of these sources that yields a value: `X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id`.
    case firstPresent([ValueSource])
    /// A stable identifier derived from other values, for providers that send no delivery ID: `prefix` followed by
    /// the 32 hex digits of FNV-1a 128 over the parts (each part length-prefixed, absent parts marked, so
    /// `["ab", "c"]` and `["a", "bc"]` differ). Yields nothing only when every part is absent. See ``StableDigest``
    /// for why a non-cryptographic hash is enough here.
    case digest(prefix: String, of: [ValueSource])
    /// A time rendered as RFC 3339 in UTC (what `ce_time` carries); a value that does not parse yields nothing, so
    /// the receive time is used instead.
    case time(ValueSource, TimeFormat)

    /// How a provider writes a time.
    public enum TimeFormat: String, Sendable, Hashable, CaseIterable {
        /// RFC 3339 (`2023-08-21T11:57:54.213786Z`), passed on unchanged. A date-time without an offset
        /// (`2024-10-18T14:42:53.064834`, Discord) is read as UTC and gets a `Z`.
        case rfc3339
        /// Seconds since the Unix epoch, integral or fractional (`1700000000`, `1521472262.908181`).
        case unixSeconds = "unix-seconds"
        /// Milliseconds since the Unix epoch (`1564113600000`).
        case unixMilliseconds = "unix-milliseconds"
    }

    /// Every body path this source reads (one-key paths included), in first-use order, duplicates removed.
    public var bodyPaths: [[String]] {
        var paths: [[String]] = []
        collectBodyPaths(into: &paths)
        return paths
    }

    func collectBodyPaths(into paths: inout [[String]]) {
        switch self {
        case .header, .constant: return
        case .bodyField(let key): if !paths.contains([key]) { paths.append([key]) }
        case .bodyPath(let path): if !paths.contains(path) { paths.append(path) }
        case .firstPresent(let sources), .digest(_, let sources): for source in sources { source.collectBodyPaths(into: &paths) }
        case .time(let source, _): source.collectBodyPaths(into: &paths)
        }
    }

    /// Every header name this source reads, in first-use order.
    public var headerNames: [String] {
        switch self {
        case .header(let name): [name]
        case .bodyField, .bodyPath, .constant: []
        case .firstPresent(let sources), .digest(_, let sources): sources.flatMap(\.headerNames)
        case .time(let source, _): source.headerNames
        }
    }
}

extension ValueSource: CustomStringConvertible {
    /// Where the value comes from, for error messages: `header X-GitHub-Delivery`, `body event.type`.
    public var description: String {
        switch self {
        case .header(let name): "header \(name)"
        case .bodyField(let key): "body field '\(key)'"
        case .bodyPath(let path): "body field '\(path.joined(separator: "."))'"
        case .constant(let value): "constant '\(value)'"
        case .firstPresent(let sources): sources.map(\.description).joined(separator: " or ")
        case .digest(_, let sources): "a digest of " + sources.map(\.description).joined(separator: ", ")
        case .time(let source, let format): "\(source) (\(format.rawValue))"
        }
    }
}

extension ValueSource {
    /// Problems that make this source unusable, checked once by ``DefinitionRegistry`` (not per request).
    func problems(bodyEncoding: BodyEncoding) -> [String] {
        switch self {
        case .header(let name):
            return HTTPToken.isValid(name) ? [] : ["header name '\(name.prefix(80))' is not a valid HTTP field name"]
        case .bodyField(let key):
            return key.isEmpty ? ["a body field name is empty"] : []
        case .bodyPath(let path):
            if path.isEmpty { return ["a body path is empty"] }
            if path.contains(where: \.isEmpty) { return ["body path '\(path.joined(separator: "."))' has an empty key"] }
            if bodyEncoding == .formURLEncoded, path.count > 1 {
                return ["body path '\(path.joined(separator: "."))' is nested, but form-encoded bodies are flat"]
            }
            return []
        case .constant(let value):
            return value.isEmpty ? ["a constant is empty (it would never yield a value)"] : []
        case .firstPresent(let sources):
            return sources.isEmpty ? ["firstPresent has no sources"] : sources.flatMap { $0.problems(bodyEncoding: bodyEncoding) }
        case .digest(let prefix, let sources):
            var found = sources.isEmpty ? ["a digest has no parts"] : sources.flatMap { $0.problems(bodyEncoding: bodyEncoding) }
            if !prefix.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { found.append("digest prefix '\(prefix.prefix(40))' must be printable ASCII without spaces") }
            return found
        case .time(let source, _):
            return source.problems(bodyEncoding: bodyEncoding)
        }
    }
}

/// RFC 9110 field-name syntax (`token`): what a header name may contain.
enum HTTPToken {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
