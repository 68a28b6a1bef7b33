/// A compiled regular expression with RE2 semantics for `matches` (unanchored search).
struct RegexProgram: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws(CELError) {
        do {
            regex = try Regex(pattern)
        } catch {
            throw CELError(.evaluation, "invalid regular expression: \(pattern)")
        }
    }

    func matches(_ subject: String) -> Bool {
        (try? regex.firstMatch(in: subject)) != nil
    }
}
