// libFuzzer entry point for the receiver's parsers. INLET_FUZZ_TARGET names the parser family fuzzed by this process
// (one corpus per family; `Fuzz/run-receiver-fuzz.sh` runs each in turn). Every target is total on any bytes: a crash,
// trap or sanitizer report is a bug, and so is a broken invariant, reported with `FuzzInvariant.fail` (a trap that
// libFuzzer saves as a crash artifact).
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's driver (compiler-rt, linked by `-sanitize=fuzzer`); called from `main` because SwiftPM gives
/// executables a `main` of their own.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

private let selected: FuzzTarget = {
    guard let name = getenv("INLET_FUZZ_TARGET").map({ String(cString: $0) }), let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        print("set INLET_FUZZ_TARGET to one of: \(names)")
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    selected.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

_ = selected
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
