/// The parsed expression tree, after macro expansion. Operators are calls with the spec's internal names
/// (`_+_`, `_&&_`, `_[_]`, `!_`, `-_`, `@in`, `_?_:_`).
/// Immutable once parsed (hence `Sendable`): a compiled program keeps its tree for analyses asked for later
/// (``CELProgram/usage(ofVariable:)``).
final class Expr: Sendable {
    /// Offset of the node's token in Unicode scalars, for error positions.
    let offset: Int32
    let kind: ExprKind
    /// Height of the subtree (a leaf is 1); bounded by ``CELEnvironment/Options/maxNestingDepth`` so that every
    /// recursive pass over the tree (checker, planner, evaluator) has bounded stack use.
    let height: Int32

    init(_ kind: ExprKind, at offset: Int32, height: Int32 = 1) {
        self.kind = kind
        self.offset = offset
        self.height = height
    }
}

enum ExprKind: Sendable {
    case literal(CELValue)
    /// An identifier; a leading `.` (absolute name) is kept in the name.
    case ident(String)
    /// `operand.field`; `testOnly` for `has()`, `optional` for `operand.?field`.
    case select(Expr, field: String, testOnly: Bool, optional: Bool)
    case call(target: Expr?, function: String, args: [Expr])
    /// List literal; `optionalIndices` marks `?elem` entries.
    case list([Expr], optionalIndices: Set<Int>)
    case map([MapEntry])
    /// `Name{field: value}` message construction (parsed, rejected when planned).
    case message(name: String)
    case macro(Macro)
}

struct MapEntry: Sendable {
    var key: Expr
    var value: Expr
    var optional: Bool
}

/// An expanded macro. The planner turns each kind into a dedicated node instead of a generic comprehension.
struct Macro: Sendable {
    enum Kind: Sendable {
        case all, exists, existsOne
        /// `map(x, t)` (args: [t]) or `map(x, p, t)` (args: [p, t]).
        case map
        case filter
        /// Two-variable forms, args as for the one-variable forms.
        case all2, exists2, existsOne2
        /// `transformList(i, v, t)` / `transformList(i, v, p, t)`.
        case transformList
        /// `transformMap(k, v, t)` / `transformMap(k, v, p, t)`.
        case transformMap
        /// `transformMapEntry(k, v, t)` / with filter; `t` yields a single-entry map.
        case transformMapEntry
        /// `cel.bind(v, init, body)`: range is init, args: [body].
        case bind
        /// `opt.optMap(v, t)`, `opt.optFlatMap(v, t)`.
        case optMap, optFlatMap
        /// `cel.block([e...], result)`: args are the bound expressions followed by the result.
        case block
    }

    var kind: Kind
    /// The iterated (or bound, or optional) expression.
    var range: Expr
    /// Variable names introduced (one or two).
    var variables: [String]
    var args: [Expr]
}
