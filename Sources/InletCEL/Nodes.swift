/// Per-evaluation state: bound variables and comprehension locals. One frame per ``CELProgram/evaluate(_:)`` call,
/// never shared between threads.
final class Frame {
    let globals: [CELValue?]
    var locals: [CELValue]
    var iterationsLeft: Int

    init(globals: [CELValue?], maxIterations: Int) {
        self.globals = globals
        self.locals = []
        self.iterationsLeft = maxIterations
    }
}

/// A planned expression node. Subclasses are immutable after construction (hence `@unchecked Sendable`): a program's
/// node tree is shared by all threads evaluating it, and per-evaluation state lives in ``Frame``.
class Node: @unchecked Sendable {
    /// Source offset (Unicode scalars) for error positions.
    let offset: Int32

    init(offset: Int32) { self.offset = offset }

    func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        fatalError("abstract")
    }

    /// The constant value when the node is a literal (used for folding).
    var constant: CELValue? { nil }
}

final class ConstantNode: Node, @unchecked Sendable {
    let value: CELValue
    init(_ value: CELValue, offset: Int32) {
        self.value = value
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue { value }
    override var constant: CELValue? { value }
}

/// A comprehension variable, `cel.bind` variable or `cel.block` index.
final class LocalNode: Node, @unchecked Sendable {
    let slot: Int
    init(slot: Int, offset: Int32) {
        self.slot = slot
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue { frame.locals[slot] }
}

/// A bound variable whose name was resolved to a single candidate.
final class GlobalNode: Node, @unchecked Sendable {
    let slot: Int
    let name: String
    init(slot: Int, name: String, offset: Int32) {
        self.slot = slot
        self.name = name
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        if let value = frame.globals[slot] { return value }
        throw CELError(.unboundVariable, "undeclared reference to '\(name)' (unbound variable)").at(offset)
    }
}

/// A (possibly qualified) name with several candidate bindings, tried in order: for `a.b.c` in container `x`,
/// `x.a.b.c`, `x.a.b` then `.c`, ..., `a` then `.b.c`. The first bound candidate wins.
final class QualifiedNameNode: Node, @unchecked Sendable {
    struct Candidate {
        var slot: Int
        var fields: [(name: String, hash: UInt32)]
    }
    let candidates: [Candidate]
    let name: String
    /// A type value the name denotes when nothing is bound (`int`, `google.protobuf.Timestamp`).
    let fallback: CELValue?

    init(candidates: [Candidate], name: String, fallback: CELValue?, offset: Int32) {
        self.candidates = candidates
        self.name = name
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        for candidate in candidates {
            guard var value = frame.globals[candidate.slot] else { continue }
            for field in candidate.fields {
                if case .map(let map) = value, let next = map.value(forString: field.name, hash: field.hash) {
                    value = next
                } else {
                    do throws(CELError) { value = try Operators.select(value, field.name) } catch { throw error.at(offset) }
                }
            }
            return value
        }
        if let fallback { return fallback }
        throw CELError(.unboundVariable, "undeclared reference to '\(name)' (unbound variable)").at(offset)
    }
}

final class SelectNode: Node, @unchecked Sendable {
    let operand: Node
    let field: String
    let hash: UInt32
    init(operand: Node, field: String, offset: Int32) {
        self.operand = operand
        self.field = field
        self.hash = CELMap.hashString(field)
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let value = try operand.evaluate(frame)
        if case .map(let map) = value, let result = map.value(forString: field, hash: hash) { return result }
        do throws(CELError) { return try Operators.select(value, field) } catch { throw error.at(offset) }
    }
}

final class OptionalSelectNode: Node, @unchecked Sendable {
    let operand: Node
    let field: String
    init(operand: Node, field: String, offset: Int32) {
        self.operand = operand
        self.field = field
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let value = try operand.evaluate(frame)
        do throws(CELError) { return try Operators.optionalSelect(value, field) } catch { throw error.at(offset) }
    }
}

final class HasNode: Node, @unchecked Sendable {
    let operand: Node
    let field: String
    init(operand: Node, field: String, offset: Int32) {
        self.operand = operand
        self.field = field
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let value = try operand.evaluate(frame)
        do throws(CELError) { return .bool(try Operators.has(value, field)) } catch { throw error.at(offset) }
    }
}

final class ListNode: Node, @unchecked Sendable {
    let elements: [Node]
    /// Per element: `?elem` (included only when the optional has a value).
    let optional: [Bool]
    init(elements: [Node], optional: [Bool], offset: Int32) {
        self.elements = elements
        self.optional = optional
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        var result: [CELValue] = []
        result.reserveCapacity(elements.count)
        for index in elements.indices {
            let value = try elements[index].evaluate(frame)
            if optional[index] {
                guard case .optional(let inner) = value else {
                    throw CELError(.noSuchOverload, "optional list element of type \(value.typeName)").at(offset)
                }
                if let inner { result.append(inner) }
            } else {
                result.append(value)
            }
        }
        return .list(result)
    }
}

final class MapLiteralNode: Node, @unchecked Sendable {
    let keys: [Node]
    let values: [Node]
    let optional: [Bool]
    /// When every key is a distinct constant (the usual projection `{'id': ..., 'title': ...}`), the key values and
    /// their hashes, so entries are appended without hashing or duplicate checks at run time.
    let constantKeys: [(key: CELValue, hash: UInt32)]?

