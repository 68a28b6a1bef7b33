/// The math extension, with cel-go's `ext.Math()` semantics (version 2).
///
/// `math.greatest` / `math.least` take one or more numbers, or one list of numbers, of mixed kinds (`int`, `uint`,
/// `double`) compared by mathematical value, and return the winning argument unchanged. Rounding functions take
/// doubles only (`math.floor(1)` is `no_such_overload`, as in cel-go). Bit shifts by 64 or more yield 0, a negative
/// shift is an error, and `bitShiftRight` on an int is a logical (unsigned) shift.
extension CELLibrary {
    public static let math = CELLibrary(name: "math", overloads: MathExtension.overloads)
}

enum MathExtension {
    static let overloads: [CELOverload] = [
        extremum("math.greatest", id: "math_greatest", wantGreater: true),
        extremum("math.least", id: "math_least", wantGreater: false),
        double("math.ceil", id: "math_ceil_double") { $0.rounded(.up) },
        double("math.floor", id: "math_floor_double") { $0.rounded(.down) },
        // Go's math.Round: half away from zero.
        double("math.round", id: "math_round_double") { $0.rounded(.toNearestOrAwayFromZero) },
        double("math.trunc", id: "math_trunc_double") { $0.rounded(.towardZero) },
        .global("math.abs", id: "math_abs_int", .int, result: .int) { v throws(CELError) in
            let i = v.asInt
            guard i != .min else { throw CELError(.arithmetic, "math.abs: integer overflow") }
            return .int(Swift.abs(i))
        },
        .global("math.abs", id: "math_abs_uint", .uint, result: .uint) { v throws(CELError) in v },
        .global("math.abs", id: "math_abs_double", .double, result: .double) { v throws(CELError) in
            .double(Swift.abs(v.asDouble))
        },
        .global("math.sign", id: "math_sign_int", .int, result: .int) { v throws(CELError) in
            .int(v.asInt.signum())
        },
        .global("math.sign", id: "math_sign_uint", .uint, result: .uint) { v throws(CELError) in
            .uint(v.asUInt == 0 ? 0 : 1)
        },
        .global("math.sign", id: "math_sign_double", .double, result: .double) { v throws(CELError) in
            let d = v.asDouble
            if d.isNaN || d == 0 { return .double(d) }
            return .double(d > 0 ? 1 : -1)
        },
        predicate("math.isNaN", id: "math_isNaN_double") { $0.isNaN },
        predicate("math.isInf", id: "math_isInf_double") { $0.isInfinite },
        predicate("math.isFinite", id: "math_isFinite_double") { $0.isFinite },
        .global("math.sqrt", id: "math_sqrt_double", .double, result: .double) { v throws(CELError) in
            .double(v.asDouble.squareRoot())
        },
        .global("math.sqrt", id: "math_sqrt_int", .int, result: .double) { v throws(CELError) in
            .double(Double(v.asInt).squareRoot())
        },
        .global("math.sqrt", id: "math_sqrt_uint", .uint, result: .double) { v throws(CELError) in
            .double(Double(v.asUInt).squareRoot())
        },
        .global("math.bitAnd", id: "math_bitAnd_int_int", .int, .int, result: .int) { a, b throws(CELError) in
            .int(a.asInt & b.asInt)
        },
        .global("math.bitAnd", id: "math_bitAnd_uint_uint", .uint, .uint, result: .uint) { a, b throws(CELError) in
            .uint(a.asUInt & b.asUInt)
        },
        .global("math.bitOr", id: "math_bitOr_int_int", .int, .int, result: .int) { a, b throws(CELError) in
            .int(a.asInt | b.asInt)
        },
        .global("math.bitOr", id: "math_bitOr_uint_uint", .uint, .uint, result: .uint) { a, b throws(CELError) in
            .uint(a.asUInt | b.asUInt)
        },
        .global("math.bitXor", id: "math_bitXor_int_int", .int, .int, result: .int) { a, b throws(CELError) in
            .int(a.asInt ^ b.asInt)
        },
        .global("math.bitXor", id: "math_bitXor_uint_uint", .uint, .uint, result: .uint) { a, b throws(CELError) in
            .uint(a.asUInt ^ b.asUInt)
        },
        .global("math.bitNot", id: "math_bitNot_int", .int, result: .int) { a throws(CELError) in .int(~a.asInt) },
        .global("math.bitNot", id: "math_bitNot_uint", .uint, result: .uint) { a throws(CELError) in .uint(~a.asUInt) },
        .global("math.bitShiftLeft", id: "math_bitShiftLeft_int_int", .int, .int, result: .int) {
            a, n throws(CELError) in
            .int(Int64(bitPattern: try shift(UInt64(bitPattern: a.asInt), by: n.asInt, left: true)))
        },
        .global("math.bitShiftLeft", id: "math_bitShiftLeft_uint_int", .uint, .int, result: .uint) {
            a, n throws(CELError) in
            .uint(try shift(a.asUInt, by: n.asInt, left: true))
        },
        .global("math.bitShiftRight", id: "math_bitShiftRight_int_int", .int, .int, result: .int) {
            a, n throws(CELError) in
            .int(Int64(bitPattern: try shift(UInt64(bitPattern: a.asInt), by: n.asInt, left: false)))
        },
        .global("math.bitShiftRight", id: "math_bitShiftRight_uint_int", .uint, .int, result: .uint) {
            a, n throws(CELError) in
            .uint(try shift(a.asUInt, by: n.asInt, left: false))
        },
    ]

