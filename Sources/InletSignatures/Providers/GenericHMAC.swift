import InletCrypto

/// How a provider without a scheme of its own signs its webhooks: an HMAC of some request parts, encoded into one
/// header. It can sit in integration configuration (YAML or JSON), for example:
///
/// ```yaml
/// signature:
///   algorithm: sha256                 # sha1 | sha256 | sha512            (default sha256)
///   encoding: hex                     # hex | base64 | base64url          (default hex)
///   header: X-Acme-Signature          # the header carrying the signature (required)
///   prefix: "sha256="                 # text before the encoded signature (default none)
///   signed: "{id}.{timestamp}.{body}" # what is signed                    (default "{body}")
///   headers: { id: X-Acme-Delivery }  # names usable in `signed`, each a request header
///   timestamp_header: X-Acme-Timestamp
///   timestamp_unit: s                 # s | ms                            (default s)
///   tolerance_seconds: 300            # accepted clock difference         (default 300)
/// ```
///
/// Options are validated when created: the header names are HTTP tokens, `signed` compiles (see
/// `GenericHMACTemplate`), signs the body, signs the timestamp exactly when a timestamp header is set, and uses every
/// name under `headers`; the timestamp settings appear only with a timestamp header. An invalid option throws a
/// `DecodingError.dataCorrupted` whose coding path ends in the offending key and whose description says what to
/// write instead, from the decoder and from ``init(algorithm:encoding:header:prefix:signed:headers:timestampHeader:timestampUnit:toleranceSeconds:)``
/// alike, so configuration loaders report both the same way.
public struct GenericHMACOptions: Sendable, Hashable, Decodable {
    /// The hash function of the HMAC.
    public enum Algorithm: String, Sendable, Hashable, Decodable, CaseIterable {
        case sha1, sha256, sha512

        var hmac: HMACAlgorithm {
            switch self {
            case .sha1: .sha1
            case .sha256: .sha256
            case .sha512: .sha512
            }
        }
    }

    /// How the HMAC bytes are written in the header.
    public enum Encoding: String, Sendable, Hashable, Decodable, CaseIterable {
        /// Lower-case hex out; either case accepted in.
        case hex
        /// RFC 4648 §4 base64, padded out; padding optional in.
        case base64
        /// RFC 4648 §5 base64url, unpadded out; padding optional in.
        case base64url
    }

    /// The unit of the timestamp header.
    public enum TimestampUnit: String, Sendable, Hashable, Decodable, CaseIterable {
        case seconds = "s"
        case milliseconds = "ms"
    }

    /// Default of ``toleranceSeconds`` when a timestamp header is set.
    public static let defaultToleranceSeconds: Int64 = 300
    /// Largest accepted ``toleranceSeconds``: one week.
    public static let maximumToleranceSeconds: Int64 = 604_800

    /// Key `algorithm`. Default: `sha256`.
    public let algorithm: Algorithm
    /// Key `encoding`. Default: `hex`.
    public let encoding: Encoding
    /// Key `header`: the header carrying the signature. Required.
    public let header: String
    /// Key `prefix`: text the header value starts with before the encoded signature, e.g. `sha256=`. Default: none.
    public let prefix: String
    /// Key `signed`: what is signed, a template (`{body}`, `{timestamp}`, `{method}`, `{url}`, names from
    /// ``headers``; `{{`/`}}` for literal braces). Default: `{body}`.
    public let signed: String
    /// Key `headers`: placeholder name → request header name, for headers that are signed. Default: none.
    public let headers: [String: String]
    /// Key `timestamp_header`: the header carrying the signed timestamp. Default: none (no replay protection beyond
    /// the deduplicator).
    public let timestampHeader: String?
    /// Key `timestamp_unit`. Default: `s`.
    public let timestampUnit: TimestampUnit
    /// Key `tolerance_seconds`: accepted difference between the timestamp and the receiver's clock, either way.
    /// Default: 300 when a timestamp header is set.
    public let toleranceSeconds: Int64

    /// The compiled ``signed`` template.
    let template: GenericHMACTemplate

