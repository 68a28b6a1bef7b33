import Foundation

/// Per-evaluation state: bound variables and comprehension locals. One frame per ``CELProgram/evaluate(_:)`` call,
/// never shared between threads.
final class Frame {
    let globals: [CELValue?]
    var locals: [CELValue]
    var iterationsLeft: Int

    init(globals: [CELValue?], maxIterations: Int) {
        self.globals = globals
        self.locals = []
        self.iterationsLeft = maxIterations
    }
}

/// A planned expression node. Subclasses are immutable after construction.
class Node: @unchecked Sendable {
    /// Source offset (Unicode scalars) for error positions.
    let offset: Int32

    init(offset: Int32) { self.offset = offset }

    func evaluate(_ frame: Frame) throws(CELError) -> CELValue {
        throw CELError(.evaluation, "not implemented")
    }
}

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

/// The overloads of all libraries, grouped by function name.
struct FunctionRegistry: Sendable {
    let overloads: [String: [CELOverload]]

    init(libraries: [CELLibrary]) {
        var overloads: [String: [CELOverload]] = [:]
        for library in libraries {
            for overload in library.overloads { overloads[overload.function, default: []].append(overload) }
        }
        self.overloads = overloads
    }
}

enum StandardLibrary {
    static let library = CELLibrary(name: "standard", overloads: [])
}

struct Compiler {
    let environment: CELEnvironment

    func compile(_ source: String) throws(CELError) -> CELProgram {
        throw CELError(.parse, "not implemented")
    }
}
