/// One internal model: the single source of its fields, keys and version, from which come the PostgreSQL table
/// (persister), the model topic (``TopicName/model(_:)``) and the validation of every record the mapper produces.
public struct ModelDeclaration: Sendable {
    public let name: ModelName
    public let fields: [ModelField]
    /// Fields that identify a record; always begins with `integration_id` so tenants never collide.
    public let upsertKey: [String]
    /// Field compared for newer-wins: a record whose version is older than the stored one never overwrites it.
    public let versionField: String
    /// Fields other records use to find this one (indexed).
    public let lookupKeys: [String]
    /// What the model is for and which providers feed it; shown by `inlet models` and in the JSON Schema.
    public let summary: String

    /// Fields every model has, filled by the mapper from the envelope, never by a mapping.
    public static let integrationIDField = "integration_id"
    public static let definitionField = "definition"

    public init(name: ModelName, fields: [ModelField], upsertKey: [String], versionField: String,
                lookupKeys: [String] = [], summary: String = "") {
        self.name = name
        self.summary = summary
        self.fields = [
            ModelField(ModelDeclaration.integrationIDField, .string, required: true,
                       summary: "The integration (tenant) the delivery came through; filled by the mapper from the envelope."),
            ModelField(ModelDeclaration.definitionField, .string, required: true,
                       summary: "The webhook definition (provider) that produced the record, e.g. `github`; filled by the mapper."),
        ] + fields
        self.upsertKey = [ModelDeclaration.integrationIDField] + upsertKey
        self.versionField = versionField
        self.lookupKeys = lookupKeys
    }

    public func field(named name: String) -> ModelField? { fields.first { $0.name == name } }

    /// The topic the mapper writes this model's records to.
    public var topic: TopicName { .model(name) }

    /// Checks the declaration itself: keys and version name declared fields, names are SQL-safe identifiers.
    public func validate() throws(InletCoreError) {
        var seen = Set<String>()
        for field in fields {
            guard field.name.utf8.allSatisfy({ NameCharacters.isTopicSafe($0) && $0 != UInt8(ascii: "-") }),
                  let first = field.name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
            else { throw InletCoreError(.invalidName, "model \(name): field '\(field.name)' must be snake_case a-z, 0-9, _") }
            guard seen.insert(field.name).inserted else {
                throw InletCoreError(.invalidName, "model \(name): field '\(field.name)' is declared twice")
            }
        }
        for key in upsertKey + lookupKeys + [versionField] where field(named: key) == nil {
            throw InletCoreError(.invalidName, "model \(name): key or version field '\(key)' is not a declared field")
        }
        for key in upsertKey where field(named: key)?.required != true {
            throw InletCoreError(.invalidName, "model \(name): upsert key field '\(key)' must be required")
        }
        for reserved in ModelDeclaration.reservedNames where field(named: reserved) != nil {
            throw InletCoreError(.invalidName, "model \(name): '\(reserved)' is reserved for Inlet's own columns; rename the field")
        }
        // Field names are column names that downstream SQL writes unquoted; a keyword would need quotes everywhere.
        for field in fields where ModelDeclaration.sqlReservedWords.contains(field.name) {
            throw InletCoreError(.invalidName, "model \(name): field '\(field.name)' is an SQL reserved word; choose another name")
        }
        // A record without a version could never replace a stored one (NULL is not newer), and a deletion must
        // carry one: the version is as mandatory as the key.
        guard let version = field(named: versionField), version.required else {
            throw InletCoreError(.invalidName, "model \(name): version field '\(versionField)' must be required")
        }
        guard version.type.isOrdered else {
            throw InletCoreError(.invalidName, "model \(name): version field '\(versionField)' is \(version.type.rawValue); use timestamp, int or double")
        }
    }

    /// Names a field may not take: the persister's bookkeeping columns and the deletion mark of model records.
    public static let reservedNames = ["deleted_at", "inlet_written_at", "_deleted"]

    /// PostgreSQL's reserved key words (reserved, and reserved except as function or type names; PostgreSQL 16
    /// documentation, appendix C), which cannot be column names without quotes.
    static let sqlReservedWords: Set<String> = [
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary",
        "both", "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint", "create",
        "cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
        "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
        "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group", "having", "ilike",
        "in", "initially", "inner", "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left", "like",
        "limit", "localtime", "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or",
        "order", "outer", "overlaps", "placing", "primary", "references", "returning", "right", "select",
        "session_user", "similar", "some", "symmetric", "system_user", "table", "tablesample", "then", "to",
        "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window",
        "with",
    ]
}

/// One field of a model.
public struct ModelField: Sendable, Equatable {
    public let name: String
    public let type: ModelFieldType
    /// A required field is non-null in every record that is not a deletion (the mapper checks it; the persister
    /// also enforces it in PostgreSQL, see docs/models.md).
    public let required: Bool
    /// What the field holds and where each provider's mapping takes it from; shown by `inlet models` and in the
    /// JSON Schema.
    public let summary: String

    public init(_ name: String, _ type: ModelFieldType, required: Bool = false, summary: String = "") {
        self.name = name
        self.type = type
        self.required = required
        self.summary = summary
    }
}

/// The field types a model can declare, each with one PostgreSQL column type.
public enum ModelFieldType: String, Sendable, CaseIterable {
    case string, int, double, bool, timestamp, json, stringList = "list<string>"

    /// Whether values have an order that newer-wins can compare (`string` sorts by collation, not by time: no).
    public var isOrdered: Bool {
        switch self {
        case .int, .double, .timestamp: true
        case .string, .bool, .json, .stringList: false
        }
    }

    public var postgresType: String {
        switch self {
        case .string: "text"
        case .int: "bigint"
        case .double: "double precision"
        case .bool: "boolean"
        case .timestamp: "timestamptz"
        case .json: "jsonb"
        case .stringList: "text[]"
        }
    }
}
