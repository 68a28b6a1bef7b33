import Foundation
import InletCEL
import InletCore

/// `inlet map <definition> <event> <payload.json> [--variant V]`: runs a mapping on one payload without Kafka and
/// renders what the mapper would do as pretty JSON.
public enum MappingPreview {
    /// Loads the mappings directory, maps the payload file's JSON, and returns the outcome as pretty JSON:
    /// ```json
    /// { "mapping": "github/pull_request.yaml", "outputs": [
    ///     { "kind": "record", "model": "PullRequest", "topic": "inlet.model.pull_request", "key": "acme/1850295720",
    ///       "ce_id": "preview/PullRequest/0", "record": { ... } },
    ///     { "kind": "filtered", "entry": 1, "model": "...", "reason": "filter" },
    ///     { "kind": "dead_letter", "code": "map_error", "message": "github/pull_request.yaml:12:7 (entry 0, map): ..." } ] }
    /// ```
    /// - Throws: ``MapperError`` when a mapping file is broken or the payload file cannot be read.
    public static func run(
        definition: String, event: String, payloadPath: String, variant: String? = nil,
        mappingsDirectory: String, definitions: DefinitionRegistry, models: ModelRegistry,
        integration: String = "preview"
    ) throws(MapperError) -> String {
        guard let data = FileManager.default.contents(atPath: payloadPath) else {
            throw MapperError(.preview, "cannot read payload file '\(payloadPath)'")
        }
        let catalog = try MappingCatalog.load(directory: mappingsDirectory, definitions: definitions, models: models)
        return render(engine: MappingEngine(catalog: catalog), definition: definition, event: event,
                      payload: Array(data), variant: variant, integration: integration)
    }

    /// Maps `payload` (JSON bytes) with `engine` and renders the outcome; see ``run(definition:event:payloadPath:variant:mappingsDirectory:definitions:models:integration:)``.
    public static func render(
        engine: MappingEngine, definition: String, event: String, payload: [UInt8], variant: String? = nil,
        integration: String = "preview"
    ) -> String {
        let definitionName = (try? DefinitionName(definition)) ?? (try! DefinitionName("unknown"))
        let now = RFC3339.now()
        let envelope = Envelope.received(
            deliveryID: "preview", definition: definitionName, event: event, integration: integration,
            variant: variant, receivedAt: now)
        let outputs = engine.map(envelope: envelope, value: payload)
        var items: [CELValue] = []
        for output in outputs {
            switch output {
            case .record(let mapped):
                let record = (try? CELValue(json: mapped.record.jsonText())) ?? .string(mapped.record.jsonText())
                items.append(object([
                    ("kind", "record"), ("entry", .int(Int64(mapped.entryIndex))), ("model", .string(mapped.record.model.rawValue)),
                    ("topic", .string(mapped.topic.rawValue)), ("key", .string(mapped.key)), ("ce_id", .string(mapped.envelope.id)),
                    ("deleted", .bool(mapped.record.deleted)), ("record", record),
                ]))
            case .filtered(let skip):
                items.append(object([
                    ("kind", "filtered"), ("entry", .int(Int64(skip.entryIndex))), ("model", .string(skip.model.rawValue)),
                    ("reason", .string(skip.reason.rawValue)),
                ]))
            case .deadLetter(let failure):
                var fields: [(String, CELValue)] = [("kind", "dead_letter")]
                if let entry = failure.entryIndex { fields.append(("entry", .int(Int64(entry)))) }
                fields += [("code", .string(failure.code.rawValue)), ("message", .string(failure.message))]
                items.append(object(fields))
            }
        }
        let file = engine.catalog.mapping(definition: definition, event: event)?.path
        let result = object([("mapping", file.map(CELValue.string) ?? .null), ("outputs", .list(items))])
        var text = ""
        PrettyJSON.write(result, indent: 0, into: &text)
        return text
    }

    private static func object(_ fields: [(String, CELValue)]) -> CELValue {
        var builder = CELMap.Builder(capacity: fields.count)
        for (key, value) in fields { try? builder.insert(.string(key), value, replacing: true) }
        return .map(builder.build())
    }
}

/// Two-space indented JSON for CEL values, keeping map insertion order (the model's field order).
enum PrettyJSON {
    static func write(_ value: CELValue, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch value {
        case .list(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += pad
                write(item, indent: indent + 1, into: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += close + "]"
        case .map(let map) where !map.isEmpty:
            out += "{\n"
            var index = 0
            for (key, item) in map {
                out += pad
                if case .string(let name) = key { JSONText.appendString(name, to: &out) } else { JSONText.appendString(key.jsonString(), to: &out) }
                out += ": "
                write(item, indent: indent + 1, into: &out)
                index += 1
                out += index == map.count ? "\n" : ",\n"
            }
            out += close + "}"
        default:
            out += value.jsonString()
        }
    }
}