    init(keys: [Node], values: [Node], optional: [Bool], offset: Int32) {
        self.keys = keys
        self.values = values
        self.optional = optional
        var constants: [(key: CELValue, hash: UInt32)]? = []
        var builder = CELMap.Builder()
        for key in keys {
            guard let value = key.constant, let hash = CELMap.hash(value), value.kind != .double,
                  (try? builder.insert(value, .null, replacing: false)) != nil
            else {
                constants = nil
                break
            }
            constants?.append((value, hash))
        }
        self.constantKeys = constants
        super.init(offset: offset)
    }

    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        if let constantKeys {
            // Entries go straight into the map's storage (one allocation); if a value fails, the partly built
            // storage is simply released.
            let entries = CELMap.Storage.make(capacity: constantKeys.count)
            for index in constantKeys.indices {
                var value = try values[index].evaluate(frame)
                if optional[index] {
                    guard case .optional(let inner) = value else {
                        throw CELError(.noSuchOverload, "optional map entry of type \(value.typeName)").at(offset)
                    }
                    guard let inner else { continue }
                    value = inner
                }
                entries.append(CELMap.Entry(hash: constantKeys[index].hash, key: constantKeys[index].key, value: value))
            }
            return .map(CELMap(storage: entries))
        }
        var builder = CELMap.Builder(capacity: keys.count)
        for index in keys.indices {
            let key = try keys[index].evaluate(frame)
            var value = try values[index].evaluate(frame)
            if optional[index] {
                guard case .optional(let inner) = value else {
                    throw CELError(.noSuchOverload, "optional map entry of type \(value.typeName)").at(offset)
                }
                guard let inner else { continue }
                value = inner
            }
            do throws(CELError) { try builder.insert(key, value, replacing: false) } catch { throw error.at(keys[index].offset) }
        }
        return .map(builder.build())
    }
}

// MARK: Logic

final class AndNode: Node, @unchecked Sendable {
    let lhs: Node
    let rhs: Node
    init(_ lhs: Node, _ rhs: Node, offset: Int32) {
        self.lhs = lhs
        self.rhs = rhs
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        var leftError: CELError?
        do throws(CELError) {
            let left = try lhs.evaluate(frame)
            if case .bool(let l) = left {
                if !l { return .bool(false) }
            } else {
                leftError = CELError.noSuchOverload("_&&_", left).at(offset)
            }
        } catch { leftError = error }
        let right: CELValue
        do throws(CELError) { right = try rhs.evaluate(frame) } catch {
            throw leftError ?? error
        }
        guard case .bool(let r) = right else {
            throw leftError ?? CELError.noSuchOverload("_&&_", right).at(offset)
        }
        if !r { return .bool(false) }
        if let leftError { throw leftError }
        return .bool(true)
    }
}

final class OrNode: Node, @unchecked Sendable {
    let lhs: Node
    let rhs: Node
    init(_ lhs: Node, _ rhs: Node, offset: Int32) {
        self.lhs = lhs
        self.rhs = rhs
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        var leftError: CELError?
        do throws(CELError) {
            let left = try lhs.evaluate(frame)
            if case .bool(let l) = left {
                if l { return .bool(true) }
            } else {
                leftError = CELError.noSuchOverload("_||_", left).at(offset)
            }
        } catch { leftError = error }
        let right: CELValue
        do throws(CELError) { right = try rhs.evaluate(frame) } catch {
            throw leftError ?? error
        }
        guard case .bool(let r) = right else {
            throw leftError ?? CELError.noSuchOverload("_||_", right).at(offset)
        }
        if r { return .bool(true) }
        if let leftError { throw leftError }
        return .bool(false)
    }
}

final class ConditionalNode: Node, @unchecked Sendable {
    let condition: Node
    let whenTrue: Node
    let whenFalse: Node
    init(_ condition: Node, _ whenTrue: Node, _ whenFalse: Node, offset: Int32) {
        self.condition = condition
        self.whenTrue = whenTrue
        self.whenFalse = whenFalse
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let value = try condition.evaluate(frame)
        guard case .bool(let b) = value else { throw CELError.noSuchOverload("_?_:_", value).at(offset) }
        return b ? try whenTrue.evaluate(frame) : try whenFalse.evaluate(frame)
    }
}

// MARK: Operators

final class BinaryOperatorNode: Node, @unchecked Sendable {
    enum Operation {
        case add, subtract, multiply, divide, modulo, equal, notEqual, less, lessEqual, greater, greaterEqual, contains
        case index, optionalIndex
    }
    let operation: Operation
    let lhs: Node
    let rhs: Node

