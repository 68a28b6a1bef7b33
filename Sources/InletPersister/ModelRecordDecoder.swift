import Foundation
import InletCore

/// Reads a model topic record value (the JSON object ``ModelRecord/jsonText()`` wrote) back into a ``ModelRecord``,
/// typed by the model's declaration. The mapper validated the record before producing it; this check guards
/// against records produced by something else (a replay tool, a downstream writer) and says what is wrong.
public struct ModelRecordDecoder: Sendable {
    public let declaration: ModelDeclaration
    public static let deletedMark = "_deleted"

    public init(_ declaration: ModelDeclaration) { self.declaration = declaration }

    public func decode(_ value: [UInt8]) throws(InletCoreError) -> ModelRecord {
        let parsed: JSONValue
        do {
            parsed = try JSONDecoder().decode(JSONValue.self, from: Data(value))
        } catch {
            throw InletCoreError(.invalidRecord, "\(declaration.name) record is not valid JSON")
        }
        guard case .object(let object) = parsed else {
            throw InletCoreError(.invalidRecord, "\(declaration.name) record is not a JSON object")
        }
        let deleted = object[Self.deletedMark] == .bool(true)
        for key in object.keys.sorted() where key != Self.deletedMark && declaration.field(named: key) == nil {
            throw InletCoreError(.invalidRecord, "\(declaration.name) record has unknown field '\(key.prefix(64))'")
        }
        let identity = declaration.upsertKey + [declaration.versionField]
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
        let mismatch = InletCoreError(.invalidRecord, "\(declaration.name).\(field.name) must be \(field.type.rawValue)")
        switch (field.type, raw) {
        case (_, .null): return .null
        case (.string, .string(let text)): return .string(text)
        case (.timestamp, .string(let text)): return .timestamp(text)
        case (.bool, .bool(let flag)): return .bool(flag)
        case (.int, .int(let number)): return .int(number)
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
