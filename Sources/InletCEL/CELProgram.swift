import Synchronization

/// A compiled CEL expression. Immutable and `Sendable`: evaluate it from any number of threads at once.
///
/// A copy shares the compiled form (one reference), so passing programs around costs nothing.
public struct CELProgram: Sendable {
    /// The expression text.
    public var source: String { compiled.source }
    /// The type the checker deduced, when ``CELEnvironment/Options/typeCheck`` was on.
    public var deducedType: CELType? { compiled.deducedType }
    /// The root variable names the expression may read (including qualified candidates such as `a.b`).
    public var variableNames: [String] { compiled.slotNames }

    /// Everything the compiler produced; immutable.
    final class Compiled: Sendable {
        let source: String
        let deducedType: CELType?
        let root: Node
        let slotNames: [String]
        let slotIndex: [String: Int]
        let localCount: Int
        let maxIterations: Int
        let lineStarts: [Int]
        /// The parsed expression and its container, kept for ``variableUsage``.
        let ast: Expr
        let container: String
        /// Worked out on first use: most programs are never asked (and the analysis would double compile times).
        private let usageCache = Mutex<[String: CELValueUsage]?>(nil)

        init(source: String, deducedType: CELType?, root: Node, slotNames: [String], slotIndex: [String: Int],
             localCount: Int, maxIterations: Int, lineStarts: [Int], ast: Expr, container: String) {
            self.source = source
            self.deducedType = deducedType
            self.root = root
            self.slotNames = slotNames
            self.slotIndex = slotIndex
            self.localCount = localCount
            self.maxIterations = maxIterations
            self.lineStarts = lineStarts
            self.ast = ast
            self.container = container
        }

        /// What the expression can observe of each variable it reads, by slot name (``UsageAnalyzer``).
        var variableUsage: [String: CELValueUsage] {
            usageCache.withLock { cache in
                if let cache { return cache }
                let usage = UsageAnalyzer.analyze(ast, container: container)
                cache = usage
                return usage
            }
        }
    }

    let compiled: Compiled

    /// Which parts of variable `name`'s value evaluation can observe, or `nil` when the expression never reads it.
    /// Bind a partial value built for this usage (``CELValue/init(jsonUTF8:reading:numbers:)``) and the result, or
    /// the error, is the same as with the whole value.
    public func usage(ofVariable name: String) -> CELValueUsage? { compiled.variableUsage[name] }

    /// Evaluates with the given variable bindings. Names may be qualified (`"a.b.c"`).
    /// - Throws: the ``CELError`` the expression evaluated to, with the source position of the failing node.
    public func evaluate(_ bindings: [String: CELValue] = [:]) throws(CELError) -> CELValue {
        var slots = [CELValue?](repeating: nil, count: compiled.slotNames.count)
        if !slots.isEmpty {
            for (name, value) in bindings {
                if let index = compiled.slotIndex[name] { slots[index] = value }
            }
        }
        return try run(slots)
    }

    /// Evaluates with a single variable bound, the hot path for per-event evaluation.
    public func evaluate(binding name: String, to value: CELValue) throws(CELError) -> CELValue {
        var slots = [CELValue?](repeating: nil, count: compiled.slotNames.count)
        if let index = compiled.slotIndex[name] { slots[index] = value }
        return try run(slots)
    }

    /// Where each of `names` is bound in this program, for ``evaluate(_:in:)``: resolve once, evaluate many times
    /// without hashing names. Names may be qualified; they must be distinct.
    public func layout(binding names: [String]) -> CELBindingLayout {
        var slots: [(position: Int, slot: Int)] = []
        for (position, name) in names.enumerated() {
            if let slot = compiled.slotIndex[name] { slots.append((position, slot)) }
        }
        return CELBindingLayout(names: names, slots: slots, program: ObjectIdentifier(compiled))
    }

    /// Evaluates with `values[i]` bound to the layout's `names[i]` (`nil` leaves that name unbound): the same as
    /// ``evaluate(_:)`` with those bindings.
    /// - Precondition: `layout` was made by this program (``layout(binding:)``) and `values` has one value per name.
    public func evaluate(_ values: [CELValue?], in layout: CELBindingLayout) throws(CELError) -> CELValue {
        precondition(layout.program == ObjectIdentifier(compiled),
                     "a CELBindingLayout is only valid for the program that made it")
        precondition(values.count == layout.names.count, "\(values.count) values for \(layout.names.count) names")
        var slots = [CELValue?](repeating: nil, count: compiled.slotNames.count)
        for binding in layout.slots { slots[binding.slot] = values[binding.position] }
        return try run(slots)
    }

    private func run(_ slots: [CELValue?]) throws(CELError) -> CELValue {
        let frame = Frame(globals: slots, maxIterations: compiled.maxIterations)
        if compiled.localCount > 0 { frame.locals = [CELValue](repeating: .null, count: compiled.localCount) }
        do {
            return try compiled.root.evaluate(frame)
        } catch {
            throw positioned(error)
        }
    }

    /// Turns a runtime error's scalar offset into a line and column.
    func positioned(_ error: CELError) -> CELError {
        var error = error
        if error.position == nil, let offset = error.offset {
            error.position = SourceLines.position(of: Int(offset), lineStarts: compiled.lineStarts)
        }
        return error
    }
}

/// Variable names resolved to one program's slots (``CELProgram/layout(binding:)``), so that
/// ``CELProgram/evaluate(_:in:)`` binds values by position.
public struct CELBindingLayout: Sendable {
    /// The names, in the order values are given.
    public let names: [String]
    /// The names the program reads: their position in ``names`` and their slot.
    let slots: [(position: Int, slot: Int)]
    /// The compiled program the slots belong to.
    let program: ObjectIdentifier
}
