// libFuzzer entry point: every input is taken as CEL source text (invalid UTF-8 is repaired), compiled with and
// without the type checker, and, when it compiles, evaluated with a small iteration limit and a few bound variables.
// Any crash, trap (overflow, out-of-bounds) or sanitizer report is a bug; errors thrown as CELError are expected.
import InletCEL

#if canImport(Glibc)
import Glibc
#endif

private let libraries: [CELLibrary] = [.strings, .math, .encoders, .network, .lists]

private let bindings: [String: CELValue] = [
    "x": .int(7),
    "s": .string("héllo wörld"),
    "l": .list([.int(1), .uint(2), .double(3.5), .string("a")]),
    "m": .map((try? CELMap([(.string("a"), .int(1)), (.int(2), .list([]))])) ?? CELMap()),
]

private let environments: [CELEnvironment] = [false, true].map { check in
    var options = CELEnvironment.Options()
    options.typeCheck = check
    options.maxIterations = 10_000
    var environment = CELEnvironment(options: options, libraries: libraries)
    environment.declare("x", as: .int)
    environment.declare("s", as: .string)
    environment.declare("l", as: .list(.dyn))
    environment.declare("m", as: .map(.dyn, .dyn))
    return environment
}

/// libFuzzer's driver (compiler-rt, linked by `-sanitize=fuzzer`); called from `main` because SwiftPM gives
/// executables a `main` of their own.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for environment in environments {
        guard let program = try? environment.compile(source) else { continue }
        if let result = try? program.evaluate(bindings) { _ = result.jsonString() }
    }
    return 0
}

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
