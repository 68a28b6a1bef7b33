/// A compiled regular expression with RE2 semantics for `matches` (unanchored search, leftmost-any: only whether a
/// match exists is computed).
///
/// Patterns are compiled to a small NFA and run by a Pike VM over Unicode scalars: linear in the subject length, no
/// backtracking, and a first-character filter skips quickly to positions where a match can start. Syntax beyond the
/// engine's subset (Unicode classes `\p{..}`, POSIX classes) falls back to Swift's `Regex`; constructs RE2 rejects
/// (backreferences, look-around) are errors.
///
/// - Important: `@unchecked Sendable` because the fallback `Regex<AnyRegexOutput>` is not declared `Sendable`; it is
///   created once, never mutated, and matching does not mutate it, so sharing it between threads is safe.
struct RegexProgram: @unchecked Sendable {
    private enum Engine {
        case nfa(NFA)
        case swift(Regex<AnyRegexOutput>)
    }

    private let engine: Engine

    init(_ pattern: String) throws(CELError) {
        do throws(RegexParser.Failure) {
            var parser = RegexParser(pattern)
            let ast = try parser.parse()
            engine = .nfa(try NFA(compiling: ast))
        } catch {
            switch error {
            case .unsupported:
                do {
                    engine = .swift(try Regex(pattern))
                } catch {
                    throw CELError(.evaluation, "invalid regular expression")
                }
            case .invalid(let reason):
                throw CELError(.evaluation, "invalid regular expression: \(reason)")
            }
        }
    }

    func matches(_ subject: String) -> Bool {
        switch engine {
        case .nfa(let nfa): return nfa.search(subject)
        case .swift(let regex): return (try? regex.firstMatch(in: subject)) != nil
        }
    }
}

// MARK: Syntax

/// A set of scalar ranges, optionally negated and case-folded.
struct CharacterClass {
    var ranges: [ClosedRange<UInt32>] = []
    var negated = false
    /// 128-bit ASCII membership (before negation) for the fast path.
    var ascii: (UInt64, UInt64) = (0, 0)

    mutating func add(_ range: ClosedRange<UInt32>) {
        ranges.append(range)
        let low = range.lowerBound
        let high = min(range.upperBound, 127)
        if low <= 127 {
            for c in low...high {
                if c < 64 { ascii.0 |= 1 << UInt64(c) } else { ascii.1 |= 1 << UInt64(c - 64) }
            }
        }
    }

    mutating func add(_ other: CharacterClass) {
        precondition(!other.negated)
        for range in other.ranges { add(range) }
    }

    /// Adds the other case of every ASCII letter (and simple Unicode case pairs of single scalars).
    mutating func foldCase() {
        for range in ranges {
            let low = range.lowerBound
            let high = min(range.upperBound, low + 1024)
            for c in low...high {
                guard let scalar = Unicode.Scalar(c) else { continue }
                for variant in [scalar.properties.lowercaseMapping, scalar.properties.uppercaseMapping] {
                    let scalars = variant.unicodeScalars
                    if scalars.count == 1, let v = scalars.first?.value, v != c { add(v...v) }
                }
            }
        }
    }

    @inline(__always)
    func contains(_ c: UInt32) -> Bool {
        var member: Bool
        if c < 64 {
            member = ascii.0 & (1 << UInt64(c)) != 0
        } else if c < 128 {
            member = ascii.1 & (1 << UInt64(c - 64)) != 0
        } else {
            member = false
            for range in ranges where range.contains(c) {
                member = true
                break
            }
        }
        return member != negated
    }
}

indirect enum RegexNode {
    case empty
    case characters(CharacterClass)
    case concat([RegexNode])
    case alternation([RegexNode])
    case `repeat`(RegexNode, min: Int, max: Int?)
    case assertion(RegexAssertion)
}

enum RegexAssertion {
    case beginText, endText, beginLine, endLine, wordBoundary, notWordBoundary
}

struct RegexParser {
    enum Failure: Error {
        /// Valid syntax the NFA engine does not implement: use the fallback engine.
        case unsupported
        case invalid(String)
    }

    let s: [Unicode.Scalar]
    var i = 0
    var caseInsensitive = false
    var dotAll = false
    var multiLine = false
    var depth = 0

    init(_ pattern: String) { s = Array(pattern.unicodeScalars) }

    mutating func parse() throws(Failure) -> RegexNode {
        let node = try parseAlternation()
        guard i == s.count else { throw .invalid("unexpected ')'") }
        return node
    }