    init(_ operation: Operation, _ lhs: Node, _ rhs: Node, offset: Int32) {
        self.operation = operation
        self.lhs = lhs
        self.rhs = rhs
        super.init(offset: offset)
    }

    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let a = try lhs.evaluate(frame)
        let b = try rhs.evaluate(frame)
        do throws(CELError) { return try BinaryOperatorNode.apply(operation, a, b) } catch { throw error.at(offset) }
    }

    static func apply(_ operation: Operation, _ a: CELValue, _ b: CELValue) throws(CELError) -> CELValue {
        switch operation {
        case .equal: return .bool(a.celEquals(b))
        case .notEqual: return .bool(!a.celEquals(b))
        case .add: return try Operators.add(a, b)
        case .subtract: return try Operators.subtract(a, b)
        case .multiply: return try Operators.multiply(a, b)
        case .divide: return try Operators.divide(a, b)
        case .modulo: return try Operators.modulo(a, b)
        case .less: return .bool(try Operators.compare(a, b, "_<_").map { $0 < 0 } ?? false)
        case .lessEqual: return .bool(try Operators.compare(a, b, "_<=_").map { $0 <= 0 } ?? false)
        case .greater: return .bool(try Operators.compare(a, b, "_>_").map { $0 > 0 } ?? false)
        case .greaterEqual: return .bool(try Operators.compare(a, b, "_>=_").map { $0 >= 0 } ?? false)
        case .contains: return .bool(try Operators.contains(b, a))
        case .index: return try Operators.index(a, b)
        case .optionalIndex: return try Operators.optionalIndex(a, b)
        }
    }
}

