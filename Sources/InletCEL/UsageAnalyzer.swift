/// Works out, from a parsed expression, which parts of each bound variable's value evaluation can observe
/// (``CELValueUsage``), for ``CELProgram/usage(ofVariable:)``.
///
/// The analysis follows values, not just names: every sub-expression yields the *references* its value is made of
/// directly — a variable (by slot name, as the planner resolves names) and a path of steps from it (a key of a map,
/// or each element of a list). A field selection extends its operand's references; `cel.bind` lets its variable
/// stand for its initialiser's references; a comprehension *iterates* its range (a list's length, a map's keys) and
/// lets its element variable stand for each element; `has()` reads a key's presence. Every other use (a call, an
/// operator, a list or map literal, the expression's result) *consumes* the references it receives: their whole
/// value may be observed. Each selection also records its path as read, even when its value is never consumed,
/// because selecting a key that is absent fails and that must still happen.
///
/// Over-approximating is always safe (more of the value is built than needed); the analysis must never miss a read.
/// Names resolve as ``Planner`` resolves them: locals shadow variables, and a chain `a.b.c` may denote the variable
/// `a.b.c`, `a.b` (then `.c`) or `a` (then `.b.c`), with every container prefix; all candidates are recorded.
struct UsageAnalyzer {
    /// One step from a value to a part of it.
    enum Step: Hashable {
        /// The value of a key of a map.
        case field(String)
        /// Each element of a list (a comprehension variable).
        case element
    }

    /// A value reached from a variable by steps.
    struct Reference {
        var slot: String
        var path: [Step]
    }

    /// What an expression's value is made of directly.
    struct Flow {
        var references: [Reference] = []
        /// Whether the expression is a plain identifier or field-selection chain, which the planner may also
        /// resolve as a qualified variable name.
        var isChain = false
    }

    /// A usage being accumulated. Recording into a tree keeps the analysis linear in the size of the expression
    /// (merging finished usages at every read was not).
    final class Accumulator {
        var isWhole = false
        var children: [String: Accumulator] = [:]
        /// When the value is iterated by a comprehension: what is read of each element of a list.
        var elements: Accumulator?

        /// Records that `path` is read, and at its end what `read` says.
        func record(_ path: ArraySlice<Step>, _ read: Read) {
            guard !isWhole else { return }
            guard let first = path.first else {
                switch read {
                case .whole:
                    isWhole = true
                    children = [:]
                    elements = nil
                case .iterated:
                    if elements == nil { elements = Accumulator() }
                case .kind:
                    break
                }
                return
            }
            let child: Accumulator
            switch first {
            case .field(let name):
                if let existing = children[name] {
                    child = existing
                } else {
                    child = Accumulator()
                    children[name] = child
                }
            case .element:
                if let existing = elements {
                    child = existing
                } else {
                    child = Accumulator()
                    elements = child
                }
            }
            child.record(path.dropFirst(), read)
        }

        var usage: CELValueUsage {
            if isWhole { return .whole }
            var usage = CELValueUsage.fields(children.mapValues(\.usage))
            // Iterated: a map stays whole (its keys are visited) and each list element is read as recorded.
            if let elements { usage.formUnion(.elements(elements.usage)) }
            return usage
        }
    }

    let containerPrefixes: [String]
    private var accumulators: [String: Accumulator] = [:]
    /// Locals in scope, innermost last: comprehension variables (no references) and `cel.bind` variables (their
    /// initialiser's references).
    private var scopes: [(name: String, references: [Reference])] = []

    init(container: String) {
        self.containerPrefixes = Planner.containerPrefixes(container)
    }

    /// The usage of every variable `root` reads, keyed by the slot name the planner gives it.
    static func analyze(_ root: Expr, container: String) -> [String: CELValueUsage] {
        var analyzer = UsageAnalyzer(container: container)
        analyzer.consume(analyzer.flow(root))
        return analyzer.accumulators.mapValues(\.usage)
    }

    /// How much of the value at the end of a reference is observed.
    enum Read {
        /// Only its kind (it was selected; selecting fails when a key is absent or the value is no map).
        case kind
        /// It is iterated by a comprehension: a list's length, a map's keys.
        case iterated
        /// All of it.
        case whole
    }

    private mutating func record(_ reference: Reference, _ read: Read) {
        let accumulator: Accumulator
        if let existing = accumulators[reference.slot] {
            accumulator = existing
        } else {
            accumulator = Accumulator()
            accumulators[reference.slot] = accumulator
        }
        accumulator.record(reference.path[...], read)
    }

    /// The whole value of every reference may be observed.
    private mutating func consume(_ flow: Flow) {
        for reference in flow.references { record(reference, .whole) }
    }

    /// The references are evaluated (so every key on their paths is read) but their values not yet observed.
    private mutating func touch(_ references: [Reference]) {
        for reference in references { record(reference, .kind) }
    }

