import Testing
@testable import InletCEL

@Suite struct ExtMathTests {
    func eval(_ source: String) throws -> CELValue { try evaluateExtension(source, [.math]) }
    func fails(_ source: String) -> CELError? { extensionError(source, [.math]) }

    @Test func greatestAndLeastReturnTheWinningArgumentUnchanged() throws {
        let greatest = try eval("math.greatest(5.4, 10, 3u, -5.0)")
        #expect(greatest == .int(10) && greatest.kind == .int)
        let least = try eval("math.least([5.4, 10u, 3u, 1u, 3.5])")
        #expect(least == .uint(1) && least.kind == .uint)
        #expect(try eval("math.greatest(-5)") == .int(-5))
        #expect(try eval("math.least(18446744073709551615u, 1u)") == .uint(1))
    }

    @Test func greatestRejectsEmptyListsAndNonNumbers() {
        #expect(fails("math.greatest([])") != nil)
        #expect(fails("math.greatest(1, 'a')") != nil)
        #expect(fails("math.least(['a'])") != nil)
    }

    @Test func roundingFunctionsTakeDoublesOnly() throws {
        #expect(try eval("math.ceil(1.2)") == .double(2))
        #expect(try eval("math.floor(-1.2)") == .double(-2))
        #expect(try eval("math.round(-1.5)") == .double(-2))
        #expect(try eval("math.round(2.5)") == .double(3))
        #expect(try eval("math.trunc(-1.7)") == .double(-1))
        #expect(fails("math.floor(dyn(1))")?.code == .noSuchOverload)
    }

    @Test func absOverflowsOnTheSmallestInt() throws {
        #expect(try eval("math.abs(-11)") == .int(11))
        #expect(try eval("math.abs(-1.5)") == .double(1.5))
        #expect(try eval("math.abs(3u)") == .uint(3))
        #expect(fails("math.abs(-9223372036854775808)") != nil)
    }

    @Test func signAndClassification() throws {
        #expect(try eval("math.sign(-11)") == .int(-1))
        #expect(try eval("math.sign(0u)") == .uint(0))
        #expect(try eval("math.sign(-0.5)") == .double(-1))
        #expect(try eval("math.isNaN(0.0/0.0)") == true)
        #expect(try eval("math.isInf(-1.0/0.0)") == true)
        #expect(try eval("math.isFinite(1.0/0.0)") == false)
        #expect(fails("math.isNaN(dyn(true))") != nil)
    }

    @Test func bitOperationsWorkOnIntsAndUints() throws {
        #expect(try eval("math.bitAnd(1, -1)") == .int(1))
        #expect(try eval("math.bitOr(1u, 4u)") == .uint(5))
        #expect(try eval("math.bitXor(4, -2)") == .int(-6))
        #expect(try eval("math.bitNot(1u)") == .uint(18_446_744_073_709_551_614))
        #expect(fails("math.bitAnd(1, 1u)") != nil)
    }

    @Test func shiftsAreLogicalAndSaturateToZero() throws {
        #expect(try eval("math.bitShiftRight(-1024, 3)") == .int(2_305_843_009_213_693_824))
        #expect(try eval("math.bitShiftLeft(1, 200)") == .int(0))
        #expect(try eval("math.bitShiftLeft(1u, 2)") == .uint(4))
        #expect(fails("math.bitShiftRight(1u, -1)") != nil)
    }

    @Test func sqrtAcceptsEveryNumericKind() throws {
        #expect(try eval("math.sqrt(16)") == .double(4))
        #expect(try eval("math.sqrt(2.25)") == .double(1.5))
        #expect(try eval("math.sqrt(9u)") == .double(3))
    }
}