/// `x in [c1, c2, ...]` with a constant list of scalars: compared without building the list.
final class InConstantListNode: Node, @unchecked Sendable {
    let operand: Node
    let items: [CELValue]
    init(operand: Node, items: [CELValue], offset: Int32) {
        self.operand = operand
        self.items = items
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let value = try operand.evaluate(frame)
        if case .string(let s) = value {
            for item in items {
                if case .string(let t) = item, s == t { return .bool(true) }
            }
            return .bool(false)
        }
        for item in items where item.celEquals(value) { return .bool(true) }
        return .bool(false)
    }
}

final class UnaryOperatorNode: Node, @unchecked Sendable {
    let negate: Bool
    let operand: Node
    init(negate: Bool, _ operand: Node, offset: Int32) {
        self.negate = negate
        self.operand = operand
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let value = try operand.evaluate(frame)
        do throws(CELError) { return negate ? try Operators.negate(value) : try Operators.not(value) } catch { throw error.at(offset) }
    }
}

// MARK: Function calls

/// Overloads that may match a call site, with their parameter kinds precomputed.
struct Dispatch: Sendable {
    let function: String
    let overloads: [CELOverload]
    let kinds: [[CELKind]]
    /// Per overload, the opaque type names its parameters require (`net.IP` vs `net.CIDR`), or nil when none.
    let opaqueNames: [[String?]?]
    /// When there is a single overload accepting any arguments, no kind check is needed.
    let unchecked: Bool

    init(function: String, overloads: [CELOverload]) {
        self.function = function
        self.overloads = overloads
        self.kinds = overloads.map { $0.parameters.map(\.dispatchKind) }
        self.opaqueNames = overloads.map { overload in
            let names = overload.parameters.map { parameter -> String? in
                if case .opaque(let name, _) = parameter { return name }
                return nil
            }
            return names.contains { $0 != nil } ? names : nil
        }
        self.unchecked = overloads.count == 1 && !overloads[0].isVariadic && kinds[0].allSatisfy { $0 == .any }
    }

    @inline(__always)
    func matches(_ index: Int, _ position: Int, _ arg: CELValue) -> Bool {
        let parameterKinds = kinds[index]
        let kind = position < parameterKinds.count ? parameterKinds[position] : parameterKinds[parameterKinds.count - 1]
        if kind == .any { return true }
        if kind != arg.kind { return false }
        if kind == .opaque, let names = opaqueNames[index], case .opaque(let value) = arg {
            let name = position < names.count ? names[position] : names[names.count - 1]
            if let name, value.celType.runtimeName != name { return false }
        }
        return true
    }

    @inline(__always)
    func arityMatches(_ index: Int, _ count: Int) -> Bool {
        overloads[index].isVariadic ? count >= kinds[index].count - 1 : count == kinds[index].count
    }

    /// One-argument dispatch without building an argument array.
    func select(_ a: CELValue) throws(CELError) -> CELOverload {
        if unchecked { return overloads[0] }
        for index in overloads.indices where arityMatches(index, 1) && matches(index, 0, a) {
            return overloads[index]
        }
        throw CELError.noSuchOverload(function, [a])
    }

    /// Two-argument dispatch without building an argument array.
    func select(_ a: CELValue, _ b: CELValue) throws(CELError) -> CELOverload {
        if unchecked { return overloads[0] }
        for index in overloads.indices where arityMatches(index, 2) && matches(index, 0, a) && matches(index, 1, b) {
            return overloads[index]
        }
        throw CELError.noSuchOverload(function, [a, b])
    }

    func select(_ args: [CELValue]) throws(CELError) -> CELOverload {
        if unchecked { return overloads[0] }
        outer: for index in overloads.indices where arityMatches(index, args.count) {
            for (position, arg) in args.enumerated() where !matches(index, position, arg) { continue outer }
            return overloads[index]
        }
        throw CELError.noSuchOverload(function, args)
    }

