import InletCEL
import InletCore

/// The golden format: what mapping one payload yields, written so that it can be committed next to the payload
/// (`Tests/Fixtures/<definition>/<event>/<case>.expected.json`) and compared on every test run.
///
/// A JSON array with one element per ``MapperOutput``, in output order:
/// ```json
/// [
///   { "kind": "record", "model": "PullRequest", "key": "acme/1850295720", "deleted": false, "record": { ... } },
///   { "kind": "filtered", "model": "WorkItem", "reason": "filter" },
///   { "kind": "dead_letter", "code": "invalid_record" }
/// ]
/// ```
/// Nothing in it changes between runs: the input envelope is fixed (``envelope(definition:event:variant:)``), and
/// the dead-letter message, `ce_id` and topic are left out (the message's wording is not part of a mapping's
/// contract; the code is). `inlet map … --golden` prints it; `MappingGoldenTests` compares it as parsed JSON (key
/// order irrelevant, output order relevant).
public enum MappingGolden {
    /// The integration every golden case is mapped for; it begins every key (`acme/…`).
    public static let integration = "acme"
    /// The delivery ID of every golden case: it is `envelope.id`, and so the `push_id` of code pushes.
    public static let deliveryID = "golden"
    /// The receive time, and the envelope's `time`, of every golden case. Mappings that read `envelope.time` (GitLab
    /// and Bitbucket pushes, which carry no push time) show it in their records.
    public static let receivedAt = "2026-01-01T00:00:00.000Z"

    /// The input envelope of a golden case: fixed ID, integration and times, so the outputs are reproducible.
    /// - Parameter event: the event as the definition declares it (`pullrequest:created`), which is what the
    ///   receiver writes into `ce_inletevent`.
    public static func envelope(definition: DefinitionName, event: String, variant: String?) -> Envelope {
        Envelope.received(
            deliveryID: deliveryID, definition: definition, event: event, integration: integration, variant: variant,
            receivedAt: receivedAt)
    }

    /// The outputs as a CEL list of golden objects (keys in the documented order).
    public static func value(_ outputs: [MapperOutput]) -> CELValue {
        .list(outputs.map { output in
            switch output {
            case .record(let mapped):
                let record = (try? CELValue(json: mapped.record.jsonText())) ?? .string(mapped.record.jsonText())
                return object([
                    ("kind", "record"), ("model", .string(mapped.record.model.rawValue)), ("key", .string(mapped.key)),
                    ("deleted", .bool(mapped.record.deleted)), ("record", record),
                ])
            case .filtered(let skip):
                return object([("kind", "filtered"), ("model", .string(skip.model.rawValue)), ("reason", .string(skip.reason.rawValue))])
            case .deadLetter(let failure):
                return object([("kind", "dead_letter"), ("code", .string(failure.code.rawValue))])
            }
        })
    }

    /// The outputs as golden JSON text: two-space indented, ending with a newline, ready to be written to an
    /// `.expected.json` file.
    public static func render(_ outputs: [MapperOutput]) -> String {
        var text = ""
        PrettyJSON.write(value(outputs), indent: 0, into: &text)
        return text + "\n"
    }

    static func object(_ fields: [(String, CELValue)]) -> CELValue {
        var builder = CELMap.Builder(capacity: fields.count)
        for (key, value) in fields { try? builder.insert(.string(key), value, replacing: true) }
        return .map(builder.build())
    }
}
