/// Turns a parsed (and optionally checked) expression into a tree of ``Node``s: names resolved to slots, overloads
/// narrowed per call site, constant sub-expressions folded, literal regular expressions compiled.
struct Planner {
    let registry: FunctionRegistry
    let containerPrefixes: [String]
    let lineStarts: [Int]

    private(set) var slotNames: [String] = []
    private(set) var slotIndex: [String: Int] = [:]
    /// Local variables in scope, innermost last.
    private var scopes: [(name: String, node: ScopeEntry)] = []
    private(set) var localCount = 0

    enum ScopeEntry {
        case local(Int)
        case blockIndex(slot: Int)
    }

    init(registry: FunctionRegistry, container: String, lineStarts: [Int]) {
        self.registry = registry
        self.lineStarts = lineStarts
        self.containerPrefixes = Planner.containerPrefixes(container)
    }

    /// The prefixes a name is tried with inside a container, most qualified first: `"a.b"` gives
    /// `["a.b.", "a.", ""]`.
    static func containerPrefixes(_ container: String) -> [String] {
        var prefixes: [String] = []
        var parts = container.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            prefixes.append(parts.joined(separator: ".") + ".")
            parts.removeLast()
        }
        prefixes.append("")
        return prefixes
    }

    func error(_ message: String, at offset: Int32) -> CELError {
        CELError(.parse, message, position: SourceLines.position(of: Int(offset), lineStarts: lineStarts))
    }

    mutating func slot(for name: String) -> Int {
        if let index = slotIndex[name] { return index }
        let index = slotNames.count
        slotNames.append(name)
        slotIndex[name] = index
        return index
    }

    mutating func newLocal() -> Int {
        localCount += 1
        return localCount - 1
    }

    func lookupScope(_ name: String) -> ScopeEntry? {
        for entry in scopes.reversed() where entry.name == name { return entry.node }
        return nil
    }

    // MARK: Planning

    mutating func plan(_ expr: Expr) throws(CELError) -> Node {
        let offset = expr.offset
        switch expr.kind {
        case .literal(let value):
            return ConstantNode(value, offset: offset)
        case .ident(let name):
            return try planName([name], offset: offset)
        case .select(let operand, let field, let testOnly, let optional):
            if !testOnly, !optional, let chain = qualifiedChain(expr) { return try planName(chain, offset: offset) }
            let operandNode = try plan(operand)
            if testOnly { return fold(HasNode(operand: operandNode, field: field, offset: offset)) }
            if optional { return fold(OptionalSelectNode(operand: operandNode, field: field, offset: offset)) }
            return fold(SelectNode(operand: operandNode, field: field, offset: offset))
        case .list(let elements, let optionalIndices):
            var nodes: [Node] = []
            for element in elements { nodes.append(try plan(element)) }
            let node = ListNode(elements: nodes, optional: elements.indices.map { optionalIndices.contains($0) },
                                offset: offset)
            return fold(node, children: nodes)
        case .map(let entries):
            var keys: [Node] = []
            var values: [Node] = []
            for entry in entries {
                keys.append(try plan(entry.key))
                values.append(try plan(entry.value))
            }
            let node = MapLiteralNode(keys: keys, values: values, optional: entries.map(\.optional), offset: offset)
            return fold(node, children: keys + values)
        case .message(let name):
            throw error("message construction '\(name){...}' is not supported (no protobuf types)", at: offset)
        case .call(let target, let function, let args):
            return try planCall(target: target, function: function, args: args, offset: offset)
        case .macro(let macro):
            return try planMacro(macro, offset: offset)
        }
    }

    /// `a.b.c` as ["a", "b", "c"] when the expression is a plain identifier/select chain whose root is not a local.
    func qualifiedChain(_ expr: Expr) -> [String]? {
        switch expr.kind {
        case .ident(let name):
            if !name.hasPrefix("."), lookupScope(name) != nil { return nil }
            return [name]
        case .select(let operand, let field, false, false):
            guard var chain = qualifiedChain(operand) else { return nil }
            chain.append(field)
            return chain
        default: return nil
        }
    }

    mutating func planName(_ chain: [String], offset: Int32) throws(CELError) -> Node {
        var chain = chain
        // A local variable (comprehension, bind, block index) shadows everything.
        if chain.count >= 1, !chain[0].hasPrefix("."), let entry = lookupScope(chain[0]) {
            var node: Node
            switch entry {
            case .local(let slot): node = LocalNode(slot: slot, offset: offset)
            case .blockIndex(let slot): node = BlockIndexNode(slot: slot, offset: offset)
            }
            for field in chain.dropFirst() { node = SelectNode(operand: node, field: field, offset: offset) }
            return node
        }
        if chain[0].hasPrefix("@") {
            throw error("undeclared reference to '\(chain[0])'", at: offset)
        }
        var prefixes = containerPrefixes
        if chain[0].hasPrefix(".") {
            chain[0].removeFirst()
            prefixes = [""]
        }
        let fullName = chain.joined(separator: ".")
        var candidates: [QualifiedNameNode.Candidate] = []
        for prefix in prefixes {
            for length in stride(from: chain.count, through: 1, by: -1) {
                let name = prefix + chain[0..<length].joined(separator: ".")
                let fields = chain[length...].map { (name: $0, hash: CELMap.hashString($0)) }
                candidates.append(QualifiedNameNode.Candidate(slot: slot(for: name), fields: Array(fields)))
            }
        }
        let fallback = registry.typeNames[fullName].map { CELValue.type($0) }
        if candidates.count == 1, candidates[0].fields.isEmpty, fallback == nil {
            return GlobalNode(slot: candidates[0].slot, name: fullName, offset: offset)
        }
        return QualifiedNameNode(candidates: candidates, name: fullName, fallback: fallback, offset: offset)
    }

    /// Evaluates a node at compile time when all its children are constants; keeps it when evaluation fails
    /// (the error then surfaces at run time, where `&&`/`||` may still absorb it).
    func fold(_ node: Node, children: [Node]? = nil) -> Node {
        if let children, !children.allSatisfy({ $0.constant != nil }) { return node }
        if children == nil {
            let operand: Node?
            switch node {
            case let n as SelectNode: operand = n.operand
            case let n as OptionalSelectNode: operand = n.operand
            case let n as HasNode: operand = n.operand
            case let n as UnaryOperatorNode: operand = n.operand
            default: operand = nil
            }
            guard let operand, operand.constant != nil else { return node }
        }
        let frame = Frame(globals: [], maxIterations: 0)
        guard let value = try? node.evaluate(frame) else { return node }
        return ConstantNode(value, offset: node.offset)
    }

    static let binaryOperators: [String: BinaryOperatorNode.Operation] = [
        "_+_": .add, "_-_": .subtract, "_*_": .multiply, "_/_": .divide, "_%_": .modulo,
        "_==_": .equal, "_!=_": .notEqual, "_<_": .less, "_<=_": .lessEqual, "_>_": .greater, "_>=_": .greaterEqual,
        "@in": .contains, "_[_]": .index, "_[?_]": .optionalIndex,
    ]

    mutating func planCall(target: Expr?, function: String, args: [Expr], offset: Int32) throws(CELError) -> Node {
        if target == nil {
            if let operation = Planner.binaryOperators[function], args.count == 2 {
                let lhs = try plan(args[0])
                let rhs = try plan(args[1])
                if operation == .contains, case .list(let items)? = rhs.constant,
                   items.allSatisfy({ [.string, .int, .uint, .double, .bool, .null].contains($0.kind) }) {
                    return fold(InConstantListNode(operand: lhs, items: items, offset: offset), children: [lhs])
                }
                return fold(BinaryOperatorNode(operation, lhs, rhs, offset: offset), children: [lhs, rhs])
            }
            switch (function, args.count) {
            case ("_&&_", 2):
                let lhs = try plan(args[0])
                let rhs = try plan(args[1])
                return fold(AndNode(lhs, rhs, offset: offset), children: [lhs, rhs])
            case ("_||_", 2):
                let lhs = try plan(args[0])
                let rhs = try plan(args[1])
                return fold(OrNode(lhs, rhs, offset: offset), children: [lhs, rhs])
            case ("_?_:_", 3):
                let condition = try plan(args[0])
                let whenTrue = try plan(args[1])
                let whenFalse = try plan(args[2])
                if case .bool(let b)? = condition.constant { return b ? whenTrue : whenFalse }
                return ConditionalNode(condition, whenTrue, whenFalse, offset: offset)
            case ("!_", 1), ("-_", 1):
                let operand = try plan(args[0])
                return fold(UnaryOperatorNode(negate: function == "-_", operand, offset: offset))
            default: break
            }
        }

        // Resolve the function: a receiver call, a qualified global name (`math.greatest(x)`), or a global.
        var globalName: String?
        var receiver: Expr?
        if let target {
            if let chain = qualifiedChain(target), !chain[0].hasPrefix("@") {
                let qualified = (chain + [function]).joined(separator: ".").trimmingDot()
                if let name = resolveFunction(qualified, member: false) {
                    globalName = name
                } else {
                    receiver = target
                }
            } else {
                receiver = target
            }
        } else {
            globalName = resolveFunction(function.trimmingDot(), member: false) ?? function.trimmingDot()
        }

        var argNodes: [Node] = []
        if let receiver { argNodes.append(try plan(receiver)) }
        for arg in args { argNodes.append(try plan(arg)) }
        let name = globalName ?? function
        let isMember = receiver != nil
        let candidates = (registry.overloads[name] ?? []).filter {
            $0.isMember == isMember && $0.accepts(arity: argNodes.count)
        }
        guard !candidates.isEmpty else {
            let known = registry.overloads[name] != nil
            let message = known
                ? "no matching overload for '\(name)' with \(argNodes.count) argument(s)"
                : "undeclared reference to '\(name)' (unbound function)"
            return FailNode(error: CELError(known ? .noSuchOverload : .unboundVariable, message), args: argNodes,
                            offset: offset)
        }
        let dispatch = Dispatch(function: name, overloads: candidates)

        // `matches` with a constant pattern: compile the regular expression once.
        if name == "matches", argNodes.count == 2, case .string(let pattern)? = argNodes[1].constant,
           let regex = try? RegexProgram(pattern) {
            return fold(MatchesConstantNode(subject: argNodes[0], regex: regex, offset: offset), children: [argNodes[0]])
        }
        let node: Node
        switch argNodes.count {
        case 1: node = UnaryCallNode(arg: argNodes[0], dispatch: dispatch, offset: offset)
        case 2: node = BinaryCallNode(argNodes[0], argNodes[1], dispatch: dispatch, offset: offset)
        default: node = CallNode(args: argNodes, dispatch: dispatch, offset: offset)
        }
        // CEL functions are pure, so calls on constants fold (zero-argument calls other than optional.none() stay).
        if argNodes.isEmpty && name != "optional.none" { return node }
        return fold(node, children: argNodes)
    }

    /// The registered global function name for `name`, trying container prefixes.
    func resolveFunction(_ name: String, member: Bool) -> String? {
        for prefix in containerPrefixes {
            let candidate = prefix + name
            if let overloads = registry.overloads[candidate], overloads.contains(where: { $0.isMember == member }) {
                return candidate
            }
        }
        return nil
    }

    // MARK: Macros

    mutating func withLocals<T>(_ names: [String], _ body: (inout Planner, [Int]) throws(CELError) -> T) throws(CELError) -> T {
        var slots: [Int] = []
        for name in names {
            let slot = newLocal()
            slots.append(slot)
            scopes.append((name, .local(slot)))
        }
        defer { scopes.removeLast(names.count) }
        return try body(&self, slots)
    }

    mutating func planMacro(_ macro: Macro, offset: Int32) throws(CELError) -> Node {
        if macro.kind == .block { return try planBlock(macro, offset: offset) }
        let range = try plan(macro.range)
        let args = macro.args
        switch macro.kind {
        case .all, .exists, .existsOne, .all2, .exists2, .existsOne2:
            let kind: QuantifierNode.Kind
            switch macro.kind {
            case .all, .all2: kind = .all
            case .exists, .exists2: kind = .exists
            default: kind = .existsOne
            }
            return try withLocals(macro.variables) { (planner: inout Planner, slots) throws(CELError) in
                QuantifierNode(kind: kind, range: range, slot0: slots[0], slot1: slots.count > 1 ? slots[1] : nil,
                               predicate: try planner.plan(args[0]), offset: offset)
            }
        case .map, .filter, .transformList:
            let name = macro.kind == .map ? "map" : (macro.kind == .filter ? "filter" : "transformList")
            return try withLocals(macro.variables) { (planner: inout Planner, slots) throws(CELError) in
                let filter: Node?
                let transform: Node?
                if macro.kind == .filter {
                    filter = try planner.plan(args[0])
                    transform = nil
                } else if args.count == 2 {
                    filter = try planner.plan(args[0])
                    transform = try planner.plan(args[1])
                } else {
                    filter = nil
                    transform = try planner.plan(args[0])
                }
                return ListComprehensionNode(range: range, slot0: slots[0], slot1: slots.count > 1 ? slots[1] : nil,
                                             filter: filter, transform: transform, name: name, offset: offset)
            }
        case .transformMap, .transformMapEntry:
            return try withLocals(macro.variables) { (planner: inout Planner, slots) throws(CELError) in
                let filter = args.count == 2 ? try planner.plan(args[0]) : nil
                let transform = try planner.plan(args[args.count - 1])
                return MapComprehensionNode(range: range, slot0: slots[0], slot1: slots[1], filter: filter,
                                            transform: transform, entries: macro.kind == .transformMapEntry,
                                            offset: offset)
            }
        case .bind:
            return try withLocals(macro.variables) { (planner: inout Planner, slots) throws(CELError) in
                BindNode(slot: slots[0], initial: range, body: try planner.plan(args[0]), offset: offset)
            }
        case .optMap, .optFlatMap:
            return try withLocals(macro.variables) { (planner: inout Planner, slots) throws(CELError) in
                OptionalMapNode(operand: range, slot: slots[0], body: try planner.plan(args[0]),
                                flat: macro.kind == .optFlatMap, offset: offset)
            }
        case .block:
            fatalError("unreachable")
        }
    }

    mutating func planBlock(_ macro: Macro, offset: Int32) throws(CELError) -> Node {
        let bound = macro.args.dropLast()
        let firstSlot = localCount
        for _ in bound { _ = newLocal() }
        var nodes: [Node] = []
        for (index, expr) in bound.enumerated() {
            let node = try plan(expr)
            nodes.append(node)
            scopes.append(("@index\(index)", .blockIndex(slot: firstSlot + index)))
        }
        defer { scopes.removeLast(nodes.count) }
        let result = try plan(macro.args[macro.args.count - 1])
        return BlockNode(firstSlot: firstSlot, bound: nodes, result: result, offset: offset)
    }
}

extension String {
    func trimmingDot() -> String { hasPrefix(".") ? String(dropFirst()) : self }
}