    private static func double(
        _ name: String, id: String, _ body: @escaping @Sendable (Double) -> Double
    ) -> CELOverload {
        .global(name, id: id, .double, result: .double) { v throws(CELError) in .double(body(v.asDouble)) }
    }

    private static func predicate(
        _ name: String, id: String, _ body: @escaping @Sendable (Double) -> Bool
    ) -> CELOverload {
        .global(name, id: id, .double, result: .bool) { v throws(CELError) in .bool(body(v.asDouble)) }
    }

    private static func shift(_ value: UInt64, by amount: Int64, left: Bool) throws(CELError) -> UInt64 {
        guard amount >= 0 else {
            throw CELError(.evaluation, "math.bitShift\(left ? "Left" : "Right"): negative offset \(amount)")
        }
        guard amount < 64 else { return 0 }
        return left ? value << UInt64(amount) : value >> UInt64(amount)
    }

    /// `math.greatest` / `math.least`: one or more arguments, or a single list argument.
    private static func extremum(_ name: String, id: String, wantGreater: Bool) -> CELOverload {
        CELOverload(
            id: id, function: name, parameters: [.dyn, .dyn], isVariadic: true, result: .dyn,
            implementation: .nary { args throws(CELError) in
                let candidates: [CELValue]
                if args.count == 1, case .list(let elements) = args[0] {
                    candidates = elements
                } else {
                    candidates = args
                }
                guard var best = candidates.first else {
                    throw CELError(.evaluation, "\(name)(): list argument must not be empty")
                }
                guard isNumber(best) else { throw CELError.noSuchOverload(name, args) }
                for candidate in candidates.dropFirst() {
                    guard isNumber(candidate) else { throw CELError.noSuchOverload(name, args) }
                    // NaN compares as nil: keep the current best, like cel-go's comparisons that never select NaN.
                    guard let order = CELValue.compareNumbers(candidate, best) else { continue }
                    if wantGreater ? order > 0 : order < 0 { best = candidate }
                }
                return best
            }
        )
    }

    private static func isNumber(_ value: CELValue) -> Bool {
        switch value {
        case .int, .uint, .double: true
        default: false
        }
    }
}

extension CELValue {
    /// The payload of a `.uint`; dispatch guarantees the kind, so other kinds yield 0.
    @inline(__always)
    var asUInt: UInt64 {
        if case .uint(let u) = self { return u }
        return 0
    }

    /// The payload of a `.double`; dispatch guarantees the kind, so other kinds yield 0.
    @inline(__always)
    var asDouble: Double {
        if case .double(let d) = self { return d }
        return 0
    }
}
