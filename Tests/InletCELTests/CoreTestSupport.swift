@testable import InletCEL

/// Compiles and evaluates `source` with the standard library only.
func evaluate(_ source: String, _ bindings: [String: CELValue] = [:], container: String = "") throws(CELError) -> CELValue {
    var options = CELEnvironment.Options()
    options.container = container
    return try CELEnvironment(options: options).compile(source).evaluate(bindings)
}

/// The error `source` fails with (compile or evaluation), or `nil` when it succeeds.
func failure(_ source: String, _ bindings: [String: CELValue] = [:], options: CELEnvironment.Options = .init()) -> CELError? {
    do {
        _ = try CELEnvironment(options: options).compile(source).evaluate(bindings)
        return nil
    } catch {
        return error
    }
}

/// The compile-time error for `source`, or `nil` when it compiles.
func compileFailure(_ source: String, options: CELEnvironment.Options = .init()) -> CELError? {
    do {
        _ = try CELEnvironment(options: options).compile(source)
        return nil
    } catch {
        return error
    }
}