    func call(_ args: [CELValue]) throws(CELError) -> CELValue {
        let overload = try select(args)
        switch overload.implementation {
        case .unary(let body): return try body(args[0])
        case .binary(let body): return try body(args[0], args[1])
        case .ternary(let body): return try body(args[0], args[1], args[2])
        case .nary(let body): return try body(args)
        }
    }
}

final class UnaryCallNode: Node, @unchecked Sendable {
    let arg: Node
    let dispatch: Dispatch
    init(arg: Node, dispatch: Dispatch, offset: Int32) {
        self.arg = arg
        self.dispatch = dispatch
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let a = try arg.evaluate(frame)
        do throws(CELError) {
            let overload = try dispatch.select(a)
            switch overload.implementation {
            case .unary(let body): return try body(a)
            case .nary(let body): return try body([a])
            default: throw CELError.noSuchOverload(dispatch.function, a)
            }
        } catch { throw error.at(offset) }
    }
}

final class BinaryCallNode: Node, @unchecked Sendable {
    let arg0: Node
    let arg1: Node
    let dispatch: Dispatch
    init(_ arg0: Node, _ arg1: Node, dispatch: Dispatch, offset: Int32) {
        self.arg0 = arg0
        self.arg1 = arg1
        self.dispatch = dispatch
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let a = try arg0.evaluate(frame)
        let b = try arg1.evaluate(frame)
        do throws(CELError) {
            let overload = try dispatch.select(a, b)
            switch overload.implementation {
            case .binary(let body): return try body(a, b)
            case .nary(let body): return try body([a, b])
            default: throw CELError.noSuchOverload(dispatch.function, a, b)
            }
        } catch { throw error.at(offset) }
    }
}

final class CallNode: Node, @unchecked Sendable {
    let args: [Node]
    let dispatch: Dispatch
    init(args: [Node], dispatch: Dispatch, offset: Int32) {
        self.args = args
        self.dispatch = dispatch
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        var values: [CELValue] = []
        values.reserveCapacity(args.count)
        for arg in args { values.append(try arg.evaluate(frame)) }
        do throws(CELError) { return try dispatch.call(values) } catch { throw error.at(offset) }
    }
}

/// A call that always fails (unknown function), evaluated only when reached.
final class FailNode: Node, @unchecked Sendable {
    let error: CELError
    let args: [Node]
    init(error: CELError, args: [Node], offset: Int32) {
        self.error = error
        self.args = args
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        for arg in args { _ = try arg.evaluate(frame) }
        throw error.at(offset)
    }
}

/// `s.matches(re)` with a constant pattern compiled once.
final class MatchesConstantNode: Node, @unchecked Sendable {
    let subject: Node
    let regex: RegexProgram
    init(subject: Node, regex: RegexProgram, offset: Int32) {
        self.subject = subject
        self.regex = regex
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let value = try subject.evaluate(frame)
        guard case .string(let s) = value else { throw CELError.noSuchOverload("matches", value).at(offset) }
        return .bool(regex.matches(s))
    }
}

// MARK: Comprehensions

extension Frame {
    @inline(__always)
    func countIteration(_ offset: Int32) throws(CELError) {
        iterationsLeft -= 1
        if iterationsLeft < 0 {
            throw CELError(.limit, "comprehension iteration limit exceeded").at(offset)
        }
    }
}

/// Iterates a list (elements; with two variables index and element) or a map (keys; with two variables key and value).
@inline(__always)
func iterate(
    _ range: CELValue, _ frame: Frame, _ offset: Int32, macro: String, twoVariables: Bool,
    _ body: (CELValue, CELValue) throws(CELError) -> Bool
) throws(CELError) {
    switch range {
    case .list(let items):
        for (index, item) in items.enumerated() {
            try frame.countIteration(offset)
            let proceed = twoVariables ? try body(.int(Int64(index)), item) : try body(item, .null)
            if !proceed { return }
        }
    case .map(let map):
        for index in 0..<map.count {
            try frame.countIteration(offset)
            let entry = map.entry(at: index)
            if !(try body(entry.key, entry.value)) { return }
        }
    default:
        throw CELError(.noSuchOverload, "\(macro)() cannot iterate over \(range.typeName)").at(offset)
    }
}