    func peek(_ ahead: Int = 0) -> Unicode.Scalar? { i + ahead < s.count ? s[i + ahead] : nil }

    mutating func parseAlternation() throws(Failure) -> RegexNode {
        depth += 1
        defer { depth -= 1 }
        guard depth < 200 else { throw .invalid("nesting too deep") }
        var branches = [try parseConcat()]
        while peek() == "|" {
            i += 1
            branches.append(try parseConcat())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func parseConcat() throws(Failure) -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek(), c != "|", c != ")" {
            // Flag groups `(?i)` change the flags for the rest of the enclosing group.
            if c == "(", peek(1) == "?", let flags = try parseFlagGroupIfAny() {
                _ = flags
                continue
            }
            var atom = try parseAtom()
            atom = try parseQuantifiers(atom)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .concat(items)
    }

    /// Parses `(?flags)` (returns true) or leaves `(?flags:...)`/other groups to `parseAtom` (returns nil).
    mutating func parseFlagGroupIfAny() throws(Failure) -> Bool? {
        var j = i + 2
        while j < s.count, "imsU-".unicodeScalars.contains(s[j]) { j += 1 }
        guard j < s.count, s[j] == ")" else { return nil }
        try applyFlags(from: i + 2, to: j)
        i = j + 1
        return true
    }

    mutating func applyFlags(from start: Int, to end: Int) throws(Failure) {
        var on = true
        for k in start..<end {
            switch s[k] {
            case "-": on = false
            case "i": caseInsensitive = on
            case "s": dotAll = on
            case "m": multiLine = on
            case "U": throw .unsupported
            default: throw .invalid("unknown flag")
            }
        }
    }

    mutating func parseQuantifiers(_ atom: RegexNode) throws(Failure) -> RegexNode {
        var node = atom
        while let c = peek() {
            var min = 0
            var max: Int? = nil
            switch c {
            case "*": i += 1
            case "+": min = 1; i += 1
            case "?": max = 1; i += 1
            case "{":
                guard let (lo, hi, length) = counted() else { return node }
                min = lo
                max = hi
                i += length
            default: return node
            }
            if peek() == "?" { i += 1 }  // Non-greedy: irrelevant for a yes/no search.
            if case .repeat = node { throw .invalid("bad repetition operator") }
            if case .assertion = node { throw .invalid("missing argument to repetition operator") }
            node = .repeat(node, min: min, max: max)
        }
        return node
    }

    /// `{n}`, `{n,}`, `{n,m}` at `i`: (min, max, consumed length), or nil when it is a literal brace.
    func counted() -> (Int, Int?, Int)? {
        var j = i + 1
        func number() -> Int? {
            var value = 0
            var digits = 0
            while j < s.count, let d = Int(String(s[j])), s[j].isASCII {
                value = value * 10 + d
                digits += 1
                j += 1
                if value > 1000 { return 1001 }
            }
            return digits > 0 ? value : nil
        }
        guard let lo = number() else { return nil }
        var hi: Int? = lo
        if j < s.count, s[j] == "," {
            j += 1
            hi = number()
        }
        guard j < s.count, s[j] == "}" else { return nil }
        return (lo, hi, j - i + 1)
    }

    mutating func literal(_ c: UInt32) -> RegexNode {
        var set = CharacterClass()
        set.add(c...c)
        if caseInsensitive { set.foldCase() }
        return .characters(set)
    }

    mutating func parseAtom() throws(Failure) -> RegexNode {
        let c = s[i]
        switch c {
        case "(":
            i += 1
            let saved = (caseInsensitive, dotAll, multiLine)
            defer { (caseInsensitive, dotAll, multiLine) = saved }
            if peek() == "?" {
                if peek(1) == "P" || peek(1) == "<" && peek(2) != "=" && peek(2) != "!" {
                    // Named group: (?P<name>...) or (?<name>...).
                    while let d = peek(), d != ">" { i += 1 }
                    guard peek() == ">" else { throw .invalid("bad named group") }
                    i += 1
                } else if peek(1) == "=" || peek(1) == "!" || peek(1) == "<" {
                    throw .invalid("look-around is not supported by RE2")
                } else {
                    var j = i + 1
                    while j < s.count, "imsU-".unicodeScalars.contains(s[j]) { j += 1 }
                    guard j < s.count, s[j] == ":" else { throw .invalid("bad group flags") }
                    try applyFlags(from: i + 1, to: j)
                    i = j + 1
                }
            }
            let inner = try parseAlternation()
            guard peek() == ")" else { throw .invalid("missing ')'") }
            i += 1
            // Wrapped so that a repeated group `(a*)*` is not mistaken for a doubled operator `a**`.
            return .concat([inner])
        case ")": throw .invalid("unexpected ')'")
        case "*", "+", "?": throw .invalid("missing argument to repetition operator")
        case ".":
            i += 1
            var set = CharacterClass()
            set.negated = true
            if !dotAll { set.add(10...10) }
            return .characters(set)
        case "^":
            i += 1
            return .assertion(multiLine ? .beginLine : .beginText)
        case "$":
            i += 1
            return .assertion(multiLine ? .endLine : .endText)
        case "[":
            return .characters(try parseClass())
        case "\\":
            i += 1
            guard let e = peek() else { throw .invalid("trailing backslash") }
            i += 1
            switch e {
            case "A": return .assertion(.beginText)
            case "z": return .assertion(.endText)
            case "b": return .assertion(.wordBoundary)
            case "B": return .assertion(.notWordBoundary)
            case "1"..."9": throw .invalid("backreferences are not supported by RE2")
            default:
                i -= 2
                var set = try parseEscapeInClass()
                if caseInsensitive, !set.negated { set.foldCase() }
                return .characters(set)
            }
        default:
            i += 1
            return literal(c.value)
        }
    }

    /// Parses an escape at `i` (pointing at the backslash) as a class: `\d`, `\w`, `\s`, their negations, or a
    /// literal character (`\.`, `\n`, `\x41`, `\x{263a}`).
    mutating func parseEscapeInClass() throws(Failure) -> CharacterClass {
        i += 1
        guard let e = peek() else { throw .invalid("trailing backslash") }
        i += 1
        var set = CharacterClass()
        switch e {
        case "d", "D":
            set.add(48...57)
            set.negated = e == "D"
        case "w", "W":
            set.add(48...57); set.add(65...90); set.add(97...122); set.add(95...95)
            set.negated = e == "W"
        case "s", "S":
            set.add(9...10); set.add(12...13); set.add(32...32)
            set.negated = e == "S"
        case "n": set.add(10...10)
        case "t": set.add(9...9)
        case "r": set.add(13...13)
        case "f": set.add(12...12)
        case "v": set.add(11...11)
        case "a": set.add(7...7)
        case "x":
            var value: UInt32 = 0
            if peek() == "{" {
                i += 1
                while let d = peek(), d != "}" {
                    guard let h = Lexer.hexValue(d) else { throw .invalid("bad \\x escape") }
                    value = value << 4 | h
                    i += 1
                }
                i += 1
            } else {
                guard let h1 = Lexer.hexValue(peek()), let h2 = Lexer.hexValue(peek(1)) else {
                    throw .invalid("bad \\x escape")
                }
                value = h1 << 4 | h2
                i += 2
            }
            set.add(value...value)
        case "p", "P", "Q", "C", "E", "G", "X", "K", "R", "h", "H", "N", "o", "u", "U", "c", "e", "l", "L", "g", "k":
            throw .unsupported
        case "0"...("9"):
            if e == "0" { set.add(0...0) } else { throw .invalid("backreferences are not supported by RE2") }
        default:
            guard !e.properties.isAlphabetic else { throw .invalid("invalid escape \\\(e)") }
            set.add(e.value...e.value)
        }
        return set
    }

    mutating func parseClass() throws(Failure) -> CharacterClass {
        i += 1
        var set = CharacterClass()
        var negated = false
        if peek() == "^" {
            negated = true
            i += 1
        }
        var first = true
        while true {
            guard let c = peek() else { throw .invalid("missing ']'") }
            if c == "]", !first { i += 1; break }
            first = false
            if c == "[", peek(1) == ":" { throw .unsupported }
            var low: UInt32
            if c == "\\" {
                let escaped = try parseEscapeInClass()
                if escaped.negated || escaped.ranges.count != 1 || escaped.ranges[0].count != 1 {
                    if escaped.negated { throw .unsupported }
                    set.add(escaped)
                    continue
                }
                low = escaped.ranges[0].lowerBound
            } else {
                low = c.value
                i += 1
            }
            if peek() == "-", let next = peek(1), next != "]" {
                i += 1
                var high: UInt32
                if next == "\\" {
                    let escaped = try parseEscapeInClass()
                    guard !escaped.negated, escaped.ranges.count == 1, escaped.ranges[0].count == 1 else {
                        throw .invalid("bad character class range")
                    }
                    high = escaped.ranges[0].lowerBound
                } else {
                    high = next.value
                    i += 1
                }
                guard low <= high else { throw .invalid("bad character class range") }
                set.add(low...high)
            } else {
                set.add(low...low)
            }
        }
        if caseInsensitive { set.foldCase() }
        set.negated = negated
        return set
    }
}

// MARK: NFA and Pike VM

struct NFA: Sendable {
    enum Instruction: Sendable {
        case character(Int)          // index into classes
        case split(Int, Int)
        case jump(Int)
        case assertion(RegexAssertion)
        case match
    }

    let instructions: [Instruction]
    let classes: [CharacterClassBox]
    /// ASCII bytes that can start a match; `nil` when the start is unconstrained or non-ASCII can start it.
    let firstASCII: (UInt64, UInt64)?
    let startMatchesEmpty: Bool

    final class CharacterClassBox: Sendable {
        let set: CharacterClass
        init(_ set: CharacterClass) { self.set = set }
    }

    static let maxInstructions = 20_000

    init(compiling node: RegexNode) throws(RegexParser.Failure) {
        var builder = Builder()
        try builder.emit(node)
        builder.program.append(.match)
        instructions = builder.program
        classes = builder.classes.map(CharacterClassBox.init)
        (firstASCII, startMatchesEmpty) = NFA.analyzeStart(instructions, classes)
    }

    struct Builder {
        var program: [Instruction] = []
        var classes: [CharacterClass] = []

        mutating func emit(_ node: RegexNode) throws(RegexParser.Failure) {
            guard program.count < NFA.maxInstructions else { throw .invalid("pattern too large") }
            switch node {
            case .empty: break
            case .characters(let set):
                classes.append(set)
                program.append(.character(classes.count - 1))
            case .concat(let items):
                for item in items { try emit(item) }
            case .alternation(let branches):
                var jumps: [Int] = []
                for (index, branch) in branches.enumerated() {
                    if index < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, -1))
                        try emit(branch)
                        jumps.append(program.count)
                        program.append(.jump(-1))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repeat(let inner, let min, let max):
                guard min <= 1000, (max ?? 0) <= 1000 else { throw .invalid("bad repetition count") }
                for _ in 0..<min { try emit(inner) }
                if let max {
                    guard max >= min else { throw .invalid("bad repetition count") }
                    var splits: [Int] = []
                    for _ in min..<max {
                        splits.append(program.count)
                        program.append(.split(program.count + 1, -1))
                        try emit(inner)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    try emit(inner)
                    program.append(.jump(split))
                    program[split] = .split(split + 1, program.count)
                }
            case .assertion(let kind):
                program.append(.assertion(kind))
            }
        }
    }

    /// Which ASCII characters can begin a match (ignoring assertions), and whether the empty string matches at start.
    static func analyzeStart(_ program: [Instruction], _ classes: [CharacterClassBox]) -> ((UInt64, UInt64)?, Bool) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var visited = [Bool](repeating: false, count: program.count)
        var stack = [0]
        var matchesEmpty = false
        var unconstrained = false
        while let pc = stack.popLast() {
            if visited[pc] { continue }
            visited[pc] = true
            switch program[pc] {
            case .character(let index):
                let set = classes[index].set
                if set.negated || set.ranges.contains(where: { $0.upperBound > 127 }) {
                    unconstrained = true
                } else {
                    low |= set.ascii.0
                    high |= set.ascii.1
                }
            case .split(let a, let b):
                stack.append(b)
                stack.append(a)
            case .jump(let target): stack.append(target)
            case .assertion: stack.append(pc + 1)
            case .match: matchesEmpty = true
            }
        }
        return (unconstrained || matchesEmpty ? nil : (low, high), matchesEmpty)
    }

    static func isWordCharacter(_ c: UInt32?) -> Bool {
        guard let c else { return false }
        return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
    }

    /// Unanchored search over the subject's Unicode scalars.
    func search(_ subject: String) -> Bool {
        if startMatchesEmpty && instructions.count == 1 { return true }
        var copy = subject
        return copy.withUTF8 { utf8 in run(utf8) }
    }

    private func run(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = instructions.count
        // One scratch block (on the stack for small programs): marks, two thread lists and the epsilon stack.
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: count * 5 + 4) { scratch in
            let base = scratch.baseAddress!
            let mark = base
            var current = base + count
            var next = base + 2 * count
            let stack = base + 3 * count
            mark.initialize(repeating: 0, count: count)
            var currentCount = 0
            var nextCount = 0
            var stackCount = 0
            var generation: Int32 = 1
            var position = 0
            var previous: UInt32? = nil
            let instructions = self.instructions
            let classes = self.classes

            func decode(at index: Int) -> (UInt32, Int)? {
                guard index < utf8.count else { return nil }
                let b0 = UInt32(utf8[index])
                if b0 < 0x80 { return (b0, 1) }
                if b0 < 0xE0, index + 1 < utf8.count { return ((b0 & 0x1F) << 6 | UInt32(utf8[index + 1] & 0x3F), 2) }
                if b0 < 0xF0, index + 2 < utf8.count {
                    return ((b0 & 0x0F) << 12 | UInt32(utf8[index + 1] & 0x3F) << 6 | UInt32(utf8[index + 2] & 0x3F), 3)
                }
                if index + 3 < utf8.count {
                    return ((b0 & 0x07) << 18 | UInt32(utf8[index + 1] & 0x3F) << 12
                        | UInt32(utf8[index + 2] & 0x3F) << 6 | UInt32(utf8[index + 3] & 0x3F), 4)
                }
                return (0xFFFD, 1)
            }

            // Adds a thread and follows its epsilon transitions; returns true when `match` is reachable.
            func add(
                _ start: Int, into list: UnsafeMutablePointer<Int32>, _ listCount: inout Int, at position: Int,
                previous: UInt32?, current: UInt32?
            ) -> Bool {
                stack[0] = Int32(start)
                stackCount = 1
                while stackCount > 0 {
                    stackCount -= 1
                    let pc = Int(stack[stackCount])
                    if mark[pc] == generation { continue }
                    mark[pc] = generation
                    switch instructions[pc] {
                    case .character:
                        list[listCount] = Int32(pc)
                        listCount += 1
                    case .match:
                        return true
                    case .jump(let target):
                        stack[stackCount] = Int32(target)
                        stackCount += 1
                    case .split(let a, let b):
                        stack[stackCount] = Int32(b)
                        stack[stackCount + 1] = Int32(a)
                        stackCount += 2
                    case .assertion(let kind):
                        let holds: Bool
                        switch kind {
                        case .beginText: holds = position == 0
                        case .endText: holds = position == utf8.count
                        case .beginLine: holds = position == 0 || previous == 10
                        case .endLine: holds = position == utf8.count || current == 10
                        case .wordBoundary: holds = NFA.isWordCharacter(previous) != NFA.isWordCharacter(current)
                        case .notWordBoundary: holds = NFA.isWordCharacter(previous) == NFA.isWordCharacter(current)
                        }
                        if holds {
                            stack[stackCount] = Int32(pc + 1)
                            stackCount += 1
                        }
                    }
                }
                return false
            }

            while true {
                // With no live threads, skip to the next position where the pattern can start.
                if currentCount == 0, let (low, high) = firstASCII {
                    while position < utf8.count {
                        let b = utf8[position]
                        if b < 64 ? (low & (1 << UInt64(b)) != 0) : (b < 128 && high & (1 << UInt64(b - 64)) != 0) { break }
                        position += 1
                    }
                    if position >= utf8.count { return false }
                    previous = position > 0 ? UInt32(utf8[position - 1]) : nil
                    if let p = previous, p >= 0x80 { previous = 0xFFFD }
                }
                let decoded = decode(at: position)
                // Seed a thread at this position (unanchored search).
                if add(0, into: current, &currentCount, at: position, previous: previous, current: decoded?.0) { return true }
                guard let (scalar, width) = decoded else { return false }
                generation += 1
                nextCount = 0
                let nextPosition = position + width
                let following = decode(at: nextPosition)?.0
                for i in 0..<currentCount {
                    let pc = Int(current[i])
                    guard case .character(let index) = instructions[pc], classes[index].set.contains(scalar) else { continue }
                    if add(pc + 1, into: next, &nextCount, at: nextPosition, previous: scalar, current: following) {
                        return true
                    }
                }
                swap(&current, &next)
                currentCount = nextCount
                position = nextPosition
                previous = scalar
                // Threads carried into the next step keep their marks under a fresh generation, so seeding does not
                // duplicate them.
                generation += 1
                if generation > Int32.max - 8 {
                    // Subjects beyond a billion scalars: restart the generation counter instead of overflowing.
                    mark.update(repeating: 0, count: count)
                    generation = 1
                }
                for i in 0..<currentCount { mark[Int(current[i])] = generation }
            }
        }
    }
}
