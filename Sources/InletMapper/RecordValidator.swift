import InletCEL
import InletCore

/// Turns one object a mapping produced into a ``ModelRecord`` of its ``ModelDeclaration``, or says why it cannot.
///
/// Rules:
/// - `integration_id` and `definition` are filled from the envelope; a mapping that sets them is rejected.
/// - Every other key must be a declared field (all unknown keys are named); `_deleted` (bool) marks a deletion.
/// - Required fields must be present and non-null; a deletion only needs the upsert key and the version field.
/// - Types: `string` ← string; `int` ← int (or uint that fits); `double` ← double or int; `bool` ← bool;
///   `timestamp` ← RFC 3339 string or CEL timestamp; `json` ← anything (rendered as compact JSON);
///   `list<string>` ← list of strings. `null` (and `optional.none()`) is an absent value.
public struct RecordValidator: Sendable {
    public static let deletedKey = "_deleted"

    public let declaration: ModelDeclaration
    /// Field positions by name, built once so validating a record does no linear searches.
    private let fieldIndex: [String: Int]
    /// What validation needs of each declared field, in declaration order, worked out once.
    private let slots: [Slot]

    /// One declared field as the validator uses it (without the field's documentation text, which would be copied
    /// for nothing on every record).
    private struct Slot: Sendable {
        enum Source: Sendable { case mapping, integration, definition }
        let name: String
        let type: ModelFieldType
        let source: Source
        /// Non-null in every record that is not a deletion.
        let required: Bool
        /// Non-null in a deletion: the upsert key and the version field.
        let requiredInDeletion: Bool
    }

    public init(declaration: ModelDeclaration) {
        self.declaration = declaration
        var index: [String: Int] = [:]
        for (position, field) in declaration.fields.enumerated() { index[field.name] = position }
        self.fieldIndex = index
        let deletionFields = Set(declaration.upsertKey + [declaration.versionField])
        self.slots = declaration.fields.map { field in
            let source: Slot.Source = switch field.name {
            case ModelDeclaration.integrationIDField: .integration
            case ModelDeclaration.definitionField: .definition
            default: .mapping
            }
            return Slot(name: field.name, type: field.type, source: source, required: field.required,
                        requiredInDeletion: deletionFields.contains(field.name))
        }
    }

    /// Validates `object` and returns the record, fields in declaration order.
    /// - Returns: the record, or a human reason naming the offending fields (never their values).
    public func record(from object: CELValue, integration: String, definition: String) -> Result<ModelRecord, RecordViolation> {
        guard case .map(let map) = object else {
            return .failure(RecordViolation("expected an object for model \(declaration.name), got \(object.typeName)"))
        }
        var given = [CELValue?](repeating: nil, count: slots.count)
        var unknown: [String] = []
        var deleted = false
        // Mappings usually list fields in declaration order: try the field after the previous one before hashing.
        var expected = 0
        for (key, value) in map {
            guard case .string(let name) = key else {
                return .failure(RecordViolation("object keys must be strings, found a \(key.typeName) key"))
            }
            if name == RecordValidator.deletedKey {
                switch RecordValidator.unwrap(value) {
                case .bool(let flag): deleted = flag
                case .null: deleted = false
                default: return .failure(RecordViolation("\(RecordValidator.deletedKey) must be a bool, got \(value.typeName)"))
                }
                continue
            }
            if name == ModelDeclaration.integrationIDField || name == ModelDeclaration.definitionField {
                return .failure(RecordViolation("field '\(name)' is filled from the envelope; remove it from the mapping"))
            }
            let position = expected < slots.count && slots[expected].name == name ? expected : fieldIndex[name]
            if let position {
                given[position] = value
                expected = position + 1
            } else {
                unknown.append(name)
            }
        }
        if !unknown.isEmpty {
            let names = unknown.sorted().prefix(10).map { "'\($0.prefix(64))'" }.joined(separator: ", ")
            let more = unknown.count > 10 ? " and \(unknown.count - 10) more" : ""
            return .failure(RecordViolation("unknown field\(unknown.count == 1 ? "" : "s") \(names)\(more) for model \(declaration.name)"))
        }

        var values: [(name: String, value: ModelValue)] = []
        values.reserveCapacity(slots.count)
        var missing: [String] = []
        for position in slots.indices {
            let value: ModelValue
            switch slots[position].source {
            case .integration: value = .string(integration)
            case .definition: value = .string(definition)
            case .mapping:
                switch RecordValidator.convert(given[position].map(RecordValidator.unwrap) ?? .null, to: slots[position].type) {
                case .success(let converted): value = converted
                case .failure(let reason):
                    return .failure(RecordViolation("field '\(slots[position].name)' (\(slots[position].type.rawValue)): \(reason)"))
                }
            }
            if case .null = value, deleted ? slots[position].requiredInDeletion : slots[position].required {
                missing.append(slots[position].name)
            }
            values.append((slots[position].name, value))
        }
        if !missing.isEmpty {
            let names = missing.map { "'\($0)'" }.joined(separator: ", ")
            return .failure(RecordViolation("required field\(missing.count == 1 ? "" : "s") \(names) missing or null"))
        }
        return .success(ModelRecord(model: declaration.name, values: values, deleted: deleted))
    }

    static func unwrap(_ value: CELValue) -> CELValue {
        if case .optional(let inner) = value { return inner.map(unwrap) ?? .null }
        return value
    }

    static func convert(_ value: CELValue, to type: ModelFieldType) -> Result<ModelValue, ConversionFailure> {
        if case .null = value { return .success(.null) }
        switch (type, value) {
        case (.string, .string(let text)): return .success(.string(text))
        case (.int, .int(let number)): return .success(.int(number))
        case (.int, .uint(let number)):
            guard let number = Int64(exactly: number) else { return .failure(ConversionFailure("uint out of int64 range")) }
            return .success(.int(number))
        case (.double, .double(let number)): return .success(.double(number))
        case (.double, .int(let number)): return .success(.double(Double(number)))
        case (.double, .uint(let number)): return .success(.double(Double(number)))
        case (.bool, .bool(let flag)): return .success(.bool(flag))
        case (.timestamp, .string(let text)):
            guard (try? CELTimestamp(rfc3339: text)) != nil else {
                return .failure(ConversionFailure("not an RFC 3339 timestamp"))
            }
            return .success(.timestamp(text))
        case (.timestamp, .timestamp(let timestamp)): return .success(.timestamp(timestamp.rfc3339))
        case (.json, _): return .success(.json(value.jsonString()))
        case (.stringList, .list(let items)):
            var strings: [String] = []
            strings.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard case .string(let text) = unwrap(item) else {
                    return .failure(ConversionFailure("item \(index) is \(item.typeName), expected string"))
                }
                strings.append(text)
            }
            return .success(.stringList(strings))
        default:
            return .failure(ConversionFailure("got \(value.typeName)"))
        }
    }

    struct ConversionFailure: Error, Equatable {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

extension RecordValidator.ConversionFailure: CustomStringConvertible {
    var description: String { reason }
}

/// Why an object is not a valid record of its model. Names fields and types, never values.
public struct RecordViolation: Error, Sendable, CustomStringConvertible, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
