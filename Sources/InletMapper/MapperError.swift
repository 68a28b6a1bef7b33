import InletCEL
import InletCore

/// The one error type of `InletMapper`: broken mapping files at start-up, bad configuration, and Kafka failures of
/// the mapper's batch loop.
///
/// Per-record failures (a filter that errors, an invalid record) are not thrown: they become dead letters
/// (``MapperFailure``). The description names the mapping file, entry, key and position; it never contains payloads.
public struct MapperError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A mapping file cannot be read, is not valid YAML, or does not have the expected shape.
        public static let invalidMappingFile = Code("invalid_mapping_file")
        /// A `filter` or `map` expression does not compile.
        public static let invalidExpression = Code("invalid_expression")
        /// A mapping file's directory names no registered definition.
        public static let unknownDefinition = Code("unknown_definition")
        /// A mapping file's name is not an event its definition declares.
        public static let undeclaredEvent = Code("undeclared_event")
        /// An entry's `model` is not in the ``ModelRegistry``.
        public static let unknownModel = Code("unknown_model")
        /// An integration's `filter` in the integrations file does not compile.
        public static let invalidIntegrationFilter = Code("invalid_integration_filter")
        /// A configuration value (environment variable) is malformed.
        public static let configuration = Code("configuration")
        /// Producing model records or dead letters kept failing; the batch was not committed.
        public static let produce = Code("produce")
        /// Committing a processed batch failed.
        public static let commit = Code("commit")
        /// `inlet map` was given a payload file it cannot read or a definition/event without a mapping.
        public static let preview = Code("preview")
    }

    /// Where in a mapping file the problem is. Lines and columns are 1-based and count in the YAML file.
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        /// The mapping file, relative to the mappings directory (`github/pull_request.yaml`).
        public var file: String
        /// The 0-based index of the entry in the file's list, when the problem is inside one.
        public var entry: Int?
        /// The key inside the entry (`model`, `filter`, `map`, `variants`).
        public var key: String?
        public var line: Int?
        public var column: Int?

        public init(file: String, entry: Int? = nil, key: String? = nil, line: Int? = nil, column: Int? = nil) {
            self.file = file
            self.entry = entry
            self.key = key
            self.line = line
            self.column = column
        }

        /// `github/pull_request.yaml:14:23 (entry 0, map)`.
        public var description: String {
            var text = file
            if let line {
                text += ":\(line)"
                if let column { text += ":\(column)" }
            }
            var parts: [String] = []
            if let entry { parts.append("entry \(entry)") }
            if let key { parts.append(key) }
            if !parts.isEmpty { text += " (\(parts.joined(separator: ", ")))" }
            return text
        }
    }

    public var code: Code
    /// What went wrong and what to do.
    public var reason: String
    /// The mapping file position, for start-up errors.
    public var location: Location?
    /// The CEL error code when the problem is an expression (`parse`, `check`, `limit`).
    public var celCode: CELError.Code?
    /// Whether trying again later can succeed (Kafka failures); mapping-file problems never are.
    public var isRetriable: Bool

    public init(_ code: Code, _ reason: String, location: Location? = nil, celCode: CELError.Code? = nil,
                isRetriable: Bool = false) {
        self.code = code
        self.reason = reason
        self.location = location
        self.celCode = celCode
        self.isRetriable = isRetriable
    }

    public var description: String {
        if let location { return "\(code) at \(location): \(reason)" }
        return "\(code): \(reason)"
    }
}
