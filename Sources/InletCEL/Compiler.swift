/// Maps scalar offsets to line and column.
enum SourceLines {
    static func lineStarts(_ scalars: [Unicode.Scalar]) -> [Int] {
        var starts = [0]
        for (index, scalar) in scalars.enumerated() where scalar == "\n" { starts.append(index + 1) }
        return starts
    }

    static func position(of offset: Int, lineStarts: [Int]) -> CELSourcePosition {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return CELSourcePosition(line: low + 1, column: offset - lineStarts[low] + 1, offset: offset)
    }
}


/// Parse, check, plan.
struct Compiler {
    let environment: CELEnvironment

    func compile(_ source: String) throws(CELError) -> CELProgram {
        let options = environment.options
        let scalars = Array(source.unicodeScalars)
        guard scalars.count <= options.maxSourceLength else {
            throw CELError(.limit, "expression is \(scalars.count) characters long (limit \(options.maxSourceLength))",
                           position: CELSourcePosition(line: 1, column: 1, offset: 0))
        }
        let lineStarts = SourceLines.lineStarts(scalars)
        let tokens: [Token]
        do {
            tokens = try Lexer.tokenize(scalars)
        } catch {
            throw CELError(.parse, "Syntax error: \(error.message)",
                           position: SourceLines.position(of: error.offset, lineStarts: lineStarts))
        }
        var parser = Parser(tokens: tokens, options: options, lineStarts: lineStarts)
        let ast = try parser.parseRoot()
        var deducedType: CELType?
        if options.typeCheck {
            var checker = Checker(environment: environment, lineStarts: lineStarts)
            deducedType = try checker.check(ast)
        }
        var planner = Planner(registry: environment.registry, container: options.container, lineStarts: lineStarts)
        let root = try planner.plan(ast)
        return CELProgram(compiled: CELProgram.Compiled(
            source: source, deducedType: deducedType, root: root, slotNames: planner.slotNames,
            slotIndex: planner.slotIndex, localCount: planner.localCount, maxIterations: options.maxIterations,
            lineStarts: lineStarts, ast: ast, container: options.container))
    }
}