final class QuantifierNode: Node, @unchecked Sendable {
    enum Kind { case all, exists, existsOne }
    let kind: Kind
    let range: Node
    let slot0: Int
    let slot1: Int?
    let predicate: Node

    init(kind: Kind, range: Node, slot0: Int, slot1: Int?, predicate: Node, offset: Int32) {
        self.kind = kind
        self.range = range
        self.slot0 = slot0
        self.slot1 = slot1
        self.predicate = predicate
        super.init(offset: offset)
    }

    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let rangeValue = try range.evaluate(frame)
        var firstError: CELError?
        var decided: Bool?
        var count = 0
        let name = kind == .all ? "all" : (kind == .exists ? "exists" : "exists_one")
        try iterate(rangeValue, frame, offset, macro: name, twoVariables: slot1 != nil) { (a, b) throws(CELError) -> Bool in
            frame.locals[slot0] = a
            if let slot1 { frame.locals[slot1] = b }
            switch kind {
            case .all, .exists:
                do throws(CELError) {
                    let value = try predicate.evaluate(frame)
                    guard case .bool(let result) = value else {
                        if firstError == nil { firstError = CELError.noSuchOverload(name, value).at(offset) }
                        return true
                    }
                    if result == (kind == .exists) {
                        decided = result
                        return false
                    }
                } catch {
                    if firstError == nil { firstError = error }
                }
                return true
            case .existsOne:
                let value = try predicate.evaluate(frame)
                guard case .bool(let result) = value else {
                    throw CELError.noSuchOverload(name, value).at(offset)
                }
                if result { count += 1 }
                return true
            }
        }
        switch kind {
        case .all, .exists:
            if let decided { return .bool(decided) }
            if let firstError { throw firstError }
            return .bool(kind == .all)
        case .existsOne:
            return .bool(count == 1)
        }
    }
}

/// `map`, `filter`, `transformList`: builds a list.
final class ListComprehensionNode: Node, @unchecked Sendable {
    let range: Node
    let slot0: Int
    let slot1: Int?
    let filter: Node?
    /// `nil` for `filter` (keeps the element itself).
    let transform: Node?
    let name: String

    init(range: Node, slot0: Int, slot1: Int?, filter: Node?, transform: Node?, name: String, offset: Int32) {
        self.range = range
        self.slot0 = slot0
        self.slot1 = slot1
        self.filter = filter
        self.transform = transform
        self.name = name
        super.init(offset: offset)
    }

    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let rangeValue = try range.evaluate(frame)
        var result: [CELValue] = []
        // At most one result per element: one allocation instead of regrowing.
        switch rangeValue {
        case .list(let items): result.reserveCapacity(items.count)
        case .map(let map): result.reserveCapacity(map.count)
        default: break
        }
        try iterate(rangeValue, frame, offset, macro: name, twoVariables: slot1 != nil) { (a, b) throws(CELError) -> Bool in
            frame.locals[slot0] = a
            if let slot1 { frame.locals[slot1] = b }
            if let filter {
                let keep = try filter.evaluate(frame)
                guard case .bool(let k) = keep else { throw CELError.noSuchOverload(name, keep).at(offset) }
                if !k { return true }
            }
            result.append(transform == nil ? a : try transform!.evaluate(frame))
            return true
        }
        return .list(result)
    }
}

/// `transformMap` and `transformMapEntry`.
final class MapComprehensionNode: Node, @unchecked Sendable {
    let range: Node
    let slot0: Int
    let slot1: Int
    let filter: Node?
    let transform: Node
    let entries: Bool

