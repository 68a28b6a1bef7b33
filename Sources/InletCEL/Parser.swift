/// A recursive-descent parser for the CEL grammar with macro expansion.
///
/// Recursion is bounded: every nested expression counts against ``CELEnvironment/Options/maxNestingDepth`` and the
/// resulting tree's height is bounded by the same limit (`&&`/`||` chains are built balanced), so hostile input
/// yields a `.limit` error instead of exhausting the stack.
struct Parser {
    let tokens: [Token]
    var position = 0
    var depth = 0
    var nodeCount = 0
    let maxDepth: Int
    let maxNodes: Int
    let macros: Bool
    let lineStarts: [Int]

    static let reserved: Set<String> = [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "in", "let", "loop",
        "package", "namespace", "return", "var", "void", "while",
    ]

    init(tokens: [Token], options: CELEnvironment.Options, lineStarts: [Int]) {
        self.tokens = tokens
        self.maxDepth = options.maxNestingDepth
        self.maxNodes = options.maxNodeCount
        self.macros = options.macros
        self.lineStarts = lineStarts
    }

    // MARK: Helpers

    var current: Token { tokens[position] }

    func error(_ message: String, at offset: Int, code: CELError.Code = .parse) -> CELError {
        CELError(code, message, position: SourceLines.position(of: offset, lineStarts: lineStarts))
    }

    func unexpected(_ token: Token) -> CELError {
        error("Syntax error: unexpected \(token.display)", at: token.offset)
    }

    mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    mutating func accept(_ punct: String) -> Bool {
        if current.isPunct(punct) {
            position += 1
            return true
        }
        return false
    }

    mutating func expect(_ punct: String) throws(CELError) -> Token {
        guard current.isPunct(punct) else {
            throw error("Syntax error: expected '\(punct)', found \(current.display)", at: current.offset)
        }
        return advance()
    }

    func peekPunct(_ ahead: Int, _ punct: String) -> Bool {
        position + ahead < tokens.count && tokens[position + ahead].isPunct(punct)
    }

    /// Creates a node, enforcing the height and node-count limits.
    mutating func node(_ kind: ExprKind, at offset: Int, _ children: [Expr] = []) throws(CELError) -> Expr {
        var height: Int32 = 0
        for child in children where child.height > height { height = child.height }
        height += 1
        nodeCount += 1
        if Int(height) > maxDepth {
            throw error("expression nested too deeply (limit \(maxDepth))", at: offset, code: .limit)
        }
        if nodeCount > maxNodes {
            throw error("expression has too many nodes (limit \(maxNodes))", at: offset, code: .limit)
        }
        return Expr(kind, at: Int32(offset), height: height)
    }

    mutating func call(_ function: String, at offset: Int, _ args: [Expr], target: Expr? = nil) throws(CELError) -> Expr {
        try node(.call(target: target, function: function, args: args), at: offset, args + (target.map { [$0] } ?? []))
    }

    mutating func enter(at offset: Int) throws(CELError) {
        depth += 1
        if depth > maxDepth {
            throw error("expression nested too deeply (limit \(maxDepth))", at: offset, code: .limit)
        }
    }

    // MARK: Grammar

    mutating func parseRoot() throws(CELError) -> Expr {
        let expr = try parseExpr()
        guard current.isEnd else { throw unexpected(current) }
        return expr
    }

    mutating func parseExpr() throws(CELError) -> Expr {
        try enter(at: current.offset)
        defer { depth -= 1 }
        let condition = try parseLogical(or: true)
        if current.isPunct("?") {
            let questionOffset = advance().offset
            let whenTrue = try parseLogical(or: true)
            _ = try expect(":")
            let whenFalse = try parseExpr()
            return try call("_?_:_", at: questionOffset, [condition, whenTrue, whenFalse])
        }
        return condition
    }

    /// `||` over `&&` chains, built as balanced trees.
    mutating func parseLogical(or: Bool) throws(CELError) -> Expr {
        let op = or ? "||" : "&&"
        var operands = [or ? try parseLogical(or: false) : try parseRelation()]
        var offsets: [Int] = []
        while current.isPunct(op) {
            offsets.append(advance().offset)
            operands.append(or ? try parseLogical(or: false) : try parseRelation())
        }
        if operands.count == 1 { return operands[0] }
        return try balance(op == "||" ? "_||_" : "_&&_", operands[...], offsets[...])
    }

