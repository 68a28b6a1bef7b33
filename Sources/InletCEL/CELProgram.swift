/// A compiled CEL expression. Immutable and `Sendable`: evaluate it from any number of threads at once.
public struct CELProgram: Sendable {
    /// The expression text.
    public let source: String
    /// The type the checker deduced, when ``CELEnvironment/Options/typeCheck`` was on.
    public let deducedType: CELType?
    /// The root variable names the expression may read (including qualified candidates such as `a.b`).
    public var variableNames: [String] { slotNames }

    let root: Node
    let slotNames: [String]
    let slotIndex: [String: Int]
    let localCount: Int
    let maxIterations: Int
    let lineStarts: [Int]
    /// What the expression can observe of each variable it reads, by slot name (``UsageAnalyzer``).
    let variableUsage: [String: CELValueUsage]

    /// Which parts of variable `name`'s value evaluation can observe, or `nil` when the expression never reads it.
    /// Bind a partial value built for this usage (``CELValue/init(jsonUTF8:reading:numbers:)``) and the result, or
    /// the error, is the same as with the whole value.
    public func usage(ofVariable name: String) -> CELValueUsage? { variableUsage[name] }

    /// Evaluates with the given variable bindings. Names may be qualified (`"a.b.c"`).
    /// - Throws: the ``CELError`` the expression evaluated to, with the source position of the failing node.
    public func evaluate(_ bindings: [String: CELValue] = [:]) throws(CELError) -> CELValue {
        var slots = [CELValue?](repeating: nil, count: slotNames.count)
        if !slots.isEmpty {
            for (name, value) in bindings {
                if let index = slotIndex[name] { slots[index] = value }
            }
        }
        return try run(slots)
    }

    /// Evaluates with a single variable bound, the hot path for per-event evaluation.
    public func evaluate(binding name: String, to value: CELValue) throws(CELError) -> CELValue {
        var slots = [CELValue?](repeating: nil, count: slotNames.count)
        if let index = slotIndex[name] { slots[index] = value }
        return try run(slots)
    }

    private func run(_ slots: [CELValue?]) throws(CELError) -> CELValue {
        let frame = Frame(globals: slots, maxIterations: maxIterations)
        if localCount > 0 { frame.locals = [CELValue](repeating: .null, count: localCount) }
        do {
            return try root.evaluate(frame)
        } catch {
            throw positioned(error)
        }
    }

    /// Turns a runtime error's scalar offset into a line and column.
    func positioned(_ error: CELError) -> CELError {
        var error = error
        if error.position == nil, let offset = error.offset {
            error.position = SourceLines.position(of: Int(offset), lineStarts: lineStarts)
        }
        return error
    }
}
