/// The semantics of CEL's built-in operators, shared by the evaluator and constant folding.
enum Operators {
    static func add(_ a: CELValue, _ b: CELValue) throws(CELError) -> CELValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, o) = x.addingReportingOverflow(y)
            if o { throw CELError.overflow("_+_") }
            return .int(r)
        case (.uint(let x), .uint(let y)):
            let (r, o) = x.addingReportingOverflow(y)
            if o { throw CELError.overflow("_+_") }
            return .uint(r)
        case (.double(let x), .double(let y)): return .double(x + y)
        case (.string(let x), .string(let y)): return .string(x + y)
        case (.bytes(let x), .bytes(let y)): return .bytes(x + y)
        case (.list(let x), .list(let y)): return .list(x + y)
        case (.timestamp(let t), .duration(let d)), (.duration(let d), .timestamp(let t)):
            return .timestamp(try Time.add(t, d))
        case (.duration(let x), .duration(let y)):
            return .duration(try CELDuration(seconds: x.seconds + y.seconds, nanos: x.nanos + y.nanos))
        default: throw CELError.noSuchOverload("_+_", a, b)
        }
    }

    static func subtract(_ a: CELValue, _ b: CELValue) throws(CELError) -> CELValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, o) = x.subtractingReportingOverflow(y)
            if o { throw CELError.overflow("_-_") }
            return .int(r)
        case (.uint(let x), .uint(let y)):
            let (r, o) = x.subtractingReportingOverflow(y)
            if o { throw CELError.overflow("_-_") }
            return .uint(r)
        case (.double(let x), .double(let y)): return .double(x - y)
        case (.timestamp(let t), .duration(let d)):
            return .timestamp(try Time.add(t, try CELDuration(seconds: -d.seconds, nanos: -d.nanos)))
        case (.timestamp(let x), .timestamp(let y)):
            let d = try CELDuration(seconds: x.seconds - y.seconds, nanos: x.nanos - y.nanos)
            guard d.totalNanoseconds != nil else { throw CELError(.arithmetic, "duration out of range") }
            return .duration(d)
        case (.duration(let x), .duration(let y)):
            return .duration(try CELDuration(seconds: x.seconds - y.seconds, nanos: x.nanos - y.nanos))
        default: throw CELError.noSuchOverload("_-_", a, b)
        }
    }

    static func multiply(_ a: CELValue, _ b: CELValue) throws(CELError) -> CELValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if o { throw CELError.overflow("_*_") }
            return .int(r)
        case (.uint(let x), .uint(let y)):
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if o { throw CELError.overflow("_*_") }
            return .uint(r)
        case (.double(let x), .double(let y)): return .double(x * y)
        default: throw CELError.noSuchOverload("_*_", a, b)
        }
    }

    static func divide(_ a: CELValue, _ b: CELValue) throws(CELError) -> CELValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            if y == 0 { throw CELError(.arithmetic, "division by zero") }
            let (r, o) = x.dividedReportingOverflow(by: y)
            if o { throw CELError.overflow("_/_") }
            return .int(r)
        case (.uint(let x), .uint(let y)):
            if y == 0 { throw CELError(.arithmetic, "division by zero") }
            return .uint(x / y)
        case (.double(let x), .double(let y)): return .double(x / y)
        default: throw CELError.noSuchOverload("_/_", a, b)
        }
    }

    static func modulo(_ a: CELValue, _ b: CELValue) throws(CELError) -> CELValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            if y == 0 { throw CELError(.arithmetic, "modulus by zero") }
            let (r, o) = x.remainderReportingOverflow(dividingBy: y)
            if o { throw CELError.overflow("_%_") }
            return .int(r)
        case (.uint(let x), .uint(let y)):
            if y == 0 { throw CELError(.arithmetic, "modulus by zero") }
            return .uint(x % y)
        default: throw CELError.noSuchOverload("_%_", a, b)
        }
    }

    static func negate(_ a: CELValue) throws(CELError) -> CELValue {
        switch a {
        case .int(let x):
            if x == .min { throw CELError.overflow("-_") }
            return .int(-x)
        case .double(let x): return .double(-x)
        case .duration(let d): return .duration(try CELDuration(seconds: -d.seconds, nanos: -d.nanos))
        default: throw CELError.noSuchOverload("-_", a)
        }
    }

    static func not(_ a: CELValue) throws(CELError) -> CELValue {
        guard case .bool(let b) = a else { throw CELError.noSuchOverload("!_", a) }
        return .bool(!b)
    }

    /// Ordering for `<`, `<=`, `>`, `>=`: -1, 0, 1; `nil` when unordered (NaN). Throws for incomparable kinds.
    static func compare(_ a: CELValue, _ b: CELValue, _ function: String) throws(CELError) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.string(let x), .string(let y)):
            if x == y { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        case (.int, .uint), (.int, .double), (.uint, .int), (.uint, .uint), (.uint, .double),
             (.double, .int), (.double, .uint), (.double, .double):
            return CELValue.compareNumbers(a, b)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.bytes(let x), .bytes(let y)):
            if x == y { return 0 }
            return x.lexicographicallyPrecedes(y) ? -1 : 1
        case (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.duration(let x), .duration(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        default: throw CELError.noSuchOverload(function, a, b)
        }
    }

    static func contains(_ container: CELValue, _ element: CELValue) throws(CELError) -> Bool {
        switch container {
        case .list(let items):
            for item in items where item.celEquals(element) { return true }
            return false
        case .map(let map): return map[element] != nil
        default: throw CELError.noSuchOverload("@in", element, container)
        }
    }

    /// `a[b]`.
    static func index(_ a: CELValue, _ b: CELValue) throws(CELError) -> CELValue {
        switch a {
        case .list(let items):
            let i = try listIndex(b)
            guard i >= 0, i < items.count else {
                throw CELError(.notFound, "index out of range: \(i) (list size \(items.count))")
            }
            return items[i]
        case .map(let map):
            switch b {
            case .string, .int, .uint, .bool, .double:
                guard let value = map[b] else { throw CELError(.notFound, "no such key (map index of type \(b.typeName))") }
                return value
            default: throw CELError(.notFound, "no such key: unsupported key type \(b.typeName)")
            }
        case .optional(let inner):
            guard let inner else { return .none }
            return try optionalIndex(inner, b)
        default: throw CELError.noSuchOverload("_[_]", a, b)
        }
    }

    /// `a[?b]`: `optional.none()` when absent.
    static func optionalIndex(_ a: CELValue, _ b: CELValue) throws(CELError) -> CELValue {
        switch a {
        case .list(let items):
            let i = try listIndex(b)
            guard i >= 0, i < items.count else { return .none }
            return .optional(items[i])
        case .map(let map):
            return map[b].map { .optional($0) } ?? .none
        case .optional(let inner):
            guard let inner else { return .none }
            return try optionalIndex(inner, b)
        default: throw CELError.noSuchOverload("_[?_]", a, b)
        }
    }

    static func listIndex(_ b: CELValue) throws(CELError) -> Int {
        switch b {
        case .int(let i): return i > Int64(Int.max) || i < Int64(Int.min) ? -1 : Int(i)
        case .uint(let u): return u > UInt64(Int.max) ? -1 : Int(u)
        case .double(let d):
            guard d.rounded(.towardZero) == d, abs(d) < 9.2e18 else {
                throw CELError(.evaluation, "invalid_argument: list index is a double with a fraction")
            }
            return Int(d)
        default: throw CELError(.evaluation, "invalid_argument: list index of type \(b.typeName)")
        }
    }

    /// `a.field`.
    static func select(_ a: CELValue, _ field: String) throws(CELError) -> CELValue {
        switch a {
        case .map(let map):
            guard let value = map[field] else { throw CELError(.notFound, "no such key: '\(field)'") }
            return value
        case .optional(let inner):
            guard let inner else { return .none }
            return try optionalSelect(inner, field)
        default: throw CELError(.noSuchOverload, "type '\(a.typeName)' does not support field selection")
        }
    }

    /// `a.?field`.
    static func optionalSelect(_ a: CELValue, _ field: String) throws(CELError) -> CELValue {
        switch a {
        case .map(let map): return map[field].map { .optional($0) } ?? .none
        case .optional(let inner):
            guard let inner else { return .none }
            return try optionalSelect(inner, field)
        default: throw CELError(.noSuchOverload, "type '\(a.typeName)' does not support field selection")
        }
    }

    /// `has(a.field)`.
    static func has(_ a: CELValue, _ field: String) throws(CELError) -> Bool {
        switch a {
        case .map(let map): return map[field] != nil
        case .optional(let inner):
            guard let inner else { return false }
            return try has(inner, field)
        default: throw CELError(.noSuchOverload, "type '\(a.typeName)' does not support field selection")
        }
    }
}

extension CELError {
    /// Sets the source offset if the error does not carry one yet.
    @inline(__always)
    func at(_ offset: Int32) -> CELError {
        if self.offset != nil || position != nil { return self }
        var copy = self
        copy.offset = offset
        return copy
    }
}