    mutating func balance(_ function: String, _ operands: ArraySlice<Expr>, _ offsets: ArraySlice<Int>) throws(CELError) -> Expr {
        if operands.count == 1 { return operands.first! }
        let mid = operands.startIndex + operands.count / 2
        let left = try balance(function, operands[operands.startIndex..<mid], offsets[offsets.startIndex..<(offsets.startIndex + operands.count / 2 - 1)])
        let right = try balance(function, operands[mid...], offsets[(offsets.startIndex + operands.count / 2)...])
        return try call(function, at: offsets[offsets.startIndex + operands.count / 2 - 1], [left, right])
    }

    mutating func parseRelation() throws(CELError) -> Expr {
        var lhs = try parseAddition()
        while true {
            let token = current
            let function: String
            switch token.kind {
            case .punct("<"): function = "_<_"
            case .punct("<="): function = "_<=_"
            case .punct(">"): function = "_>_"
            case .punct(">="): function = "_>=_"
            case .punct("=="): function = "_==_"
            case .punct("!="): function = "_!=_"
            case .ident("in"): function = "@in"
            default: return lhs
            }
            position += 1
            let rhs = try parseAddition()
            lhs = try call(function, at: token.offset, [lhs, rhs])
        }
    }

    mutating func parseAddition() throws(CELError) -> Expr {
        var lhs = try parseMultiplication()
        while true {
            let token = current
            let function: String
            switch token.kind {
            case .punct("+"): function = "_+_"
            case .punct("-"): function = "_-_"
            default: return lhs
            }
            position += 1
            let rhs = try parseMultiplication()
            lhs = try call(function, at: token.offset, [lhs, rhs])
        }
    }

    mutating func parseMultiplication() throws(CELError) -> Expr {
        var lhs = try parseUnary()
        while true {
            let token = current
            let function: String
            switch token.kind {
            case .punct("*"): function = "_*_"
            case .punct("/"): function = "_/_"
            case .punct("%"): function = "_%_"
            default: return lhs
            }
            position += 1
            let rhs = try parseUnary()
            lhs = try call(function, at: token.offset, [lhs, rhs])
        }
    }

    mutating func parseUnary() throws(CELError) -> Expr {
        var ops: [Token] = []
        while current.isPunct("!") || current.isPunct("-") {
            ops.append(advance())
            if ops.count > maxDepth {
                throw error("expression nested too deeply (limit \(maxDepth))", at: ops.last!.offset, code: .limit)
            }
        }
        var operand: Expr
        // A minus directly before a numeric literal negates the literal (so int64.min is expressible).
        if let last = ops.last, last.isPunct("-"), !peekPunct(1, "."), !peekPunct(1, "[") {
            switch current.kind {
            case .int(let v):
                operand = try node(.literal(.int(-v)), at: last.offset)
                position += 1
                ops.removeLast()
            case .intOverflow(let text):
                guard text == "9223372036854775808" || text == "0x8000000000000000" else {
                    throw error("int literal out of range", at: current.offset)
                }
                operand = try node(.literal(.int(.min)), at: last.offset)
                position += 1
                ops.removeLast()
            case .double(let v):
                operand = try node(.literal(.double(-v)), at: last.offset)
                position += 1
                ops.removeLast()
            default:
                operand = try parseMember()
            }
        } else {
            operand = try parseMember()
        }
        for op in ops.reversed() {
            operand = try call(op.isPunct("!") ? "!_" : "-_", at: op.offset, [operand])
        }
        return operand
    }

    mutating func parseMember() throws(CELError) -> Expr {
        var expr = try parsePrimary()
        while true {
            let token = current
            if token.isPunct(".") {
                position += 1
                var optional = false
                if current.isPunct("?") {
                    optional = true
                    position += 1
                }
                let nameToken = advance()
                let name: String
                switch nameToken.kind {
                case .ident(let n): name = n
                case .quotedIdent(let n): name = n
                default: throw error("Syntax error: expected a field name after '.', found \(nameToken.display)", at: nameToken.offset)
                }
                if !optional, case .ident = nameToken.kind, current.isPunct("(") {
                    let args = try parseArguments()
                    expr = try makeCall(target: expr, function: name, args: args, at: nameToken.offset)
                } else {
                    expr = try node(.select(expr, field: name, testOnly: false, optional: optional), at: token.offset, [expr])
                }
            } else if token.isPunct("[") {
                position += 1
                try enter(at: token.offset)
                let optional = accept("?")
                let index = try parseExpr()
                depth -= 1
                _ = try expect("]")
                expr = try call(optional ? "_[?_]" : "_[_]", at: token.offset, [expr, index])
            } else if token.isPunct("{"), let name = qualifiedName(expr) {
                expr = try parseMessage(name: name, at: token.offset)
            } else {
                return expr
            }
        }
    }

