/// The optional type-check pass (see ``CELEnvironment/Options/typeCheck``): resolves identifiers against declared
/// variables, checks calls against the overloads of the environment's libraries and declared functions, and deduces the
/// expression's type.
///
/// The checker is deliberately permissive where CEL is dynamic: anything involving `dyn` checks, and when several
/// overloads fit the result is `dyn`. It rejects what can never evaluate: unknown identifiers and functions, and calls
/// whose argument types match no overload.
struct Checker {
    let environment: CELEnvironment
    let lineStarts: [Int]
    let containerPrefixes: [String]
    private var scopes: [(name: String, type: CELType)] = []

    init(environment: CELEnvironment, lineStarts: [Int]) {
        self.environment = environment
        self.lineStarts = lineStarts
        containerPrefixes = Planner.containerPrefixes(environment.options.container)
    }

    func error(_ message: String, at offset: Int32) -> CELError {
        CELError(.check, message, position: SourceLines.position(of: Int(offset), lineStarts: lineStarts))
    }

    mutating func check(_ expr: Expr) throws(CELError) -> CELType {
        try type(of: expr)
    }

    // MARK: Expressions

    mutating func type(of expr: Expr) throws(CELError) -> CELType {
        switch expr.kind {
        case .literal(let value):
            return value.celType
        case .ident(let name):
            return try resolve([name], at: expr.offset)
        case .select(let operand, let field, let testOnly, let optional):
            if !testOnly, !optional, let chain = qualifiedChain(expr) { return try resolve(chain, at: expr.offset) }
            let operandType = try type(of: operand)
            if testOnly {
                _ = try selectType(operandType, field, at: expr.offset)
                return .bool
            }
            let fieldType = try selectType(operandType, field, at: expr.offset)
            if optional {
                if case .optional = fieldType { return fieldType }
                return .optional(fieldType)
            }
            return fieldType
        case .list(let elements, let optionalIndices):
            var types: [CELType] = []
            for (index, element) in elements.enumerated() {
                var t = try type(of: element)
                if optionalIndices.contains(index), case .optional(let inner) = t { t = inner }
                types.append(t)
            }
            return .list(join(types))
        case .map(let entries):
            var keys: [CELType] = []
            var values: [CELType] = []
            for entry in entries {
                keys.append(try type(of: entry.key))
                var v = try type(of: entry.value)
                if entry.optional, case .optional(let inner) = v { v = inner }
                values.append(v)
            }
            return .map(join(keys), join(values))
        case .message(let name):
            throw error("message construction '\(name){...}' is not supported", at: expr.offset)
        case .call(let target, let function, let args):
            return try callType(target: target, function: function, args: args, at: expr.offset)
        case .macro(let macro):
            return try macroType(macro, at: expr.offset)
        }
    }

    /// The common type of several types: the type itself when all agree, otherwise `dyn`.
    func join(_ types: [CELType]) -> CELType {
        guard var result = types.first else { return .dyn }
        for t in types.dropFirst() where t != result {
            if result == .dyn || t == .dyn || result == .error { result = .dyn; continue }
            if case .null = t { continue }
            if case .null = result { result = t; continue }
            return .dyn
        }
        return result
    }

    func qualifiedChain(_ expr: Expr) -> [String]? {
        switch expr.kind {
        case .ident(let name):
            if !name.hasPrefix("."), scopes.contains(where: { $0.name == name }) { return nil }
            return [name]
        case .select(let operand, let field, false, false):
            guard var chain = qualifiedChain(operand) else { return nil }
            chain.append(field)
            return chain
        default: return nil
        }
    }

    func resolve(_ chain: [String], at offset: Int32) throws(CELError) -> CELType {
        var chain = chain
        if let local = scopes.last(where: { $0.name == chain[0] }), !chain[0].hasPrefix(".") {
            var t = local.type
            for field in chain.dropFirst() { t = try selectType(t, field, at: offset) }
            return t
        }
        var prefixes = containerPrefixes
        if chain[0].hasPrefix(".") {
            chain[0].removeFirst()
            prefixes = [""]
        }
        for prefix in prefixes {
            for length in stride(from: chain.count, through: 1, by: -1) {
                let name = prefix + chain[0..<length].joined(separator: ".")
                if var t = environment.variables[name] {
                    for field in chain[length...] { t = try selectType(t, field, at: offset) }
                    return t
                }
            }
        }
        let fullName = chain.joined(separator: ".")
        if let named = environment.registry.typeNames[fullName] { return .type(named) }
        if chain[0].hasPrefix("@") { return .dyn }
        throw error("undeclared reference to '\(fullName)'", at: offset)
    }

