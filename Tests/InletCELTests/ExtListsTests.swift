import Testing
@testable import InletCEL

@Suite struct ExtListsTests {
    func eval(_ source: String) throws -> CELValue { try evaluateExtension(source, [.lists]) }
    func fails(_ source: String) -> CELError? { extensionError(source, [.lists]) }

    @Test func rangeCountsFromZero() throws {
        #expect(try eval("lists.range(4)") == [0, 1, 2, 3])
        #expect(try eval("lists.range(0)") == [])
        #expect(fails("lists.range(-1)") != nil)
    }

    @Test func sliceChecksItsBounds() throws {
        #expect(try eval("[1, 2, 3, 4].slice(1, 3)") == [2, 3])
        #expect(try eval("[1, 2].slice(2, 2)") == [])
        #expect(fails("[1, 2].slice(1, 3)") != nil)
        #expect(fails("[1, 2].slice(2, 1)") != nil)
        #expect(fails("[1, 2].slice(-1, 1)") != nil)
    }

    @Test func flattenGoesToTheRequestedDepth() throws {
        #expect(try eval("[1, [2, [3, [4]]]].flatten()") == [1, 2, [3, [4]]])
        #expect(try eval("[1, [2, [3, [4]]]].flatten(2)") == [1, 2, 3, [4]])
        #expect(fails("[1].flatten(-1)") != nil)
    }

    @Test func distinctKeepsFirstOccurrences() throws {
        #expect(try eval("[1, 2u, 1.0, 'a', 2, 'a'].distinct()") == [1, .uint(2), "a"])
    }

    @Test func sortOrdersOneKindAndRejectsMixtures() throws {
        #expect(try eval("[3, 1u, 2.5].sort()") == [.uint(1), 2.5, 3])
        #expect(try eval("['b', 'a', 'C'].sort()") == ["C", "a", "b"])
        #expect(fails("[1, 'a'].sort()") != nil)
        #expect(fails("[[1], [0]].sort()") != nil)
    }

    @Test func reverseFirstAndLast() throws {
        #expect(try eval("[1, 2, 3].reverse()") == [3, 2, 1])
        #expect(try eval("[1, 2, 3].first()") == .optional(.int(1)))
        #expect(try eval("[].last()") == .optional(nil))
    }
}