    init(range: Node, slot0: Int, slot1: Int, filter: Node?, transform: Node, entries: Bool, offset: Int32) {
        self.range = range
        self.slot0 = slot0
        self.slot1 = slot1
        self.filter = filter
        self.transform = transform
        self.entries = entries
        super.init(offset: offset)
    }

    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let rangeValue = try range.evaluate(frame)
        var builder = CELMap.Builder()
        let name = entries ? "transformMapEntry" : "transformMap"
        try iterate(rangeValue, frame, offset, macro: name, twoVariables: true) { (a, b) throws(CELError) -> Bool in
            frame.locals[slot0] = a
            frame.locals[slot1] = b
            if let filter {
                let keep = try filter.evaluate(frame)
                guard case .bool(let k) = keep else { throw CELError.noSuchOverload(name, keep).at(offset) }
                if !k { return true }
            }
            let value = try transform.evaluate(frame)
            if entries {
                guard case .map(let entry) = value else { throw CELError.noSuchOverload(name, value).at(offset) }
                for (key, entryValue) in entry {
                    do throws(CELError) { try builder.insert(key, entryValue, replacing: false) } catch { throw error.at(offset) }
                }
            } else {
                do throws(CELError) { try builder.insert(a, value, replacing: false) } catch { throw error.at(offset) }
            }
            return true
        }
        return .map(builder.build())
    }
}

/// `cel.bind(v, init, body)`.
final class BindNode: Node, @unchecked Sendable {
    let slot: Int
    let initial: Node
    let body: Node
    init(slot: Int, initial: Node, body: Node, offset: Int32) {
        self.slot = slot
        self.initial = initial
        self.body = body
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        frame.locals[slot] = try initial.evaluate(frame)
        return try body.evaluate(frame)
    }
}

/// `opt.optMap(v, t)` / `opt.optFlatMap(v, t)`.
final class OptionalMapNode: Node, @unchecked Sendable {
    let operand: Node
    let slot: Int
    let body: Node
    let flat: Bool
    init(operand: Node, slot: Int, body: Node, flat: Bool, offset: Int32) {
        self.operand = operand
        self.slot = slot
        self.body = body
        self.flat = flat
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let value = try operand.evaluate(frame)
        guard case .optional(let inner) = value else {
            throw CELError.noSuchOverload(flat ? "optFlatMap" : "optMap", value).at(offset)
        }
        guard let inner else { return .none }
        frame.locals[slot] = inner
        let result = try body.evaluate(frame)
        if flat {
            guard case .optional = result else { throw CELError.noSuchOverload("optFlatMap", result).at(offset) }
            return result
        }
        return .optional(result)
    }
}

/// A `cel.block` entry whose evaluation failed; the error surfaces only where `cel.index(i)` is used.
struct DeferredBlockError: CELOpaqueValue {
    let error: CELError
    var celType: CELType { .opaque("cel.block.error", []) }
    func isEqual(to other: any CELOpaqueValue) -> Bool { false }
    var description: String { "<error>" }
}

/// `cel.block([e0, e1, ...], result)`: entries are evaluated in order (iteratively, so long chains of `cel.index`
/// references cannot exhaust the stack); an entry's error is kept and thrown only where the entry is used.
final class BlockNode: Node, @unchecked Sendable {
    let firstSlot: Int
    let bound: [Node]
    let result: Node
    init(firstSlot: Int, bound: [Node], result: Node, offset: Int32) {
        self.firstSlot = firstSlot
        self.bound = bound
        self.result = result
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        for index in bound.indices {
            do throws(CELError) {
                frame.locals[firstSlot + index] = try bound[index].evaluate(frame)
            } catch {
                frame.locals[firstSlot + index] = .opaque(DeferredBlockError(error: error))
            }
        }
        return try result.evaluate(frame)
    }
}

final class BlockIndexNode: Node, @unchecked Sendable {
    let slot: Int
    init(slot: Int, offset: Int32) {
        self.slot = slot
        super.init(offset: offset)
    }
    override func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        let value = frame.locals[slot]
        if case .opaque(let opaque) = value, let deferred = opaque as? DeferredBlockError { throw deferred.error }
        return value
    }
}
