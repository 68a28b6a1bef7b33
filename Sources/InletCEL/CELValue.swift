/// A CEL value.
///
/// Values are immutable and `Sendable`; lists and maps share storage on copy.
/// `==` is CEL equality: numbers compare across `int`, `uint` and `double` by mathematical value,
/// values of different kinds are unequal, and `NaN` is unequal to itself (use
/// ``celEquals(_:nanEqualsNaN:)`` to treat NaN as equal, e.g. in test oracles).
public enum CELValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case list([CELValue])
    case map(CELMap)
    /// A type value such as `int` or `type(x)`; compares by ``CELType/runtimeName``.
    case type(CELType)
    case timestamp(CELTimestamp)
    case duration(CELDuration)
    /// An optional value: `.optional(nil)` is `optional.none()`.
    indirect case optional(CELValue?)
    /// A value of a type provided by a library (network addresses, ...).
    indirect case opaque(any CELOpaqueValue)

    /// The kind of the value, used for overload dispatch.

    public var kind: CELKind {
        switch self {
        case .null: .null
        case .bool: .bool
        case .int: .int
        case .uint: .uint
        case .double: .double
        case .string: .string
        case .bytes: .bytes
        case .list: .list
        case .map: .map
        case .type: .type
        case .timestamp: .timestamp
        case .duration: .duration
        case .optional: .optional
        case .opaque: .opaque
        }
    }

    /// The runtime type of the value, as `type(value)` returns it.
    public var celType: CELType {
        switch self {
        case .null: .null
        case .bool: .bool
        case .int: .int
        case .uint: .uint
        case .double: .double
        case .string: .string
        case .bytes: .bytes
        case .list: .list(.dyn)
        case .map: .map(.dyn, .dyn)
        case .type: .type(nil)
        case .timestamp: .timestamp
        case .duration: .duration
        case .optional: .optional(.dyn)
        case .opaque(let value): value.celType
        }
    }

    /// The name of the value's type for messages (`int`, `list`, `google.protobuf.Timestamp`).
    public var typeName: String { celType.runtimeName }

    /// `optional.none()`.
    public static let none = CELValue.optional(nil)

    /// CEL equality; with `nanEqualsNaN` NaN doubles equal each other (for test oracles, not for CEL `==`).
    public func celEquals(_ other: CELValue, nanEqualsNaN: Bool = false) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a.celEquals(b)
        case (.int(let a), .int(let b)): return a == b
        case (.uint(let a), .uint(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b || (nanEqualsNaN && a.isNaN && b.isNaN)
        case (.int, .uint), (.uint, .int), (.int, .double), (.double, .int), (.uint, .double), (.double, .uint):
            return CELValue.compareNumbers(self, other) == 0
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.list(let a), .list(let b)):
            guard a.count == b.count else { return false }
            for index in a.indices where !a[index].celEquals(b[index], nanEqualsNaN: nanEqualsNaN) { return false }
            return true
        case (.map(let a), .map(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let other = b[key], value.celEquals(other, nanEqualsNaN: nanEqualsNaN) else { return false }
            }
            return true
        case (.type(let a), .type(let b)): return a.runtimeName == b.runtimeName
        case (.timestamp(let a), .timestamp(let b)): return a == b
        case (.duration(let a), .duration(let b)): return a == b
        case (.optional(let a), .optional(let b)):
            switch (a, b) {
            case (nil, nil): return true
            case (let x?, let y?): return x.celEquals(y, nanEqualsNaN: nanEqualsNaN)
            default: return false
            }
        case (.opaque(let a), .opaque(let b)): return a.isEqual(to: b)
        default: return false
        }
    }

    /// Orders two numbers of any numeric kinds by mathematical value: -1, 0, 1, or `nil` when either is NaN
    /// or a value is not a number.
    static func compareNumbers(_ lhs: CELValue, _ rhs: CELValue) -> Int? {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.uint(let a), .uint(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.double(let a), .double(let b)):
            if a.isNaN || b.isNaN { return nil }
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .uint(let b)):
            if a < 0 { return -1 }
            let ua = UInt64(a)
            return ua < b ? -1 : (ua == b ? 0 : 1)
        case (.uint, .int): return compareNumbers(rhs, lhs).map { -$0 }
        // Integers compare with doubles after conversion to double, as the reference implementations do.
        case (.int(let a), .double(let b)): return compareNumbers(.double(Double(a)), .double(b))
        case (.double, .int): return compareNumbers(rhs, lhs).map { -$0 }
        case (.uint(let a), .double(let b)): return compareNumbers(.double(Double(a)), .double(b))
        case (.double, .uint): return compareNumbers(rhs, lhs).map { -$0 }
        default: return nil
        }
    }
}

