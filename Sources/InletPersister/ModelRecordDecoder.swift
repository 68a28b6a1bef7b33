import InletCore

/// Reads a model topic record value (the JSON object ``ModelRecord/jsonText()`` wrote) back into a ``ModelRecord``,
/// typed by the model's declaration. The mapper validated the record before producing it; this check guards
/// against records produced by something else (a replay tool, a downstream writer) and says what is wrong.
public struct ModelRecordDecoder: Sendable {
    public let declaration: ModelDeclaration
    public static let deletedMark = "_deleted"

    /// Declared field names, for the unknown-field check without a scan per key.
    private let fieldNames: Set<String>
    /// Upsert key and version: what a deletion must carry.
    private let identity: Set<String>

    public init(_ declaration: ModelDeclaration) {
        self.declaration = declaration
        fieldNames = Set(declaration.fields.map(\.name))
        identity = Set(declaration.upsertKey + [declaration.versionField])
    }

    public func decode(_ value: [UInt8]) throws(InletCoreError) -> ModelRecord {
        guard let parsed = JSONValue.parse(value) else {
            throw InletCoreError(.invalidRecord, "\(declaration.name) record is not valid JSON (or nests deeper than \(JSONValue.defaultMaximumDepth) levels)")
        }
        guard case .object(let object) = parsed else {
            throw InletCoreError(.invalidRecord, "\(declaration.name) record is not a JSON object")
        }
        let deleted = object[Self.deletedMark] == .bool(true)
        if object.keys.contains(where: { $0 != Self.deletedMark && !fieldNames.contains($0) }) {
            // Sorted only here, so the message names the same field every time.
            let unknown = object.keys.sorted().first { $0 != Self.deletedMark && !fieldNames.contains($0) }!
            throw InletCoreError(.invalidRecord, "\(declaration.name) record has unknown field '\(unknown.prefix(64))'")
        }
        var values: [(name: String, value: ModelValue)] = []
        for field in declaration.fields {
            let value = try convert(object[field.name] ?? .null, field)
            let mustBePresent = deleted ? identity.contains(field.name) : field.required
            if mustBePresent, value == .null {
                throw InletCoreError(.invalidRecord, "\(declaration.name) record lacks required field '\(field.name)'")
            }
            values.append((field.name, value))
        }
        return ModelRecord(model: declaration.name, values: values, deleted: deleted)
    }

    private func convert(_ raw: JSONValue, _ field: ModelField) throws(InletCoreError) -> ModelValue {
        // Built only when needed: the message costs string work every record would otherwise pay.
        var mismatch: InletCoreError {
            InletCoreError(.invalidRecord, "\(declaration.name).\(field.name) must be \(field.type.rawValue)")
        }
        switch (field.type, raw) {
        case (_, .null): return .null
        case (.string, .string(let text)): return .string(text)
        case (.timestamp, .string(let text)): return .timestamp(text)
        case (.bool, .bool(let flag)): return .bool(flag)
        case (.int, .int(let number)): return .int(number)
        // JSON has one number type: `1.0` written by another producer is still the integer 1.
        case (.int, .double(let number)) where number.rounded() == number && abs(number) < 9.2e18: return .int(Int64(number))
        case (.double, .double(let number)): return .double(number)
        case (.double, .int(let number)): return .double(Double(number))
        case (.json, let any): return .json(any.jsonText())
        case (.stringList, .array(let items)):
            var strings: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw mismatch }
                strings.append(text)
            }
            return .stringList(strings)
        default: throw mismatch
        }
    }
}