    private mutating func consume(_ expr: Expr) { consume(flow(expr)) }

    private func local(_ name: String) -> [Reference]? {
        for scope in scopes.reversed() where scope.name == name { return scope.references }
        return nil
    }

    mutating func flow(_ expr: Expr) -> Flow {
        switch expr.kind {
        case .literal, .message:
            return Flow()
        case .ident(let name):
            if !name.hasPrefix("."), let references = local(name) {
                touch(references)
                return Flow(references: references)
            }
            // `@index0`, `@it:…`: block and comprehension internals, never variables.
            if name.hasPrefix("@") { return Flow() }
            let prefixes = name.hasPrefix(".") ? [""] : containerPrefixes
            let bare = name.hasPrefix(".") ? String(name.dropFirst()) : name
            let references = prefixes.map { Reference(slot: $0 + bare, path: []) }
            touch(references)
            return Flow(references: references, isChain: true)
        case .select(let operand, let field, let testOnly, let optional):
            let base = flow(operand)
            if testOnly {
                // `has(x.f)`: the presence of `f` (and that `x` is a map) is all that is observed.
                touch(base.references.map { Reference(slot: $0.slot, path: $0.path + [.field(field)]) })
                return Flow()
            }
            return select(base, field, qualifies: !optional)
        case .call(let target, let function, let args):
            // `x['key']` and `x[?'key']` with a literal string read one key, like a selection.
            if target == nil, function == "_[_]" || function == "_[?_]", args.count == 2,
               case .literal(.string(let key)) = args[1].kind {
                return select(flow(args[0]), key, qualifies: false)
            }
            if let target { consume(target) }
            for arg in args { consume(arg) }
            return Flow()
        case .list(let elements, _):
            for element in elements { consume(element) }
            return Flow()
        case .map(let entries):
            for entry in entries {
                consume(entry.key)
                consume(entry.value)
            }
            return Flow()
        case .macro(let macro):
            return flow(macro)
        }
    }

    /// `base.field`: every reference's path grows by `field`; a plain chain may also name a qualified variable.
    private mutating func select(_ base: Flow, _ field: String, qualifies: Bool) -> Flow {
        var references = base.references.map { Reference(slot: $0.slot, path: $0.path + [.field(field)]) }
        let isChain = qualifies && base.isChain
        if isChain {
            references += base.references.filter(\.path.isEmpty).map {
                Reference(slot: $0.slot + "." + field, path: [])
            }
        }
        touch(references)
        return Flow(references: references, isChain: isChain)
    }

    private mutating func flow(_ macro: Macro) -> Flow {
        switch macro.kind {
        case .bind:
            // `cel.bind(v, init, body)`: `v` stands for `init`'s references inside `body`.
            let initial = flow(macro.range)
            scopes.append((macro.variables[0], initial.references))
            defer { scopes.removeLast() }
            let body = flow(macro.args[0])
            return Flow(references: body.references)
        case .block:
            // `cel.block([e...], result)`: the entries are read through `cel.index(i)`; take them as consumed.
            for arg in macro.args { consume(arg) }
            return Flow()
        case .all, .exists, .existsOne, .map, .filter:
            // One variable: each element of a list (a map's keys, and then the map is kept whole).
            let range = flow(macro.range)
            iterate(range.references)
            scopes.append((macro.variables[0], range.references.map(\.element)))
            defer { scopes.removeLast() }
            for arg in macro.args { consume(arg) }
            // `filter` returns elements of its range, unchanged: its result is made of them.
            return macro.kind == .filter ? Flow(references: range.references) : Flow()
        case .all2, .exists2, .existsOne2, .transformList, .transformMap, .transformMapEntry:
            // Two variables: an index and each element of a list, or a key and its value in a map (kept whole).
            let range = flow(macro.range)
            iterate(range.references)
            scopes.append((macro.variables[0], []))
            scopes.append((macro.variables[1], range.references.map(\.element)))
            defer { scopes.removeLast(2) }
            for arg in macro.args { consume(arg) }
            return Flow()
        case .optMap, .optFlatMap:
            // The variable is the optional's value: what `x.?a` selected, so it stands for the same references.
            let range = flow(macro.range)
            scopes.append((macro.variables[0], range.references))
            defer { scopes.removeLast() }
            for arg in macro.args { consume(arg) }
            return Flow()
        }
    }

    /// The references are iterated by a comprehension.
    private mutating func iterate(_ references: [Reference]) {
        for reference in references { record(reference, .iterated) }
    }
}

extension UsageAnalyzer.Reference {
    /// Each element of the list this reference reaches.
    var element: UsageAnalyzer.Reference { UsageAnalyzer.Reference(slot: slot, path: path + [.element]) }
}
