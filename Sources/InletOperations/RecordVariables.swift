import Foundation
import InletCEL
import InletCore
import InletKafka
import InletStageRuntime

/// The CEL variables an operator filter (`--filter`) sees for one record.
///
/// | variable | value |
/// |---|---|
/// | `envelope` | map of the CloudEvents attributes, named as in mappings: `id`, `source`, `type`, `time`, `subject`, `specversion`, `datacontenttype`, `definition`, `event`, `integration`, `variant`, `receivedat`, `traceparent`, `replayid` (absent ones are `null`) |
/// | `payload` | the record value parsed as JSON; `null` when it is not JSON |
/// | `record` | `topic`, `partition`, `offset`, `key` (string or `null`), `timestamp` (RFC 3339 or `null`), `headers` (map of every header as text) |
/// | `deadletter` | on dead-letter topics: `stage`, `error_code`, `error_message`, `attempts`, `original_topic`, `original_partition`, `original_offset`; `null` elsewhere |
public enum RecordVariables {
    public static let envelope = "envelope"
    public static let payload = "payload"
    public static let record = "record"
    public static let deadLetter = "deadletter"

    /// The environment filters compile in: the standard library, the strings, math, lists and encoders extensions,
    /// and the four variables.
    public static let environment: CELEnvironment = {
        var environment = CELEnvironment(libraries: [.strings, .math, .lists, .encoders])
        environment.declare(envelope, as: .map(.string, .dyn))
        environment.declare(payload, as: .dyn)
        environment.declare(record, as: .map(.string, .dyn))
        environment.declare(deadLetter, as: .dyn)
        return environment
    }()

    /// Which envelope key each header fills; the keys match the mapper's `envelope` variable.
    static let envelopeKeys: [(key: String, header: String)] = [
        ("specversion", Envelope.Header.specVersion), ("id", Envelope.Header.id), ("source", Envelope.Header.source),
        ("type", Envelope.Header.type), ("time", Envelope.Header.time), ("subject", Envelope.Header.subject),
        ("datacontenttype", Envelope.Header.contentType), ("definition", Envelope.Header.definition),
        ("event", Envelope.Header.event), ("integration", Envelope.Header.integration),
        ("variant", Envelope.Header.variant), ("receivedat", Envelope.Header.receivedAt),
        ("traceparent", Envelope.Header.traceparent), ("replayid", Envelope.Header.replayID),
    ]

    /// The bindings of `record`. Header values are read leniently (a record that is not Inlet's still binds, with
    /// `null` for what it lacks).
    public static func bindings(for record: KafkaRecord) -> [String: CELValue] {
        bindings(for: record, reading: [envelope, payload, self.record, deadLetter])
    }

    /// The bindings of `record` that an expression reading `variables` needs (root names, as
    /// ``InletCEL/CELProgram/variableNames`` lists them, qualified ones included). Parsing the payload is most of the
    /// cost of a binding, and a filter on envelope attributes alone never pays it.
    public static func bindings(for record: KafkaRecord, reading variables: some Collection<String>) -> [String: CELValue] {
        func reads(_ name: String) -> Bool {
            variables.contains { $0 == name || $0.hasPrefix(name + ".") }
        }
        let headers = record.textHeaders
        var first: [String: String] = [:]
        for (key, value) in headers where first[key] == nil { first[key] = value }

        var envelopeMap = CELMap.Builder(capacity: envelopeKeys.count)
        for (key, header) in envelopeKeys {
            try? envelopeMap.insert(.string(key), first[header].map(CELValue.string) ?? .null, replacing: true)
        }
        var headerMap = CELMap.Builder(capacity: first.count)
        for (key, value) in first.sorted(by: { $0.key < $1.key }) {
            try? headerMap.insert(.string(key), .string(value), replacing: true)
        }
        var recordMap = CELMap.Builder(capacity: 6)
        try? recordMap.insert("topic", .string(record.topic), replacing: true)
        try? recordMap.insert("partition", .int(Int64(record.partition)), replacing: true)
        try? recordMap.insert("offset", .int(record.offset), replacing: true)
        try? recordMap.insert("key", record.key.map { .string(String(decoding: $0, as: UTF8.self)) } ?? .null, replacing: true)
        try? recordMap.insert("timestamp", record.timestampMilliseconds.map { .string(RFC3339Milliseconds.format($0)) } ?? .null, replacing: true)
        try? recordMap.insert("headers", .map(headerMap.build()), replacing: true)

        var result: [String: CELValue] = [envelope: .map(envelopeMap.build()), self.record: .map(recordMap.build())]
        if reads(payload) { result[payload] = (try? CELValue(jsonUTF8: record.value)) ?? .null }
        if reads(deadLetter) { result[deadLetter] = DeadLetter(headers: headers).map(deadLetterValue) ?? .null }
        return result
    }

    static func deadLetterValue(_ letter: DeadLetter) -> CELValue {
        var builder = CELMap.Builder(capacity: 7)
        try? builder.insert("stage", .string(letter.stage.rawValue), replacing: true)
        try? builder.insert("error_code", .string(letter.errorCode), replacing: true)
        try? builder.insert("error_message", .string(letter.errorMessage), replacing: true)
        try? builder.insert("attempts", .int(Int64(letter.attempts)), replacing: true)
        try? builder.insert("original_topic", .string(letter.originalTopic), replacing: true)
        try? builder.insert("original_partition", .int(Int64(letter.originalPartition)), replacing: true)
        try? builder.insert("original_offset", .int(letter.originalOffset), replacing: true)
        return .map(builder.build())
    }
}