    func selectType(_ operand: CELType, _ field: String, at offset: Int32) throws(CELError) -> CELType {
        switch operand {
        case .map(let key, let value):
            switch key {
            case .string, .dyn, .typeParameter: return value
            default: throw error("type '\(operand)' does not support field selection with a string key", at: offset)
            }
        case .dyn, .opaque, .error, .typeParameter: return .dyn
        case .optional(let inner):
            let t = try selectType(inner, field, at: offset)
            if case .optional = t { return t }
            return .optional(t)
        default:
            throw error("type '\(operand)' does not support field selection", at: offset)
        }
    }

    // MARK: Calls

    static let arithmetic: [String: [([CELType], CELType)]] = {
        let numeric: [CELType] = [.int, .uint, .double]
        var add = numeric.map { ([$0, $0], $0) }
        add += [([.string, .string], .string), ([.bytes, .bytes], .bytes),
                ([.list(.typeParameter("A")), .list(.typeParameter("A"))], .list(.typeParameter("A"))),
                ([.timestamp, .duration], .timestamp), ([.duration, .timestamp], .timestamp),
                ([.duration, .duration], .duration)]
        var subtract = numeric.map { ([$0, $0], $0) }
        subtract += [([.timestamp, .timestamp], .duration), ([.timestamp, .duration], .timestamp),
                     ([.duration, .duration], .duration)]
        return [
            "_+_": add, "_-_": subtract,
            "_*_": numeric.map { ([$0, $0], $0) }, "_/_": numeric.map { ([$0, $0], $0) },
            "_%_": [([.int, .int], .int), ([.uint, .uint], .uint)],
            "-_": [([.int], .int), ([.double], .double), ([.duration], .duration)],
            "!_": [([.bool], .bool)],
        ]
    }()

    static let orderable: Set<String> = ["int", "uint", "double", "string", "bytes", "bool",
                                         "google.protobuf.Timestamp", "google.protobuf.Duration"]

    mutating func callType(target: Expr?, function: String, args: [Expr], at offset: Int32) throws(CELError) -> CELType {
        if target == nil {
            switch function {
            case "_&&_", "_||_":
                for arg in args {
                    let t = try type(of: arg)
                    guard t == .bool || isDynamic(t) else {
                        throw error("found no matching overload for '\(function)' applied to '\(t)'", at: arg.offset)
                    }
                }
                return .bool
            case "_?_:_":
                let condition = try type(of: args[0])
                guard condition == .bool || isDynamic(condition) else {
                    throw error("found no matching overload for '_?_:_' applied to '\(condition)'", at: args[0].offset)
                }
                return join([try type(of: args[1]), try type(of: args[2])])
            case "_==_", "_!=_":
                _ = try type(of: args[0])
                _ = try type(of: args[1])
                return .bool
            case "_<_", "_<=_", "_>_", "_>=_":
                let a = try type(of: args[0])
                let b = try type(of: args[1])
                if isDynamic(a) || isDynamic(b) { return .bool }
                let numeric: Set<String> = ["int", "uint", "double"]
                let ok = (a.runtimeName == b.runtimeName && Checker.orderable.contains(a.runtimeName))
                    || (numeric.contains(a.runtimeName) && numeric.contains(b.runtimeName))
                guard ok else {
                    throw error("found no matching overload for '\(function)' applied to '(\(a), \(b))'", at: offset)
                }
                return .bool
            case "@in":
                _ = try type(of: args[0])
                let container = try type(of: args[1])
                switch container {
                case .list, .map, .dyn, .typeParameter, .error: return .bool
                default: throw error("found no matching overload for '@in' applied to '\(container)'", at: offset)
                }
            case "_[_]", "_[?_]":
                let container = try type(of: args[0])
                let index = try type(of: args[1])
                let element = try indexType(container, index, at: offset)
                if function == "_[?_]" {
                    if case .optional = element { return element }
                    return .optional(element)
                }
                return element
            default:
                if let signatures = Checker.arithmetic[function] {
                    var types: [CELType] = []
                    for arg in args { types.append(try type(of: arg)) }
                    return try resolveOverloads(function, signatures, types, at: offset)
                }
            }
        }

        // Library and declared functions: receiver-style, qualified global (`math.greatest`) or global.
        var name = function.trimmingDot()
        var receiver: Expr? = target
        if let target, let chain = qualifiedChain(target), !chain[0].hasPrefix("@") {
            let qualified = (chain + [function]).joined(separator: ".").trimmingDot()
            if lookup(qualified, member: false) != nil {
                name = qualified
                receiver = nil
            }
        }
        var argTypes: [CELType] = []
        if let receiver { argTypes.append(try type(of: receiver)) }
        for arg in args { argTypes.append(try type(of: arg)) }
        guard let (resolvedName, overloads) = lookup(name, member: receiver != nil) else {
            throw error("undeclared reference to '\(name)' (unknown function)", at: offset)
        }
        let signatures = overloads.filter { $0.accepts(arity: argTypes.count) }.map { overload in
            var parameters = overload.parameters
            while parameters.count < argTypes.count, let last = parameters.last { parameters.append(last) }
            if parameters.count > argTypes.count { parameters.removeLast(parameters.count - argTypes.count) }
            return (parameters, overload.result)
        }
        if name == "type", argTypes.count == 1 { return .type(argTypes[0]) }
        return try resolveOverloads(resolvedName, signatures, argTypes, at: offset)
    }

