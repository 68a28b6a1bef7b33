import Testing
@testable import InletCEL

@Suite("RegexProgram")
struct RegexTests {
    static let cases: [(String, String, Bool)] = [
        ("hubba", "ubb", true), ("", "foo|bar", false), ("", "", true), ("grey", "gr(a|e)y", true),
        ("banana", "ba(na)*", true), ("mañana", "a+ñ+a+", true), ("🐱😀😀", "(a|😀){2}", true),
        ("Fixes #123 now", "(?i)fixes #[0-9]+", true), ("FIXES #x", "(?i)fixes #[0-9]+", false),
        ("abc", "^abc$", true), ("xabc", "^abc", false), ("abc\n", "abc$", false), ("a\nb", "(?m)^b$", true),
        ("foo bar", "\\bbar\\b", true), ("foobar", "\\bbar", false), ("a.b", "a\\.b", true), ("axb", "a\\.b", false),
        ("aaa", "a{2,3}", true), ("a", "a{2}", false), ("x1y", "[^a-z]", true), ("xyz", "[^a-z]", false),
        ("tab\there", "\\s", true), ("AbC", "(?i)abc", true), ("AbC", "abc", false), ("a_b", "^\\w+$", true),
        ("he\nllo", "h.*o", false), ("he\nllo", "(?s)h.*o", true), ("ac", "a(?:b|c)", true),
        ("aXb", "a(?P<mid>X)b", true), (String(repeating: "a", count: 40) + "!", "(a*)*b", false),
        ("café", "caf\\x{e9}", true), ("bbb", "^a*$", false), ("é", "(?i)É", true), ("x-y", "[a-z\\-]+$", true),
        ("ÀB", "(?i)àb", true), ("a{b", "a{b", true), ("release/1.2", "^release/[0-9]+\\.[0-9]+$", true),
    ]

    @Test("matches RE2 semantics on a table of patterns", arguments: cases)
    func table(subject: String, pattern: String, expected: Bool) throws {
        #expect(try RegexProgram(pattern).matches(subject) == expected)
    }

    @Test("constructs RE2 rejects are errors", arguments: ["(a", "a)", "*a", "a**", "(?=a)", "(?<!a)b", "\\1", "a{2,1}", "[b-a]"])
    func rejected(pattern: String) {
        #expect(throws: CELError.self) { try RegexProgram(pattern) }
    }

    @Test("Unicode property classes fall back to the Swift engine")
    func fallback() throws {
        #expect(try RegexProgram("^\\p{L}+$").matches("héllo"))
        #expect(try !RegexProgram("^\\p{L}+$").matches("h3llo"))
    }

    @Test("pathological patterns run in linear time")
    func linearTime() throws {
        let subject = String(repeating: "a", count: 20_000)
        let clock = ContinuousClock()
        let elapsed = try clock.measure { _ = try RegexProgram("(a|aa)*(a|aa)*c").matches(subject) }
        #expect(elapsed < .seconds(5))
    }
}
