import InletCore
import InletKafka
import Logging

/// Logging metadata keys the stages share for per-record log lines, in one place.
public enum StageLogKey {
    public static let topic = "kafka.topic"
    public static let partition = "kafka.partition"
    public static let offset = "kafka.offset"
    /// The trace ID (32 lower-case hex digits) of the record's W3C `traceparent`, so a log line can be joined with
    /// the trace of the webhook that caused it.
    public static let traceID = "trace_id"
}

extension KafkaRecord {
    /// The record's W3C `traceparent` header, as the receiver set it and every stage carries it on.
    public var traceparent: String? { headers.first(Envelope.Header.traceparent) }

    /// ``traceparent`` when it has the exact version-00 shape (`00-<32 hex>-<16 hex>-<2 hex>`, lower case, ids not
    /// all zero), otherwise nil. Only such a value is copied into an HTTP header or a log line: nothing else from the
    /// header (a CR, a LF, a long string) can get there.
    public var wellFormedTraceparent: String? {
        guard let traceparent else { return nil }
        let bytes = Array(traceparent.utf8)
        guard bytes.count == 55, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0"),
              bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-")
        else { return nil }
        func isLowerHex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
        }
        func isZero(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == UInt8(ascii: "0") } }
        guard isLowerHex(3..<35), isLowerHex(36..<52), isLowerHex(53..<55), !isZero(3..<35), !isZero(36..<52) else {
            return nil
        }
        return traceparent
    }

    /// The trace-id field (32 lower-case hex digits) of a ``wellFormedTraceparent``, or nil.
    public var traceID: String? {
        guard let traceparent = wellFormedTraceparent else { return nil }
        return String(decoding: Array(traceparent.utf8)[3..<35], as: UTF8.self)
    }

    /// Where the record is and which trace it belongs to: topic, partition, offset and `trace_id` (when the record
    /// has a valid `traceparent`). For every log line about one record; never the key, value or other headers.
    public var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = [
            StageLogKey.topic: "\(topic)", StageLogKey.partition: "\(partition)", StageLogKey.offset: "\(offset)",
        ]
        if let traceID { metadata[StageLogKey.traceID] = "\(traceID)" }
        return metadata
    }
}