extension CELValue: Equatable {
    /// CEL equality (see the type's documentation); NaN is unequal to itself.
    public static func == (lhs: CELValue, rhs: CELValue) -> Bool { lhs.celEquals(rhs) }
}

extension CELValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: CELValue...) { self = .list(elements) }
    public init(nilLiteral: ()) { self = .null }
}

/// The kind of a ``CELValue``, used to declare overload parameters.
public enum CELKind: Sendable, Hashable {
    case null, bool, int, uint, double, string, bytes, list, map, type, timestamp, duration, optional, opaque
    /// Matches any kind (a `dyn` or type-parameter argument).
    case any
}

/// A value of a type that a library adds to CEL (for example `net.IP`).
///
/// - Important: implementations must be immutable; values are shared across threads.
public protocol CELOpaqueValue: Sendable, CustomStringConvertible {
    /// The CEL type of the value, e.g. `.opaque("net.IP", [])`.
    var celType: CELType { get }
    /// CEL equality with another opaque value (return `false` for other types).
    func isEqual(to other: any CELOpaqueValue) -> Bool
}

/// A timestamp: seconds and nanoseconds since 1970-01-01T00:00:00Z, valid from year 1 to year 9999.
public struct CELTimestamp: Sendable, Hashable, Comparable {
    public var seconds: Int64
    /// 0 ..< 1_000_000_000.
    public var nanos: Int32

    /// 0001-01-01T00:00:00Z.
    public static let minSeconds: Int64 = -62_135_596_800
    /// 9999-12-31T23:59:59Z.
    public static let maxSeconds: Int64 = 253_402_300_799

    /// Creates a timestamp, normalizing `nanos` into 0 ..< 1e9; throws when outside year 1 ... 9999.
    public init(seconds: Int64, nanos: Int32 = 0) throws(CELError) {
        var s = seconds
        var n = nanos
        if n < 0 || n >= 1_000_000_000 {
            s += Int64(n / 1_000_000_000)
            n %= 1_000_000_000
            if n < 0 { n += 1_000_000_000; s -= 1 }
        }
        guard s >= CELTimestamp.minSeconds, s <= CELTimestamp.maxSeconds else {
            throw CELError(.arithmetic, "timestamp out of range")
        }
        self.seconds = s
        self.nanos = n
    }

    public static func < (lhs: CELTimestamp, rhs: CELTimestamp) -> Bool {
        (lhs.seconds, lhs.nanos) < (rhs.seconds, rhs.nanos)
    }
}

/// A duration: seconds and nanoseconds of the same sign, within ±315,576,000,000 seconds (10,000 years).
public struct CELDuration: Sendable, Hashable, Comparable {
    public var seconds: Int64
    /// Same sign as `seconds`, magnitude below 1e9.
    public var nanos: Int32

    public static let maxSeconds: Int64 = 315_576_000_000

    /// Creates a duration, normalizing `nanos`; throws when outside ±10,000 years.
    public init(seconds: Int64, nanos: Int32 = 0) throws(CELError) {
        var s = seconds
        var n = nanos
        if n <= -1_000_000_000 || n >= 1_000_000_000 {
            let (q, overflow) = s.addingReportingOverflow(Int64(n / 1_000_000_000))
            guard !overflow else { throw CELError(.arithmetic, "duration out of range") }
            s = q
            n %= 1_000_000_000
        }
        if s > 0 && n < 0 { s -= 1; n += 1_000_000_000 }
        if s < 0 && n > 0 { s += 1; n -= 1_000_000_000 }
        guard s >= -CELDuration.maxSeconds, s <= CELDuration.maxSeconds else {
            throw CELError(.arithmetic, "duration out of range")
        }
        self.seconds = s
        self.nanos = n
    }

    /// Creates a duration from a total number of nanoseconds.
    public init(nanoseconds: Int64) {
        seconds = nanoseconds / 1_000_000_000
        nanos = Int32(nanoseconds % 1_000_000_000)
    }

    /// Total nanoseconds, or `nil` when that overflows Int64.
    public var totalNanoseconds: Int64? {
        let (a, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (b, o2) = a.addingReportingOverflow(Int64(nanos))
        return o1 || o2 ? nil : b
    }

    public static func < (lhs: CELDuration, rhs: CELDuration) -> Bool {
        (lhs.seconds, lhs.nanos) < (rhs.seconds, rhs.nanos)
    }
}

extension String {
    /// Code-point equality, as CEL defines it. Swift's `==` also equates canonically equivalent strings, such as a
    /// precomposed "é" and "e" + U+0301; requiring equal UTF-8 lengths tells those apart at no cost. (Strings that differ
    /// only in the order of combining marks still compare equal: a documented deviation.)
    @inline(__always)
    func celEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && self == other
    }
}
