/// Which parts of a variable's value an expression can observe: all of it, or only some keys of a map and some
/// parts of each element of a list (and, for each, which parts of its value), recursively.
///
/// ``CELProgram/usage(ofVariable:)`` derives it from the expression at compile time: a chain of field selections
/// (`payload.pull_request.title`, `has(payload.a)`, `payload.?a`, `payload['a-b']`) reads only the keys it names; a
/// comprehension over a list (`payload.labels.map(l, l.name)`) reads each element as its variable is read; anything
/// else (a call, an operator, the expression's result) observes the whole value it receives.
/// ``CELValue/init(jsonUTF8:reading:numbers:)`` then builds only those parts of a JSON document: the expression
/// evaluates to exactly what it would on the whole document (same values, same errors), for much less work when it
/// reads a few fields of a large payload.
///
/// A usage says what is kept of a JSON object and of a JSON array, whichever the value turns out to be; scalars are
/// always kept. ``fields(_:)`` keeps an object's listed keys (absent keys stay absent) and makes an array empty
/// (selecting a field from a list fails whatever it holds); ``elements(_:)`` keeps an object whole (iterating a map
/// visits its keys) and reads each element of an array with the given usage. `fields([:])` keeps only the kind of
/// the value: enough for `has()` on its parent.
public struct CELValueUsage: Sendable, Equatable, CustomStringConvertible {
    /// One key a `fields` usage reads, with what is read of its value. The key's UTF-8 and map hash are kept so that
    /// the JSON reader matches keys by bytes, without making a `String` of every key it skips.
    struct Field: Sendable {
        let name: String
        let utf8: [UInt8]
        let hash: UInt32
        var usage: CELValueUsage
    }

    /// What is kept of an array.
    indirect enum Elements: Sendable, Equatable {
        /// Every element, whole.
        case whole
        /// No element: only that the value is an array can be observed.
        case empty
        /// Every element, read with this usage.
        case each(CELValueUsage)
    }

    /// What is kept of an object: `nil` for every key, whole; otherwise the keys read, sorted by name.
    private(set) var fieldList: [Field]?
    /// What is kept of an array.
    private(set) var elementPart: Elements

    private init(fieldList: [Field]?, elementPart: Elements) {
        self.fieldList = fieldList
        self.elementPart = elementPart
    }

    /// Everything: the value is used as a whole.
    public static let whole = CELValueUsage(fieldList: nil, elementPart: .whole)

    /// Only these keys of a map are read, each with the given usage of its value (a list is not read at all).
    public static func fields(_ fields: [String: CELValueUsage]) -> CELValueUsage {
        CELValueUsage(fieldList: fields.sorted { $0.key < $1.key }.map { Field(name: $0.key, usage: $0.value) },
                      elementPart: .empty)
    }

    /// Every element of a list is read with `usage` (a map is read whole: iterating it visits its keys).
    public static func elements(_ usage: CELValueUsage) -> CELValueUsage {
        usage.isWhole ? .whole : CELValueUsage(fieldList: nil, elementPart: .each(usage))
    }

    /// Whether the value is used as a whole.
    public var isWhole: Bool { fieldList == nil && elementPart == .whole }

    /// The keys read of a map (sorted), or `nil` when a map is read whole.
    public var fieldNames: [String]? { fieldList?.map(\.name) }

    /// What is read of the value of key `name` of a map: `.whole` when maps are read whole, `nil` when the key is
    /// not read.
    public func field(_ name: String) -> CELValueUsage? {
        guard let fieldList else { return .whole }
        return fieldList.first { $0.name == name }?.usage
    }

    /// What is read of each element of a list: `.whole` when lists are read whole, `nil` when no element is.
    public var elementUsage: CELValueUsage? {
        switch elementPart {
        case .whole: .whole
        case .empty: nil
        case .each(let usage): usage
        }
    }

    /// What either usage reads.
    public func union(_ other: CELValueUsage) -> CELValueUsage {
        var result = self
        result.formUnion(other)
        return result
    }

    public mutating func formUnion(_ other: CELValueUsage) {
        if let mine = fieldList, let theirs = other.fieldList {
            var merged = mine
            for field in theirs {
                if let index = merged.firstIndex(where: { $0.name == field.name }) {
                    merged[index].usage.formUnion(field.usage)
                } else {
                    merged.append(field)
                }
            }
            fieldList = merged.sorted { $0.name < $1.name }
        } else {
            fieldList = nil
        }
        switch (elementPart, other.elementPart) {
        case (.whole, _), (_, .whole): elementPart = .whole
        case (.empty, let part), (let part, .empty): elementPart = part
        case (.each(let mine), .each(let theirs)):
            let merged = mine.union(theirs)
            elementPart = merged.isWhole ? .whole : .each(merged)
        }
    }

    public static func == (lhs: CELValueUsage, rhs: CELValueUsage) -> Bool {
        guard lhs.elementPart == rhs.elementPart else { return false }
        switch (lhs.fieldList, rhs.fieldList) {
        case (nil, nil): return true
        case (let a?, let b?):
            return a.count == b.count && zip(a, b).allSatisfy { $0.name == $1.name && $0.usage == $1.usage }
        default: return false
        }
    }

    /// `whole`; the keys read with their usages, `{a: whole, b: {c: whole}}`; and what is read of each list element
    /// when lists are read, `{whole} | [each: {name: whole}]`.
    public var description: String {
        if isWhole { return "whole" }
        let object = fieldList.map { fields in
            "{" + fields.map { "\($0.name): \($0.usage)" }.joined(separator: ", ") + "}"
        } ?? "{whole}"
        switch elementPart {
        case .whole: return object + " | [whole]"
        case .empty: return object
        case .each(let usage): return object + " | [each: \(usage)]"
        }
    }
}

extension CELValueUsage.Field {
    init(name: String, usage: CELValueUsage) {
        self.name = name
        self.utf8 = Array(name.utf8)
        self.hash = CELMap.hashString(name)
        self.usage = usage
    }
}