    func lookup(_ name: String, member: Bool) -> (String, [CELOverload])? {
        for prefix in member ? [""] : containerPrefixes {
            let candidate = prefix + name
            let overloads = (environment.registry.overloads[candidate] ?? [])
                + (environment.declaredFunctions[candidate] ?? [])
            let matching = overloads.filter { $0.isMember == member }
            if !matching.isEmpty { return (candidate, matching) }
        }
        return nil
    }

    func isDynamic(_ t: CELType) -> Bool {
        switch t {
        case .dyn, .error, .typeParameter: return true
        default: return false
        }
    }

    func indexType(_ container: CELType, _ index: CELType, at offset: Int32) throws(CELError) -> CELType {
        switch container {
        case .list(let element):
            guard [CELType.int, .uint, .double].contains(index) || isDynamic(index) else {
                throw error("found no matching overload for '_[_]' applied to '(\(container), \(index))'", at: offset)
            }
            return element
        case .map(_, let value): return value
        case .optional(let inner):
            let t = try indexType(inner, index, at: offset)
            if case .optional = t { return t }
            return .optional(t)
        case .dyn, .error, .typeParameter, .opaque: return .dyn
        default:
            throw error("found no matching overload for '_[_]' applied to '(\(container), \(index))'", at: offset)
        }
    }

    func resolveOverloads(
        _ function: String, _ signatures: [([CELType], CELType)], _ args: [CELType], at offset: Int32
    ) throws(CELError) -> CELType {
        var results: [CELType] = []
        for (parameters, result) in signatures where parameters.count == args.count {
            var bindings: [String: CELType] = [:]
            var ok = true
            for (parameter, arg) in zip(parameters, args) where !unify(parameter, arg, &bindings) {
                ok = false
                break
            }
            if ok { results.append(substitute(result, bindings)) }
        }
        guard !results.isEmpty else {
            throw error("found no matching overload for '\(function)' applied to '(\(args.map(\.description).joined(separator: ", ")))'",
                        at: offset)
        }
        return results.allSatisfy { $0 == results[0] } ? results[0] : .dyn
    }

    func unify(_ parameter: CELType, _ arg: CELType, _ bindings: inout [String: CELType]) -> Bool {
        switch (parameter, arg) {
        case (.dyn, _), (_, .dyn), (.error, _), (_, .error): return true
        case (.typeParameter(let name), _):
            if let bound = bindings[name] {
                if bound == arg { return true }
                if case .typeParameter = arg { return true }
                bindings[name] = .dyn
                return true
            }
            bindings[name] = arg
            return true
        case (_, .typeParameter): return true
        case (.list(let a), .list(let b)): return unify(a, b, &bindings)
        case (.map(let k1, let v1), .map(let k2, let v2)): return unify(k1, k2, &bindings) && unify(v1, v2, &bindings)
        case (.optional(let a), .optional(let b)): return unify(a, b, &bindings)
        case (.type, .type): return true
        case (.opaque(let a, _), .opaque(let b, _)): return a == b
        default: return parameter == arg
        }
    }

