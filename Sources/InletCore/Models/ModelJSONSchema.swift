/// The JSON Schema (draft 2020-12) of a model's records, derived from its ``ModelDeclaration``.
///
/// It describes a record exactly as it travels on `inlet.model.<model>` and reaches subscribers (the JSON object
/// ``ModelRecord/jsonText()`` writes), and accepts what the persister's record decoder accepts:
/// - every declared field is a property; no others (`additionalProperties: false`), except the deletion mark
///   `_deleted`;
/// - optional fields may be absent or `null`;
/// - the upsert key and the version field are always present and non-null;
/// - the other required fields are present and non-null unless the record is a deletion (`_deleted: true`), which
///   needs only key and version (the `if`/`else` pair);
/// - `timestamp` is an RFC 3339 string (`format: date-time`), `int` a 64-bit integer, `json` any JSON value.
///
/// Inlet's own facts about the model (table, topic, keys, version) are in the annotation `x-inlet`, which JSON Schema
/// validators ignore.
public struct ModelJSONSchema: Sendable {
    public static let dialect = "https://json-schema.org/draft/2020-12/schema"
    /// The deletion mark a record may carry (see ``ModelRecord/jsonText()``).
    public static let deletedMark = "_deleted"

    public let declaration: ModelDeclaration

    public init(_ declaration: ModelDeclaration) { self.declaration = declaration }

    /// The file name under `docs/models/`: `<Model>.json`.
    public var fileName: String { "\(declaration.name.rawValue).json" }

    /// The schema as a JSON value, members in a fixed order.
    public var document: OrderedJSON {
        let identity = declaration.upsertKey + [declaration.versionField]
        var properties: [(key: String, value: OrderedJSON)] = []
        var notDeletedTypes: [(key: String, value: OrderedJSON)] = []
        for field in declaration.fields {
            let alwaysPresent = identity.contains(field.name)
            properties.append((field.name, Self.property(field, nullable: !alwaysPresent)))
            if field.required, !alwaysPresent {
                notDeletedTypes.append((field.name, Self.typeConstraint(field.type, nullable: false)))
            }
        }
        properties.append((Self.deletedMark, .object([
            ("type", .string("boolean")),
            ("description", .string("`true` marks a deletion: the persister sets `deleted_at` and keeps the other columns. A deletion needs only the upsert key and the version field.")),
        ])))

        var members: [(key: String, value: OrderedJSON)] = [
            ("$schema", .string(Self.dialect)),
            ("title", .string(declaration.name.rawValue)),
        ]
        if !declaration.summary.isEmpty { members.append(("description", .string(declaration.summary))) }
        members += [
            ("type", .string("object")),
            ("properties", .object(properties)),
            ("required", .strings(declaration.fields.map(\.name).filter(identity.contains))),
            ("additionalProperties", .bool(false)),
        ]
        let notDeletedRequired = notDeletedTypes.map(\.key)
        if !notDeletedRequired.isEmpty {
            members += [
                ("if", .object([
                    ("properties", .object([(Self.deletedMark, .object([("const", .bool(true))]))])),
                    ("required", .strings([Self.deletedMark])),
                ])),
                ("else", .object([
                    ("required", .strings(notDeletedRequired)),
                    ("properties", .object(notDeletedTypes)),
                ])),
            ]
        }
        members.append(("x-inlet", .object([
            ("table", .string(declaration.tableName)),
            ("topic", .string(declaration.topic.rawValue)),
            ("upsertKey", .strings(declaration.upsertKey)),
            ("versionField", .string(declaration.versionField)),
            ("lookupKeys", .strings(declaration.lookupKeys)),
        ])))
        return .object(members)
    }

    /// The schema as the text committed under `docs/models/`.
    public func text() -> String { document.prettyText() }

    static func property(_ field: ModelField, nullable: Bool) -> OrderedJSON {
        guard case .object(var members) = typeConstraint(field.type, nullable: nullable) else { return .object([]) }
        if !field.summary.isEmpty { members.append(("description", .string(field.summary))) }
        return .object(members)
    }

    /// The keywords that constrain a field's values; `json` fields accept any value (and so `null`).
    static func typeConstraint(_ type: ModelFieldType, nullable: Bool) -> OrderedJSON {
        func typeName(_ name: String) -> OrderedJSON { nullable ? .strings([name, "null"]) : .string(name) }
        switch type {
        case .string: return .object([("type", typeName("string"))])
        case .int: return .object([
            ("type", typeName("integer")), ("minimum", .int(Int64.min)), ("maximum", .int(Int64.max)),
        ])
        case .double: return .object([("type", typeName("number"))])
        case .bool: return .object([("type", typeName("boolean"))])
        case .timestamp: return .object([("type", typeName("string")), ("format", .string("date-time"))])
        case .stringList: return .object([("type", typeName("array")), ("items", .object([("type", .string("string"))]))])
        case .json: return nullable ? .object([]) : .object([("not", .object([("type", .string("null"))]))])
        }
    }
}

extension ModelDeclaration {
    /// The PostgreSQL table the persister keeps this model in: the `snake_case` name (`PullRequest` → `pull_request`).
    public var tableName: String { name.topicSegment }

    /// This model's JSON Schema; see ``ModelJSONSchema``.
    public var jsonSchema: ModelJSONSchema { ModelJSONSchema(self) }
}
