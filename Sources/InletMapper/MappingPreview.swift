import Foundation
import InletCEL
import InletCore

/// `inlet map <definition> <event> <payload.json> [--variant V] [--golden]`: runs a mapping on one payload without
/// Kafka and renders what the mapper would do as pretty JSON.
public enum MappingPreview {
    /// How the outcome is rendered.
    public enum Format: Sendable {
        /// For people: the mapping file, and per output its entry, topic, `ce_id` and the dead letter's message.
        case preview
        /// The golden format (``MappingGolden``), mapped with the golden envelope: the exact text of an
        /// `.expected.json` file.
        case golden
    }

    /// Loads the mappings directory, maps the payload file's JSON, and returns the outcome as pretty JSON:
    /// ```json
    /// { "mapping": "github/pull_request.yaml", "outputs": [
    ///     { "kind": "record", "entry": 0, "model": "PullRequest", "topic": "inlet.model.pull_request",
    ///       "key": "acme/1850295720", "ce_id": "preview/PullRequest/0", "deleted": false, "record": { ... } },
    ///     { "kind": "filtered", "entry": 1, "model": "...", "reason": "filter" },
    ///     { "kind": "dead_letter", "code": "map_error", "message": "github/pull_request.yaml:12:7 (entry 0, map): ..." } ] }
    /// ```
    /// or, with `format: .golden`, the golden array of ``MappingGolden`` (mapped for integration `acme`).
    /// - Parameter event: the event as the provider spells it or in its topic-safe form (`repo_push`).
    /// - Parameter integrationFilters: applied as the mapper would for `integration` (a false filter shows as
    ///   `filtered` with reason `integration_filter`).
    /// - Throws: ``MapperError`` when a mapping file is broken or the payload file cannot be read.
    public static func run(
        definition: String, event: String, payloadPath: String, variant: String? = nil,
        mappingsDirectory: String, definitions: DefinitionRegistry, models: ModelRegistry,
        integration: String = "preview", integrationFilters: IntegrationFilters = .none, format: Format = .preview
    ) throws(MapperError) -> String {
        guard let data = FileManager.default.contents(atPath: payloadPath) else {
            throw MapperError(.preview, "cannot read payload file '\(payloadPath)'")
        }
        let catalog = try MappingCatalog.load(directory: mappingsDirectory, definitions: definitions, models: models)
        // Accept `repo_push` for `repo:push`: the receiver writes the declared spelling into the envelope.
        let declared = definitions[definition].flatMap { MappingCatalog.declaredEvent(named: event, in: $0) }?.rawValue ?? event
        let engine = MappingEngine(catalog: catalog, integrationFilters: integrationFilters)
        switch format {
        case .preview:
            return render(engine: engine, definition: definition, event: declared, payload: Array(data), variant: variant,
                          integration: integration)
        case .golden:
            return renderGolden(engine: engine, definition: definition, event: declared, payload: Array(data), variant: variant)
        }
    }

    /// Maps `payload` (JSON bytes) with the golden envelope and renders the golden array (``MappingGolden``).
    public static func renderGolden(
        engine: MappingEngine, definition: String, event: String, payload: [UInt8], variant: String? = nil
    ) -> String {
        let definitionName = (try? DefinitionName(definition)) ?? (try! DefinitionName("unknown"))
        let envelope = MappingGolden.envelope(definition: definitionName, event: event, variant: variant)
        return MappingGolden.render(engine.map(envelope: envelope, value: payload))
    }

    /// Maps `payload` (JSON bytes) with `engine` and renders the outcome; see ``run(definition:event:payloadPath:variant:mappingsDirectory:definitions:models:integration:integrationFilters:format:)``.
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
                items.append(MappingGolden.object([
                    ("kind", "record"), ("entry", .int(Int64(mapped.entryIndex))), ("model", .string(mapped.record.model.rawValue)),
                    ("topic", .string(mapped.topic.rawValue)), ("key", .string(mapped.key)), ("ce_id", .string(mapped.envelope.id)),
                    ("deleted", .bool(mapped.record.deleted)), ("record", record),
                ]))
            case .filtered(let skip):
                items.append(MappingGolden.object([
                    ("kind", "filtered"), ("entry", .int(Int64(skip.entryIndex))), ("model", .string(skip.model.rawValue)),
                    ("reason", .string(skip.reason.rawValue)),
                ]))
            case .deadLetter(let failure):
                var fields: [(String, CELValue)] = [("kind", "dead_letter")]
                if let entry = failure.entryIndex { fields.append(("entry", .int(Int64(entry)))) }
                fields += [("code", .string(failure.code.rawValue)), ("message", .string(failure.message))]
                items.append(MappingGolden.object(fields))
            }
        }
        let file = engine.catalog.mapping(definition: definition, event: event)?.path
        let result = MappingGolden.object([("mapping", file.map(CELValue.string) ?? .null), ("outputs", .list(items))])
        var text = ""
        PrettyJSON.write(result, indent: 0, into: &text)
        return text
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
