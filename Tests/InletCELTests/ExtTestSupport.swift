@testable import InletCEL

/// Compiles and evaluates `source` with the given extension libraries (type checking off, like dynamic input).
func evaluateExtension(_ source: String, _ libraries: [CELLibrary], bindings: [String: CELValue] = [:]) throws -> CELValue {
    try CELEnvironment(libraries: libraries).compile(source).evaluate(bindings)
}

/// The error `source` evaluates to, or `nil` when it succeeds.
func extensionError(_ source: String, _ libraries: [CELLibrary]) -> CELError? {
    do {
        _ = try CELEnvironment(libraries: libraries).compile(source).evaluate()
        return nil
    } catch {
        return error
    }
}
