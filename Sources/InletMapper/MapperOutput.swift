import InletCore

/// What mapping one input record yields: model records, explicit skips and dead letters, in entry order.
///
/// Nothing is dropped silently: an entry that produces no record says so with ``filtered(_:)``, and a record that
/// cannot be mapped becomes a ``deadLetter(_:)``.
public enum MapperOutput: Sendable {
    /// A validated record for `inlet.model.<model>`.
    case record(MappedRecord)
    /// An entry produced nothing on purpose (its filter or its integration's filter was false, its variants exclude
    /// the record, or its map returned an empty list). Counted in metrics and logged at debug level.
    case filtered(MappingSkip)
    /// The input record goes to `inlet.dlq.mapper` with this reason.
    case deadLetter(MapperFailure)
}

/// One model record ready to produce.
public struct MappedRecord: Sendable {
    public let record: ModelRecord
    /// The Kafka record key and `ce_subject`: the upsert key joined with `/`.
    public let key: String
    /// The model-topic envelope: `ce_id` `<delivery id>/<Model>/<index>`, `ce_type` `inlet.model.<Model>`,
    /// `ce_subject` the key; source, time, Inlet extensions and `traceparent` carried from the input.
    public let envelope: Envelope
    /// The mapping file and entry that produced it.
    public let mappingFile: String
    public let entryIndex: Int

    /// `inlet.model.<model>`.
    public let topic: TopicName

    public init(record: ModelRecord, key: String, envelope: Envelope, mappingFile: String, entryIndex: Int) {
        self.init(record: record, key: key, envelope: envelope, mappingFile: mappingFile, entryIndex: entryIndex,
                  topic: .model(record.model))
    }

    /// With the topic already known (the engine takes it from the entry, where it is computed once, instead of
    /// normalising the model name for every record).
    init(record: ModelRecord, key: String, envelope: Envelope, mappingFile: String, entryIndex: Int, topic: TopicName) {
        self.record = record
        self.key = key
        self.envelope = envelope
        self.mappingFile = mappingFile
        self.entryIndex = entryIndex
        self.topic = topic
    }
}

/// An entry that produced nothing, and why.
public struct MappingSkip: Sendable, Equatable {
    public enum Reason: String, Sendable {
        /// The entry's filter evaluated to `false`.
        case filter
        /// The entry lists `variants` and the record's variant is not among them.
        case variant
        /// The entry's map returned an empty list.
        case emptyList = "empty_list"
        /// The integration's own filter (``IntegrationFilters``) was false for the record.
        case integrationFilter = "integration_filter"
    }

    public let mappingFile: String
    public let entryIndex: Int
    public let model: ModelName
    public let reason: Reason
}

/// Why a record goes to the dead-letter topic. ``code`` is the `inlet-dlq-error-code` header.
public struct MapperFailure: Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes of the mapper's dead letters.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// No mapping file exists for the record's definition and event.
        public static let noMapping = Code("no_mapping")
        /// The record headers are not an Inlet envelope.
        public static let invalidEnvelope = Code("invalid_envelope")
        /// The record value is not a JSON document.
        public static let invalidPayload = Code("invalid_payload")
        /// A filter failed at run time or returned something other than a bool.
        public static let filterError = Code("filter_error")
        /// A map failed at run time.
        public static let mapError = Code("map_error")
        /// A produced object is not a valid record of its model (missing, mistyped or unknown fields).
        public static let invalidRecord = Code("invalid_record")
    }

    public let code: Code
    /// Names the mapping file, entry and position and the reason; never contains payload values.
    public let message: String
    public let mappingFile: String?
    public let entryIndex: Int?

    public init(code: Code, message: String, mappingFile: String? = nil, entryIndex: Int? = nil) {
        self.code = code
        self.message = message
        self.mappingFile = mappingFile
        self.entryIndex = entryIndex
    }

    public var description: String { "\(code): \(message)" }

    /// The dead-letter headers for the input record this failure belongs to.
    public func deadLetter(originalTopic: String, originalPartition: Int32, originalOffset: Int64) -> DeadLetter {
        DeadLetter(stage: .mapper, errorCode: code.rawValue, errorMessage: message,
                   originalTopic: originalTopic, originalPartition: originalPartition, originalOffset: originalOffset)
    }
}
