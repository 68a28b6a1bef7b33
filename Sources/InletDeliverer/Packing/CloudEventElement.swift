import InletCore
import InletCrypto

/// How one model record appears inside a delivery body: a CloudEvents 1.0 event in the JSON event format
/// (structured mode), so subscribers can read batches with any CloudEvents SDK.
///
/// ```json
/// {"specversion":"1.0","id":"…","source":"/inlet/github/acme","type":"inlet.model.PullRequest",
///  "subject":"acme/1234","time":"2026-11-21T21:04:05.123Z","datacontenttype":"application/json",
///  "inletdefinition":"github","inletevent":"pull_request","inletintegration":"acme",
///  "inletreceivedat":"2026-11-21T21:04:05.123Z","data":{…the record as it is on the topic…}}
/// ```
/// Optional attributes (`subject`, `inletvariant`, `traceparent`, `inletreplayid`) appear only when the record has
/// them. A record value that is not valid JSON travels as `"data_base64"` instead of `"data"`, so one bad record
/// cannot make a whole batch unparsable. See docs/deliverer.md.
public enum CloudEventElement {
    /// `Content-Type` of a batch body: a JSON array of elements (CloudEvents JSON batch format).
    public static let batchContentType = "application/cloudevents-batch+json"
    /// `Content-Type` of one chunk of a split element.
    public static let chunkContentType = "application/octet-stream"
    /// The content type of a reassembled element (one structured-mode CloudEvent).
    public static let elementContentType = "application/cloudevents+json"

    /// The element for a record with `envelope`'s attributes and `value` as its data.
    public static func encode(envelope: Envelope, value: [UInt8]) -> [UInt8] {
        var out = "{"
        func attribute(_ name: String, _ text: String) {
            if out.utf8.count > 1 { out += "," }
            JSONText.appendString(name, to: &out)
            out += ":"
            JSONText.appendString(text, to: &out)
        }
        attribute("specversion", Envelope.specVersion)
        attribute("id", envelope.id)
        attribute("source", envelope.source)
        attribute("type", envelope.type)
        if let subject = envelope.subject { attribute("subject", subject) }
        attribute("time", envelope.time)
        attribute("datacontenttype", envelope.contentType)
        attribute("inletdefinition", envelope.definition)
        attribute("inletevent", envelope.event)
        attribute("inletintegration", envelope.integration)
        if let variant = envelope.variant { attribute("inletvariant", variant) }
        attribute("inletreceivedat", envelope.receivedAt)
        if let traceparent = envelope.traceparent { attribute("traceparent", traceparent) }
        if let replayID = envelope.replayID { attribute("inletreplayid", replayID) }
        var bytes = Array(out.utf8)
        bytes.reserveCapacity(bytes.count + value.count + 32)
        if JSONSyntax.isValid(value) {
            bytes.append(contentsOf: #","data":"#.utf8)
            bytes.append(contentsOf: value)
        } else {
            bytes.append(contentsOf: #","data_base64":""#.utf8)
            bytes.append(contentsOf: Base64.encode(value).utf8)
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// The elements of a batch body (a JSON array), each as its exact bytes; nil when the body is not a valid JSON
    /// array. For subscribers written in Swift and for the sink.
    public static func splitBatch(_ body: [UInt8]) -> [[UInt8]]? {
        JSONSyntax.arrayElements(body)?.map { Array(body[$0]) }
    }
}
