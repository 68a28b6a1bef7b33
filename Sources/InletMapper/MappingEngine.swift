import InletCEL
import InletCore

/// The pure part of the mapper: one input record (envelope and value) in, model records, skips and dead letters out.
/// No I/O, no clocks; `Sendable` and safe to call from any number of tasks at once.
///
/// Per input record the payload is read from its JSON bytes once — only the parts the file's expressions (and the
/// integration's filter) can observe, the rest validated and skipped — and the variables bound once, then every
/// entry of the event's mapping file is applied in order. An entry's records are all-or-nothing: if its filter or map fails,
/// or any object it returned is invalid, the entry yields none of its records; other entries are unaffected. All
/// failures of one input record become a single dead letter (code of the first, every message), placed last.
public struct MappingEngine: Sendable {
    public let catalog: MappingCatalog
    /// The integrations' own filters; a record is mapped only when its integration's filter (if any) and its
    /// entry's filter both accept it.
    public let integrationFilters: IntegrationFilters
    /// By mapping file path, what the file and any integration filter can observe of the payload; empty when there
    /// are no integration filters (each file's own ``MappingFile/payloadUsage`` then applies).
    private let payloadUsageWithFilters: [String: CELValueUsage]

    public init(catalog: MappingCatalog, integrationFilters: IntegrationFilters = .none) {
        self.catalog = catalog
        self.integrationFilters = integrationFilters
        var withFilters: [String: CELValueUsage] = [:]
        if !integrationFilters.filters.isEmpty {
            let filtersUsage = integrationFilters.filters.values.reduce(CELValueUsage.fields([:])) { $0.union($1.payloadUsage) }
            for file in catalog.files.values { withFilters[file.path] = file.payloadUsage.union(filtersUsage) }
        }
        self.payloadUsageWithFilters = withFilters
    }

    /// Maps one record whose value is JSON bytes.
    public func map(envelope: Envelope, value: [UInt8]) -> [MapperOutput] {
        guard let file = catalog.mapping(definition: envelope.definition, event: envelope.event) else {
            return [noMapping(envelope)]
        }
        let integrationFilter = integrationFilter(envelope)
        // Only what the expressions can observe is built (the whole document is still validated); they evaluate
        // exactly as on the whole payload.
        let usage = integrationFilter == nil ? file.payloadUsage : payloadUsageWithFilters[file.path] ?? .whole
        let payload: CELValue
        do {
            payload = try CELValue(jsonUTF8: value, reading: usage)
        } catch {
            return [.deadLetter(MapperFailure(
                code: .invalidPayload,
                message: "\(file.path): the record value is not a JSON document (\(error.message)); the receiver should only accept JSON bodies",
                mappingFile: file.path))]
        }
        return map(envelope: envelope, payload: payload, file: file, integrationFilter: integrationFilter)
    }

    /// Maps one record whose payload is already a CEL value (tests, `inlet map`).
    public func map(envelope: Envelope, payload: CELValue) -> [MapperOutput] {
        guard let file = catalog.mapping(definition: envelope.definition, event: envelope.event) else {
            return [noMapping(envelope)]
        }
        return map(envelope: envelope, payload: payload, file: file, integrationFilter: integrationFilter(envelope))
    }

    /// The filter of the record's integration, if it has one (without hashing when no integration has one).
    private func integrationFilter(_ envelope: Envelope) -> IntegrationFilters.Filter? {
        integrationFilters.filters.isEmpty ? nil : integrationFilters[envelope.integration]
    }

    private func noMapping(_ envelope: Envelope) -> MapperOutput {
        .deadLetter(MapperFailure(
            code: .noMapping,
            message: "no mapping file \(envelope.definition.prefix(64))/\(EventName(envelope.event).topicSegment.prefix(64)).yaml for event '\(envelope.event.prefix(64))'; add one and redrive this record"))
    }

