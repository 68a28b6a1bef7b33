/// Which parts of a variable's value an expression can observe: all of it, or only some keys of a map (and, for
/// each, which parts of its value), recursively.
///
/// ``CELProgram/usage(ofVariable:)`` derives it from the expression at compile time: a chain of field selections
/// (`payload.pull_request.title`, `has(payload.a)`, `payload.?a`, `payload['a-b']`) reads only the keys it names,
/// anything else (a call, an operator, a comprehension, the expression's result) observes the whole value it
/// receives. ``CELValue/init(jsonUTF8:reading:numbers:)`` then builds only those parts of a JSON document: the
/// expression evaluates to exactly what it would on the whole document (same values, same errors), for much less
/// work when it reads a few fields of a large payload.
///
/// A `fields` usage keeps a JSON object's listed keys (absent keys stay absent) and drops the others; a value that
/// is not an object is always kept whole, so selecting from it fails exactly as before. `fields([:])` keeps an
/// object with no keys: enough for `has()` on its parent and for the kind of the value.
public struct CELValueUsage: Sendable, Equatable, CustomStringConvertible {
    /// One key a `fields` usage reads, with what is read of its value. The key's UTF-8 and map hash are kept so that
    /// the JSON reader matches keys by bytes, without making a `String` of every key it skips.
    struct Field: Sendable {
        let name: String
        let utf8: [UInt8]
        let hash: UInt32
        var usage: CELValueUsage
    }

    /// `nil` for the whole value; otherwise the keys read, sorted by name.
    private(set) var fieldList: [Field]?

    private init(fieldList: [Field]?) { self.fieldList = fieldList }

    /// Everything: the value is used as a whole.
    public static let whole = CELValueUsage(fieldList: nil)

    /// Only these keys of a map are read, each with the given usage of its value.
    public static func fields(_ fields: [String: CELValueUsage]) -> CELValueUsage {
        CELValueUsage(fieldList: fields.sorted { $0.key < $1.key }.map { Field(name: $0.key, usage: $0.value) })
    }

    /// Whether the value is used as a whole.
    public var isWhole: Bool { fieldList == nil }

    /// The keys read (sorted), or `nil` when the value is used whole.
    public var fieldNames: [String]? { fieldList?.map(\.name) }

    /// What is read of the value of key `name`: `.whole` when this usage is whole, `nil` when the key is not read.
    public func field(_ name: String) -> CELValueUsage? {
        guard let fieldList else { return .whole }
        return fieldList.first { $0.name == name }?.usage
    }

    /// What either usage reads.
    public func union(_ other: CELValueUsage) -> CELValueUsage {
        var result = self
        result.formUnion(other)
        return result
    }

    public mutating func formUnion(_ other: CELValueUsage) {
        guard let mine = fieldList, let theirs = other.fieldList else {
            fieldList = nil
            return
        }
        var merged = mine
        for field in theirs {
            if let index = merged.firstIndex(where: { $0.name == field.name }) {
                merged[index].usage.formUnion(field.usage)
            } else {
                merged.append(field)
            }
        }
        fieldList = merged.sorted { $0.name < $1.name }
    }

    public static func == (lhs: CELValueUsage, rhs: CELValueUsage) -> Bool {
        switch (lhs.fieldList, rhs.fieldList) {
        case (nil, nil): return true
        case (let a?, let b?):
            return a.count == b.count && zip(a, b).allSatisfy { $0.name == $1.name && $0.usage == $1.usage }
        default: return false
        }
    }

    /// `whole`, or the keys read with their usages: `{a: whole, b: {c: whole}}`.
    public var description: String {
        guard let fieldList else { return "whole" }
        return "{" + fieldList.map { "\($0.name): \($0.usage)" }.joined(separator: ", ") + "}"
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