    /// The dotted name of an identifier/select chain, or nil.
    func qualifiedName(_ expr: Expr) -> String? {
        switch expr.kind {
        case .ident(let name): return name
        case .select(let operand, let field, false, false):
            return qualifiedName(operand).map { $0 + "." + field }
        default: return nil
        }
    }

    mutating func parseMessage(name: String, at offset: Int) throws(CELError) -> Expr {
        position += 1
        try enter(at: offset)
        defer { depth -= 1 }
        var children: [Expr] = []
        while !current.isPunct("}") {
            _ = accept("?")
            guard case .ident = advance().kind else { throw unexpected(tokens[position - 1]) }
            _ = try expect(":")
            children.append(try parseExpr())
            if !accept(",") { break }
        }
        _ = try expect("}")
        return try node(.message(name: name), at: offset, children)
    }

    mutating func parseArguments() throws(CELError) -> [Expr] {
        let open = try expect("(")
        try enter(at: open.offset)
        defer { depth -= 1 }
        var args: [Expr] = []
        if accept(")") { return args }
        while true {
            args.append(try parseExpr())
            if accept(",") { continue }
            _ = try expect(")")
            return args
        }
    }

    mutating func parsePrimary() throws(CELError) -> Expr {
        let token = advance()
        switch token.kind {
        case .int(let v): return try node(.literal(.int(v)), at: token.offset)
        case .intOverflow: throw error("int literal out of range", at: token.offset)
        case .uint(let v): return try node(.literal(.uint(v)), at: token.offset)
        case .double(let v): return try node(.literal(.double(v)), at: token.offset)
        case .string(let v): return try node(.literal(.string(v)), at: token.offset)
        case .bytes(let v): return try node(.literal(.bytes(v)), at: token.offset)
        case .ident(let name):
            switch name {
            case "true": return try node(.literal(.bool(true)), at: token.offset)
            case "false": return try node(.literal(.bool(false)), at: token.offset)
            case "null": return try node(.literal(.null), at: token.offset)
            default: break
            }
            if Parser.reserved.contains(name) {
                throw error("Syntax error: reserved identifier '\(name)'", at: token.offset)
            }
            if current.isPunct("(") {
                let args = try parseArguments()
                return try makeCall(target: nil, function: name, args: args, at: token.offset)
            }
            return try node(.ident(name), at: token.offset)
        case .punct("."):
            let nameToken = advance()
            guard case .ident(let name) = nameToken.kind, !Parser.reserved.contains(name) else {
                throw error("Syntax error: expected an identifier after '.', found \(nameToken.display)", at: nameToken.offset)
            }
            if current.isPunct("(") {
                let args = try parseArguments()
                return try makeCall(target: nil, function: "." + name, args: args, at: token.offset)
            }
            return try node(.ident("." + name), at: token.offset)
        case .punct("("):
            let expr = try parseExpr()
            _ = try expect(")")
            return expr
        case .punct("["):
            try enter(at: token.offset)
            defer { depth -= 1 }
            var elements: [Expr] = []
            var optionalIndices = Set<Int>()
            while !current.isPunct("]") {
                if accept("?") { optionalIndices.insert(elements.count) }
                elements.append(try parseExpr())
                if !accept(",") { break }
            }
            _ = try expect("]")
            return try node(.list(elements, optionalIndices: optionalIndices), at: token.offset, elements)
        case .punct("{"):
            try enter(at: token.offset)
            defer { depth -= 1 }
            var entries: [MapEntry] = []
            var children: [Expr] = []
            while !current.isPunct("}") {
                let optional = accept("?")
                let key = try parseExpr()
                _ = try expect(":")
                let value = try parseExpr()
                entries.append(MapEntry(key: key, value: value, optional: optional))
                children.append(key)
                children.append(value)
                if !accept(",") { break }
            }
            _ = try expect("}")
            return try node(.map(entries), at: token.offset, children)
        default:
            throw unexpected(token)
        }
    }

    // MARK: Macros