    /// - Throws: `DecodingError.dataCorrupted` naming the offending key (see the type's documentation).
    public init(algorithm: Algorithm = .sha256, encoding: Encoding = .hex, header: String, prefix: String = "",
                signed: String = "{body}", headers: [String: String] = [:], timestampHeader: String? = nil,
                timestampUnit: TimestampUnit? = nil, toleranceSeconds: Int64? = nil) throws(DecodingError) {
        do {
            try self.init(validating: algorithm, encoding, header, prefix, signed, headers, timestampHeader, timestampUnit, toleranceSeconds)
        } catch {
            throw error.decodingError(codingPath: [])
        }
    }

    enum CodingKeys: String, CodingKey {
        case algorithm, encoding, header, prefix, signed, headers
        case timestampHeader = "timestamp_header"
        case timestampUnit = "timestamp_unit"
        case toleranceSeconds = "tolerance_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                validating: try container.decodeIfPresent(Algorithm.self, forKey: .algorithm) ?? .sha256,
                try container.decodeIfPresent(Encoding.self, forKey: .encoding) ?? .hex,
                try container.decode(String.self, forKey: .header),
                try container.decodeIfPresent(String.self, forKey: .prefix) ?? "",
                try container.decodeIfPresent(String.self, forKey: .signed) ?? "{body}",
                try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:],
                try container.decodeIfPresent(String.self, forKey: .timestampHeader),
                try container.decodeIfPresent(TimestampUnit.self, forKey: .timestampUnit),
                try container.decodeIfPresent(Int64.self, forKey: .toleranceSeconds))
        } catch let error as InvalidOption {
            throw error.decodingError(codingPath: decoder.codingPath)
        }
    }

    /// Options of a named provider, written in the source: invalid ones are a programming error.
    static func builtIn(algorithm: Algorithm = .sha256, encoding: Encoding = .hex, header: String, prefix: String = "",
                        signed: String = "{body}", timestampHeader: String? = nil, timestampUnit: TimestampUnit? = nil,
                        toleranceSeconds: Int64? = nil) -> GenericHMACOptions {
        do {
            return try GenericHMACOptions(algorithm: algorithm, encoding: encoding, header: header, prefix: prefix, signed: signed,
                                          timestampHeader: timestampHeader, timestampUnit: timestampUnit, toleranceSeconds: toleranceSeconds)
        } catch {
            preconditionFailure("built-in signature options for \(header) are invalid: \(error)")
        }
    }

    // MARK: Validation

    /// One invalid option: its key and what to write instead.
    struct InvalidOption: Error {
        let key: CodingKeys
        let reason: String

        func decodingError(codingPath: [any CodingKey]) -> DecodingError {
            .dataCorrupted(DecodingError.Context(codingPath: codingPath + [key], debugDescription: reason))
        }
    }

    private init(validating algorithm: Algorithm, _ encoding: Encoding, _ header: String, _ prefix: String, _ signed: String,
                 _ headers: [String: String], _ timestampHeader: String?, _ timestampUnit: TimestampUnit?,
                 _ toleranceSeconds: Int64?) throws(InvalidOption) {
        guard Self.isToken(header) else {
            throw InvalidOption(key: .header, reason: "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~), e.g. X-Signature")
        }
        guard prefix.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw InvalidOption(key: .prefix, reason: "must be printable ASCII, as it appears in the header, e.g. 'sha256='")
        }
        for (name, headerName) in headers.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, name.utf8.allSatisfy({ Self.isNameByte($0) }) else {
                throw InvalidOption(key: .headers, reason: "placeholder name '\(name.prefix(40))' must be lower-case letters, digits or '_'")
            }
            guard !GenericHMACTemplate.reservedNames.contains(name) else {
                throw InvalidOption(key: .headers, reason: "'\(name)' is a built-in placeholder; choose another name for the header \(headerName.prefix(80))")
            }
            guard Self.isToken(headerName) else {
                throw InvalidOption(key: .headers, reason: "'\(name)' must map to an HTTP header name, e.g. X-Delivery-ID")
            }
        }
        let template: GenericHMACTemplate
        do {
            template = try GenericHMACTemplate(signed, headers: headers)
        } catch {
            throw InvalidOption(key: .signed, reason: error.reason)
        }
        guard template.contains(.body) else {
            throw InvalidOption(key: .signed, reason: "must include {body}: a signature that does not cover the body proves nothing about it")
        }
        for (name, headerName) in headers.sorted(by: { $0.key < $1.key }) where !template.contains(.header(name: headerName)) {
            throw InvalidOption(key: .headers, reason: "'\(name)' is not used in 'signed'; remove it or add {\(name)} where the provider signs it")
        }
        if let timestampHeader {
            guard Self.isToken(timestampHeader) else {
                throw InvalidOption(key: .timestampHeader, reason: "must be an HTTP header name, e.g. X-Timestamp")
            }
            guard template.contains(.timestamp) else {
                throw InvalidOption(key: .signed, reason: "must include {timestamp} when timestamp_header is set: an unsigned timestamp can be changed by anyone and protects from nothing")
            }
            if let toleranceSeconds, !(1...Self.maximumToleranceSeconds).contains(toleranceSeconds) {
                throw InvalidOption(key: .toleranceSeconds, reason: "must be between 1 and \(Self.maximumToleranceSeconds) seconds")
            }
        } else {
            guard !template.contains(.timestamp) else {
                throw InvalidOption(key: .timestampHeader, reason: "is required when 'signed' includes {timestamp}: name the header the provider sends it in")
            }
            guard timestampUnit == nil else {
                throw InvalidOption(key: .timestampUnit, reason: "only applies with timestamp_header; set that too, or remove timestamp_unit")
            }
            guard toleranceSeconds == nil else {
                throw InvalidOption(key: .toleranceSeconds, reason: "only applies with timestamp_header; set that too, or remove tolerance_seconds")
            }
        }
        self.algorithm = algorithm
        self.encoding = encoding
        self.header = header
        self.prefix = prefix
        self.signed = signed
        self.headers = headers
        self.timestampHeader = timestampHeader
        self.timestampUnit = timestampUnit ?? .seconds
        self.toleranceSeconds = toleranceSeconds ?? Self.defaultToleranceSeconds
        self.template = template
    }

    /// RFC 9110 `token`: the characters of a header name.
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
    }

    // MARK: Formats

    /// How the header value must look, for messages: `'sha256=' followed by 64 hex digits`.
    var expectedFormat: String {
        let bytes = algorithm.hmac.byteCount
        let encoded = switch encoding {
        case .hex: "\(bytes * 2) hex digits"
        case .base64: "the base64 of a \(bytes)-byte \(algorithm.hmac.displayName)"
        case .base64url: "the base64url of a \(bytes)-byte \(algorithm.hmac.displayName)"
        }
        return prefix.isEmpty ? encoded : "'\(prefix)' followed by \(encoded)"
    }

    /// The signature bytes of a header value, or nil unless it is ``prefix`` followed by exactly one encoded HMAC.
    func decodeSignature(_ value: Substring) -> [UInt8]? {
        let utf8 = value.utf8
        guard utf8.starts(with: prefix.utf8) else { return nil }
        let encoded = Array(utf8.dropFirst(prefix.utf8.count))
        let bytes: [UInt8]? = switch encoding {
        case .hex: try? Hex.decode(ascii: encoded)
        case .base64: try? Base64.decode(ascii: encoded, alphabet: .standard, padding: .optional)
        case .base64url: try? Base64.decode(ascii: encoded, alphabet: .url, padding: .optional)
        }
        guard let bytes, bytes.count == algorithm.hmac.byteCount else { return nil }
        return bytes
    }

    /// The header value for signature bytes: ``prefix`` and the encoding.
    func encodeSignature(_ bytes: [UInt8]) -> String {
        switch encoding {
        case .hex: prefix + Hex.encode(bytes)
        case .base64: prefix + Base64.encode(bytes, alphabet: .standard)
        case .base64url: prefix + Base64.encode(bytes, alphabet: .url)
        }
    }
}
