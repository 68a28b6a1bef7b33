/// The lists extension, with cel-go's `ext.Lists()` semantics (functions only; the `sortBy` macro is not provided):
/// `lists.range(n)`, `l.slice(start, end)`, `l.flatten()`, `l.flatten(depth)`, `l.distinct()`, `l.sort()`,
/// `l.reverse()`, `l.first()` and `l.last()` (both return optionals).
extension CELLibrary {
    public static let lists = CELLibrary(name: "lists", overloads: ListsExtension.overloads)
}

enum ListsExtension {
    static let overloads: [CELOverload] = [
        .global("lists.range", id: "lists_range", .int, result: .list(.int)) { n throws(CELError) in
            let count = n.asInt
            guard count >= 0 else { throw CELError(.evaluation, "lists.range: negative count \(count)") }
            guard count <= 10_000_000 else { throw CELError(.limit, "lists.range: count \(count) exceeds 10000000") }
            return .list((0..<count).map { CELValue.int($0) })
        },
        .member("slice", id: "list_slice", on: .list(.dyn), .int, .int, result: .list(.dyn)) {
            list, start, end throws(CELError) in
            let elements = try elementsOf(list, "slice")
            let from = start.asInt
            let to = end.asInt
            guard from >= 0, to >= 0 else {
                throw CELError(.notFound, "cannot slice(\(from), \(to)), negative indexes not supported")
            }
            guard from <= to else {
                throw CELError(.notFound, "cannot slice(\(from), \(to)), start index must be less than or equal to end index")
            }
            guard to <= Int64(elements.count) else {
                throw CELError(.notFound, "cannot slice(\(from), \(to)), list is length \(elements.count)")
            }
            return .list(Array(elements[Int(from)..<Int(to)]))
        },
        .member("flatten", id: "list_flatten", on: .list(.dyn), result: .list(.dyn)) { list throws(CELError) in
            .list(flatten(try elementsOf(list, "flatten"), depth: 1))
        },
        .member("flatten", id: "list_flatten_int", on: .list(.dyn), .int, result: .list(.dyn)) {
            list, depth throws(CELError) in
            guard depth.asInt >= 0 else { throw CELError(.evaluation, "level must be non-negative") }
            return .list(flatten(try elementsOf(list, "flatten"), depth: depth.asInt))
        },
        .member("distinct", id: "list_distinct", on: .list(.dyn), result: .list(.dyn)) { list throws(CELError) in
            var result: [CELValue] = []
            for element in try elementsOf(list, "distinct") where !result.contains(where: { $0.celEquals(element) }) {
                result.append(element)
            }
            return .list(result)
        },
        .member("sort", id: "list_sort", on: .list(.dyn), result: .list(.dyn)) { list throws(CELError) in
            .list(try sorted(try elementsOf(list, "sort")))
        },
        .member("reverse", id: "list_reverse", on: .list(.dyn), result: .list(.dyn)) { list throws(CELError) in
            .list(try elementsOf(list, "reverse").reversed())
        },
        .member("first", id: "list_first", on: .list(.dyn), result: .optional(.dyn)) { list throws(CELError) in
            .optional(try elementsOf(list, "first").first)
        },
        .member("last", id: "list_last", on: .list(.dyn), result: .optional(.dyn)) { list throws(CELError) in
            .optional(try elementsOf(list, "last").last)
        },
    ]

    private static func elementsOf(_ value: CELValue, _ function: String) throws(CELError) -> [CELValue] {
        guard case .list(let elements) = value else { throw CELError.noSuchOverload(function, value) }
        return elements
    }

    static func flatten(_ elements: [CELValue], depth: Int64) -> [CELValue] {
        var result: [CELValue] = []
        for element in elements {
            if depth > 0, case .list(let inner) = element {
                result.append(contentsOf: flatten(inner, depth: depth - 1))
            } else {
                result.append(element)
            }
        }
        return result
    }

    /// Sorts elements of one orderable kind (int, uint, double, string, bytes, bool, timestamp, duration; numbers of
    /// different kinds compare by value); anything else is an error.
    static func sorted(_ elements: [CELValue]) throws(CELError) -> [CELValue] {
        guard let first = elements.first else { return [] }
        for element in elements {
            guard isOrderable(element), sameFamily(first, element) else {
                throw CELError(.evaluation, "sort: list elements must have the same orderable type, found "
                    + "\(first.typeName) and \(element.typeName)")
            }
        }
        return elements.sorted { less($0, $1) }
    }

    private static func isOrderable(_ value: CELValue) -> Bool {
        switch value {
        case .int, .uint, .double, .string, .bytes, .bool, .timestamp, .duration: true
        default: false
        }
    }

    private static func sameFamily(_ a: CELValue, _ b: CELValue) -> Bool {
        switch (a, b) {
        case (.int, .int), (.int, .uint), (.int, .double), (.uint, .int), (.uint, .uint), (.uint, .double),
             (.double, .int), (.double, .uint), (.double, .double): true
        default: a.kind == b.kind
        }
    }

    private static func less(_ a: CELValue, _ b: CELValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
        case (.bytes(let x), .bytes(let y)): return x.lexicographicallyPrecedes(y)
        case (.bool(let x), .bool(let y)): return !x && y
        case (.timestamp(let x), .timestamp(let y)): return x < y
        case (.duration(let x), .duration(let y)): return x < y
        default: return (CELValue.compareNumbers(a, b) ?? 0) < 0
        }
    }
}