    mutating func makeCall(target: Expr?, function: String, args: [Expr], at offset: Int) throws(CELError) -> Expr {
        guard macros else { return try call(function, at: offset, args, target: target) }
        if let target {
            if case .ident("cel") = target.kind, let expanded = try celMacro(function, args, at: offset) {
                return expanded
            }
            if let expanded = try receiverMacro(target, function, args, at: offset) { return expanded }
        } else if function == "has", args.count == 1 {
            guard case .select(let operand, let field, false, false) = args[0].kind else {
                throw error("invalid argument to has() macro", at: Int(args[0].offset))
            }
            return try node(.select(operand, field: field, testOnly: true, optional: false), at: offset, [operand])
        }
        return try call(function, at: offset, args, target: target)
    }

    func variableName(_ expr: Expr) throws(CELError) -> String {
        guard case .ident(let name) = expr.kind, !name.hasPrefix(".") else {
            throw error("argument must be a simple name", at: Int(expr.offset))
        }
        return name
    }

    mutating func macro(_ kind: Macro.Kind, _ range: Expr, _ variables: [Expr], _ args: [Expr], at offset: Int) throws(CELError) -> Expr {
        var names: [String] = []
        for variable in variables { names.append(try variableName(variable)) }
        if names.count == 2, names[0] == names[1] {
            throw error("duplicate variable name '\(names[0])'", at: Int(variables[1].offset))
        }
        return try node(.macro(Macro(kind: kind, range: range, variables: names, args: args)), at: offset, [range] + args)
    }

    mutating func receiverMacro(_ target: Expr, _ function: String, _ args: [Expr], at offset: Int) throws(CELError) -> Expr? {
        switch (function, args.count) {
        case ("all", 2): return try macro(.all, target, [args[0]], [args[1]], at: offset)
        case ("exists", 2): return try macro(.exists, target, [args[0]], [args[1]], at: offset)
        case ("exists_one", 2), ("existsOne", 2): return try macro(.existsOne, target, [args[0]], [args[1]], at: offset)
        case ("map", 2): return try macro(.map, target, [args[0]], [args[1]], at: offset)
        case ("map", 3): return try macro(.map, target, [args[0]], [args[1], args[2]], at: offset)
        case ("filter", 2): return try macro(.filter, target, [args[0]], [args[1]], at: offset)
        case ("all", 3): return try macro(.all2, target, [args[0], args[1]], [args[2]], at: offset)
        case ("exists", 3): return try macro(.exists2, target, [args[0], args[1]], [args[2]], at: offset)
        case ("existsOne", 3), ("exists_one", 3):
            return try macro(.existsOne2, target, [args[0], args[1]], [args[2]], at: offset)
        case ("transformList", 3), ("transformList", 4):
            return try macro(.transformList, target, [args[0], args[1]], Array(args[2...]), at: offset)
        case ("transformMap", 3), ("transformMap", 4):
            return try macro(.transformMap, target, [args[0], args[1]], Array(args[2...]), at: offset)
        case ("transformMapEntry", 3), ("transformMapEntry", 4):
            return try macro(.transformMapEntry, target, [args[0], args[1]], Array(args[2...]), at: offset)
        case ("optMap", 2): return try macro(.optMap, target, [args[0]], [args[1]], at: offset)
        case ("optFlatMap", 2): return try macro(.optFlatMap, target, [args[0]], [args[1]], at: offset)
        default: return nil
        }
    }

    func intLiteral(_ expr: Expr) throws(CELError) -> Int64 {
        guard case .literal(.int(let v)) = expr.kind, v >= 0 else {
            throw error("argument must be a non-negative int literal", at: Int(expr.offset))
        }
        return v
    }

    mutating func celMacro(_ function: String, _ args: [Expr], at offset: Int) throws(CELError) -> Expr? {
        switch (function, args.count) {
        case ("bind", 3):
            return try macro(.bind, args[1], [args[0]], [args[2]], at: offset)
        case ("block", 2):
            guard case .list(let bound, let optional) = args[0].kind, optional.isEmpty else {
                throw error("cel.block requires a list literal of expressions", at: Int(args[0].offset))
            }
            return try node(.macro(Macro(kind: .block, range: args[0], variables: [], args: bound + [args[1]])),
                            at: offset, args)
        case ("index", 1):
            return try node(.ident("@index\(try intLiteral(args[0]))"), at: offset)
        case ("iterVar", 2):
            return try node(.ident("@it:\(try intLiteral(args[0])):\(try intLiteral(args[1]))"), at: offset)
        case ("accuVar", 2):
            return try node(.ident("@ac:\(try intLiteral(args[0])):\(try intLiteral(args[1]))"), at: offset)
        default: return nil
        }
    }
}
