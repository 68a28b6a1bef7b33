import InletCEL
import InletCore

/// One mapping file, `mappings/<definition>/<event>.yaml`, compiled: how records of one event become model records.
///
/// Immutable and `Sendable`; compiled once at start-up and evaluated by any number of tasks at once.
public struct MappingFile: Sendable {
    /// The path relative to the mappings directory (`github/pull_request.yaml`), used in errors and dead letters.
    public let path: String
    public let definition: DefinitionName
    /// The declared event this file maps (the definition's spelling).
    public let event: EventName
    /// The entries in file order; each one is applied to every record of the event.
    public let entries: [MappingEntry]
    /// Whether any expression reads `envelope`; when none does, the per-record envelope map is not built.
    let usesEnvelope: Bool
    /// What the file's expressions can observe of `payload` (whole when an entry has no `map`): each record's
    /// payload is built only this far from its JSON (``MappingVariables/payloadUsage(of:)``).
    let payloadUsage: CELValueUsage

    public init(path: String, definition: DefinitionName, event: EventName, entries: [MappingEntry]) {
        self.path = path
        self.definition = definition
        self.event = event
        self.entries = entries
        self.usesEnvelope = entries.contains { entry in
            [entry.filter, entry.map].contains { expression in
                expression?.program.variableNames.contains { $0 == MappingVariables.envelope || $0.hasPrefix(MappingVariables.envelope + ".") } == true
            }
        }
        // An entry without `map` produces the payload object itself: all of it is observed.
        self.payloadUsage = entries.contains { $0.map == nil }
            ? .whole
            : MappingVariables.payloadUsage(of: entries.flatMap { [$0.filter?.program, $0.map?.program].compactMap { $0 } })
    }
}

/// One entry of a mapping file: which model it produces, for which variants, under which condition, and how.
public struct MappingEntry: Sendable {
    /// The 0-based position in the file's list.
    public let index: Int
    public let model: ModelDeclaration
    /// The variants the entry applies to; `nil` applies it to every record (with or without a variant).
    public let variants: Set<String>?
    /// A CEL expression returning a bool; `nil` (absent or empty) lets every record through.
    public let filter: MappingExpression?
    /// A CEL expression returning an object or a list of objects; `nil` (absent or empty) uses the payload object.
    public let map: MappingExpression?
    /// Checks the objects this entry produces against ``model``.
    public let validator: RecordValidator
    /// Where the entry's records go, `inlet.model.<model>`; computed once (normalising the name is not free).
    let topic: TopicName
    /// The `ce_type` of the entry's records, `inlet.model.<Model>`.
    let eventType: String

    public init(index: Int, model: ModelDeclaration, variants: Set<String>?, filter: MappingExpression?,
                map: MappingExpression?) {
        self.index = index
        self.model = model
        self.variants = variants
        self.filter = filter
        self.map = map
        self.validator = RecordValidator(declaration: model)
        self.topic = .model(model.name)
        self.eventType = MappingEngine.modelEventType(model.name)
    }

    /// Whether the entry applies to a record with this variant.
    public func applies(toVariant variant: String?) -> Bool {
        guard let variants else { return true }
        guard let variant else { return false }
        return variants.contains(variant)
    }
}

/// A compiled `filter` or `map` expression and where its text starts in the YAML file.
public struct MappingExpression: Sendable {
    public let program: CELProgram
    /// Where the expression text sits in the mapping file, to turn expression positions into file positions.
    let anchor: ExpressionAnchor
    /// The mapping variables resolved to the program's slots once, so a record's values bind by position.
    let layout: CELBindingLayout

    init(program: CELProgram, anchor: ExpressionAnchor) {
        self.program = program
        self.anchor = anchor
        self.layout = program.layout(binding: MappingVariables.names)
    }

    public var source: String { program.source }

    /// Evaluates with one record's variable values (``MappingVariables/values(envelope:payload:includeEnvelope:)``).
    func evaluate(_ values: [CELValue?]) throws(CELError) -> CELValue {
        try program.evaluate(values, in: layout)
    }
}

/// Maps a line and column inside an expression to a line and column of the YAML file that holds it.
///
/// Exact for block scalars (`map: |`) and single-line plain or quoted scalars, which is how mappings are written;
/// approximate for folded or multi-line flow scalars (folding joins lines) and for escapes in double quotes.
struct ExpressionAnchor: Sendable, Hashable {
    enum Style: Sendable, Hashable {
        /// `|` or `>`: expression line 1 is on `line`, every line indented by `indentation` columns.
        case block(indentation: Int)
        /// Plain or quoted scalar starting at `line`:`column` (the first character of the text).
        case inline
    }

    /// The file line of the expression's first line (1-based).
    let line: Int
    /// The file column of the expression's first character (1-based); for blocks, `indentation + 1`.
    let column: Int
    let style: Style

    /// The YAML file line and column of expression position `line`:`column` (both 1-based).
    func filePosition(line expressionLine: Int, column expressionColumn: Int) -> (line: Int, column: Int) {
        switch style {
        case .block(let indentation):
            return (line + expressionLine - 1, indentation + expressionColumn)
        case .inline:
            if expressionLine == 1 { return (line, column + expressionColumn - 1) }
            return (line + expressionLine - 1, expressionColumn)
        }
    }
}