    private func map(
        envelope: Envelope, payload: CELValue, file: MappingFile, integrationFilter: IntegrationFilters.Filter?
    ) -> [MapperOutput] {
        let variables = MappingVariables.values(
            envelope: envelope, payload: payload, includeEnvelope: file.usesEnvelope || integrationFilter?.usesEnvelope == true)
        if let integrationFilter {
            switch integrationFilter.decide(variables) {
            case .pass:
                break
            case .reject:
                // Every entry is skipped; the reason says why, so `inlet map` and the debug log explain it.
                return file.entries.map { entry in
                    .filtered(MappingSkip(mappingFile: file.path, entryIndex: entry.index, model: entry.model.name,
                                          reason: entry.applies(toVariant: envelope.variant) ? .integrationFilter : .variant))
                }
            case .failure(let reason):
                return [.deadLetter(MapperFailure(code: .filterError, message: "\(file.path): \(reason)", mappingFile: file.path))]
            }
        }
        var outputs: [MapperOutput] = []
        outputs.reserveCapacity(file.entries.count)
        var failures: [MapperFailure] = []
        var ordinal = 0
        for entry in file.entries {
            guard entry.applies(toVariant: envelope.variant) else {
                outputs.append(.filtered(MappingSkip(mappingFile: file.path, entryIndex: entry.index, model: entry.model.name, reason: .variant)))
                continue
            }
            if let filter = entry.filter {
                let result: CELValue
                do {
                    result = try filter.evaluate(variables)
                } catch {
                    failures.append(failure(.filterError, file, entry, "filter", filter, error))
                    continue
                }
                guard case .bool(let pass) = result else {
                    failures.append(MapperFailure(
                        code: .filterError,
                        message: "\(position(file, entry, "filter", filter, nil)): the filter returned \(result.typeName); it must return a bool",
                        mappingFile: file.path, entryIndex: entry.index))
                    continue
                }
                guard pass else {
                    outputs.append(.filtered(MappingSkip(mappingFile: file.path, entryIndex: entry.index, model: entry.model.name, reason: .filter)))
                    continue
                }
            }

            let produced: CELValue
            if let map = entry.map {
                do {
                    produced = try map.evaluate(variables)
                } catch {
                    failures.append(failure(.mapError, file, entry, "map", map, error))
                    continue
                }
            } else {
                produced = payload
            }

            let objects: [CELValue]
            switch RecordValidator.unwrap(produced) {
            case .map: objects = [produced]
            case .list(let items): objects = items
            default:
                failures.append(MapperFailure(
                    code: .invalidRecord,
                    message: "\(position(file, entry, "map", entry.map, nil)): the map returned \(produced.typeName); it must return an object or a list of objects",
                    mappingFile: file.path, entryIndex: entry.index))
                continue
            }
            if objects.isEmpty {
                outputs.append(.filtered(MappingSkip(mappingFile: file.path, entryIndex: entry.index, model: entry.model.name, reason: .emptyList)))
                continue
            }

            // The entry's records are all-or-nothing: appended as they validate, taken back on a violation.
            let validator = entry.validator
            let firstRecord = outputs.endIndex
            var violation: String?
            for (index, object) in objects.enumerated() {
                switch validator.record(from: RecordValidator.unwrap(object), integration: envelope.integration, definition: envelope.definition) {
                case .success(let record):
                    let key = record.key(for: entry.model)
                    outputs.append(.record(MappedRecord(
                        record: record, key: key,
                        envelope: MappingEngine.modelEnvelope(
                            input: envelope, model: entry.model.name, eventType: entry.eventType, key: key,
                            ordinal: ordinal + index),
                        mappingFile: file.path, entryIndex: entry.index, topic: entry.topic)))
                case .failure(let reason):
                    let item = objects.count > 1 || produced.kind == .list ? " item \(index)" : ""
                    violation = "\(position(file, entry, "map", entry.map, nil)): invalid \(entry.model.name) record\(item): \(reason)"
                }
                if violation != nil { break }
            }
            if let violation {
                outputs.removeSubrange(firstRecord...)
                failures.append(MapperFailure(code: .invalidRecord, message: violation, mappingFile: file.path, entryIndex: entry.index))
                continue
            }
            ordinal += objects.count
        }
        if let first = failures.first {
            // One dead letter per input record, whatever number of entries failed: a redrive re-runs the whole file.
            let message = failures.count == 1
                ? first.message
                : "\(failures.count) entries failed: " + failures.map(\.message).joined(separator: "; ")
            outputs.append(.deadLetter(MapperFailure(code: first.code, message: message, mappingFile: file.path, entryIndex: first.entryIndex)))
        }
        return outputs
    }

    /// The envelope of a model record: a stable `ce_id` per produced record, so a replay of the same delivery
    /// through the same mapping yields the same IDs.
    static func modelEnvelope(input: Envelope, model: ModelName, eventType: String, key: String, ordinal: Int) -> Envelope {
        // `<delivery id>/<Model>/<ordinal>`, written into one buffer (interpolation or `+` allocate more than once).
        var id = ""
        id.reserveCapacity(input.id.utf8.count + model.rawValue.utf8.count + 22)
        id += input.id
        id += "/"
        id += model.rawValue
        id += "/"
        id += String(ordinal)
        return Envelope(
            id: id, source: input.source, type: eventType,
            time: input.time, contentType: "application/json", subject: key, definition: input.definition,
            event: input.event, integration: input.integration, variant: input.variant, receivedAt: input.receivedAt,
            traceparent: input.traceparent, replayID: input.replayID)
    }

    /// The `ce_type` of `model`'s records.
    static func modelEventType(_ model: ModelName) -> String { "inlet.model.\(model.rawValue)" }

    private func failure(
        _ code: MapperFailure.Code, _ file: MappingFile, _ entry: MappingEntry, _ key: String,
        _ expression: MappingExpression, _ error: CELError
    ) -> MapperFailure {
        MapperFailure(
            code: code,
            message: "\(position(file, entry, key, expression, error.position)): \(error.code) error: \(error.message)",
            mappingFile: file.path, entryIndex: entry.index)
    }

    /// `github/pull_request.yaml:14:23 (entry 0, map)`, with the file position of the failing node when known.
    private func position(
        _ file: MappingFile, _ entry: MappingEntry, _ key: String, _ expression: MappingExpression?,
        _ position: CELSourcePosition?
    ) -> String {
        var location = MapperError.Location(file: file.path, entry: entry.index, key: key)
        if let expression {
            let (line, column) = position.map { expression.anchor.filePosition(line: $0.line, column: $0.column) }
                ?? (expression.anchor.line, expression.anchor.column)
            location.line = line
            location.column = column
        }
        return location.description
    }
}