    func substitute(_ type: CELType, _ bindings: [String: CELType]) -> CELType {
        switch type {
        case .typeParameter(let name): return bindings[name] ?? .dyn
        case .list(let element): return .list(substitute(element, bindings))
        case .map(let key, let value): return .map(substitute(key, bindings), substitute(value, bindings))
        case .optional(let inner): return .optional(substitute(inner, bindings))
        case .type(let inner?): return .type(substitute(inner, bindings))
        default: return type
        }
    }

    // MARK: Macros

    func elementTypes(_ range: CELType, twoVariables: Bool) -> [CELType] {
        switch range {
        case .list(let element): return twoVariables ? [.int, element] : [element]
        case .map(let key, let value): return twoVariables ? [key, value] : [key]
        default: return twoVariables ? [.dyn, .dyn] : [.dyn]
        }
    }

    mutating func withScope<T>(_ names: [String], _ types: [CELType], _ body: (inout Checker) throws(CELError) -> T) throws(CELError) -> T {
        for (name, type) in zip(names, types) { scopes.append((name, type)) }
        defer { scopes.removeLast(names.count) }
        return try body(&self)
    }

    mutating func macroType(_ macro: Macro, at offset: Int32) throws(CELError) -> CELType {
        if macro.kind == .block {
            var names: [String] = []
            var types: [CELType] = []
            for (index, expr) in macro.args.dropLast().enumerated() {
                let t = try withScope(names, types) { (checker: inout Checker) throws(CELError) in try checker.type(of: expr) }
                names.append("@index\(index)")
                types.append(t)
            }
            return try withScope(names, types) { (checker: inout Checker) throws(CELError) in
                try checker.type(of: macro.args[macro.args.count - 1])
            }
        }
        let rangeType = try type(of: macro.range)
        let args = macro.args
        switch macro.kind {
        case .all, .exists, .existsOne, .all2, .exists2, .existsOne2:
            switch rangeType {
            case .list, .map, .dyn, .error, .typeParameter: break
            default: throw error("expression of type '\(rangeType)' cannot be the range of a comprehension", at: offset)
            }
            let predicate = try withScope(macro.variables, elementTypes(rangeType, twoVariables: macro.variables.count == 2)) {
                (checker: inout Checker) throws(CELError) in try checker.type(of: args[0])
            }
            guard predicate == .bool || isDynamic(predicate) else {
                throw error("predicate must be bool, found '\(predicate)'", at: args[0].offset)
            }
            return .bool
        case .map, .filter, .transformList:
            let variables = elementTypes(rangeType, twoVariables: macro.variables.count == 2)
            let types = try withScope(macro.variables, variables) { (checker: inout Checker) throws(CELError) -> [CELType] in
                var result: [CELType] = []
                for arg in args { result.append(try checker.type(of: arg)) }
                return result
            }
            if macro.kind == .filter { return .list(variables.last ?? .dyn) }
            return .list(types.last ?? .dyn)
        case .transformMap, .transformMapEntry:
            let variables = elementTypes(rangeType, twoVariables: true)
            let result = try withScope(macro.variables, variables) { (checker: inout Checker) throws(CELError) -> CELType in
                var last: CELType = .dyn
                for arg in args { last = try checker.type(of: arg) }
                return last
            }
            if macro.kind == .transformMapEntry { return result }
            if case .list = rangeType { return .map(.int, result) }
            if case .map(let key, _) = rangeType { return .map(key, result) }
            return .map(.dyn, result)
        case .bind:
            return try withScope(macro.variables, [rangeType]) { (checker: inout Checker) throws(CELError) in
                try checker.type(of: args[0])
            }
        case .optMap, .optFlatMap:
            var inner: CELType = .dyn
            if case .optional(let t) = rangeType { inner = t }
            let result = try withScope(macro.variables, [inner]) { (checker: inout Checker) throws(CELError) in
                try checker.type(of: args[0])
            }
            if macro.kind == .optFlatMap { return result }
            return .optional(result)
        case .block:
            return .dyn
        }
    }
}
