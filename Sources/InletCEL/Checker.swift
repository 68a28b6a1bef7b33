/// The optional type-check pass (see ``CELEnvironment/Options/typeCheck``).
struct Checker {
    let environment: CELEnvironment
    let lineStarts: [Int]

    mutating func check(_ expr: Expr) throws(CELError) -> CELType {
        .dyn
    }
}
