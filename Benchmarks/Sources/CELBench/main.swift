// CELBench: times InletCEL on the shared webhook workload (../shared/bench/cel).
//
// For every `<name>.cel` in the workload directory: compile time, then evaluations per second and allocations per
// evaluation in two modes:
//   bound - the payload parsed into a CELValue once and bound on every evaluation;
//   json  - the payload parsed from its raw JSON bytes on every evaluation (what the mapper does per event).
// Every result is checked against `expected_<name>.json`; a mismatch exits with status 1.
// Output: one JSON object per line (the format Benchmarks/reference/cel_cpp_reference.py prints too).
//
// Usage: CELBench WORKLOAD_DIR [--runs N] [--seconds S] [--expr NAME] [--mode bound|json]
import CMallocCounter
import InletCEL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Options {
    var workload = ""
    var runs = 5
    var seconds = 1.0
    /// Only this expression (for profiling), or all.
    var onlyExpression: String?
    /// Only this mode (`bound` or `json`), or both.
    var onlyMode: String?
}

func parseOptions() -> Options {
    var options = Options()
    var args = CommandLine.arguments.dropFirst()
    while let arg = args.popFirst() {
        switch arg {
        case "--runs": options.runs = Int(args.popFirst() ?? "") ?? options.runs
        case "--seconds": options.seconds = Double(args.popFirst() ?? "") ?? options.seconds
        case "--expr": options.onlyExpression = args.popFirst()
        case "--mode": options.onlyMode = args.popFirst()
        default: options.workload = arg
        }
    }
    if options.workload.isEmpty {
        writeLine("usage: CELBench WORKLOAD_DIR [--runs N] [--seconds S] [--expr NAME] [--mode bound|json]", to: 2)
        exit(2)
    }
    return options
}

/// Writes a line straight to a file descriptor (stdout 1, stderr 2), unbuffered.
func writeLine(_ text: String, to fd: Int32 = 1) {
    let line = text + "\n"
    _ = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
}

func fail(_ message: String) -> Never {
    writeLine("CELBench: \(message)", to: 2)
    exit(1)
}

func readFile(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else { fail("cannot open \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        bytes.append(contentsOf: buffer[0..<count])
        if count < buffer.count { break }
    }
    return bytes
}

func listCELFiles(_ directory: String) -> [String] {
    guard let dir = opendir(directory) else { fail("cannot open \(directory)") }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name.hasSuffix(".cel") { names.append(String(name.dropLast(4))) }
    }
    return names.sorted()
}

/// CPU time of this thread: on a shared, busy machine it measures the work, not the wait for a core.
@inline(__always)
func nowNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Calls `body` in growing batches until `seconds` of CPU time have passed; returns CPU nanoseconds per call.
func timeLoop(seconds: Double, _ body: () -> Void) -> Double {
    var batch = 64
    var calls = 0
    let start = nowNanoseconds()
    let deadline = start + UInt64(seconds * 1e9)
    while true {
        for _ in 0..<batch { body() }
        calls += batch
        let now = nowNanoseconds()
        if now >= deadline { return Double(now - start) / Double(calls) }
        batch = min(batch * 2, 1 << 16)
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

func formatted(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return digits == 0 ? String(Int64(rounded)) : String(rounded)
}

/// Results must not be optimised away.
nonisolated(unsafe) var sink = 0

let options = parseOptions()
let payloadBytes = readFile(options.workload + "/payload.json")
let payload: CELValue
do {
    payload = try CELValue(jsonUTF8: payloadBytes)
} catch {
    fail("payload.json: \(error)")
}

var environment = CELEnvironment(libraries: [.strings])
environment.declare("payload", as: .map(.string, .dyn))

var mismatches = 0
for name in listCELFiles(options.workload) where options.onlyExpression.map({ $0 == name }) ?? true {
    let source = String(decoding: readFile(options.workload + "/\(name).cel"), as: UTF8.self)
    let expected: CELValue
    do {
        expected = try CELValue(jsonUTF8: readFile(options.workload + "/expected_\(name).json"))
    } catch {
        fail("expected_\(name).json: \(error)")
    }

    // Compile time: median of many compilations.
    var program: CELProgram?
    var compileTimes: [Double] = []
    for _ in 0..<max(options.runs, 1) {
        let ns = timeLoop(seconds: min(options.seconds, 0.2)) {
            do {
                program = try environment.compile(source)
            } catch {
                fail("\(name).cel does not compile: \(error)")
            }
        }
        compileTimes.append(ns)
    }
    let compiled = program!

    let evaluateBound: () -> Void = {
        do {
            let result = try compiled.evaluate(binding: "payload", to: payload)
            sink &+= result.kind == .null ? 0 : 1
        } catch {
            fail("\(name): \(error)")
        }
    }
    let evaluateJSON: () -> Void = {
        do {
            let value = try payloadBytes.withUnsafeBytes { raw throws(CELError) in try CELValue(jsonUTF8: raw) }
            let result = try compiled.evaluate(binding: "payload", to: value)
            sink &+= result.kind == .null ? 0 : 1
        } catch {
            fail("\(name): \(error)")
        }
    }

    // Correctness, in both modes.
    do {
        let bound = try compiled.evaluate(binding: "payload", to: payload)
        let fromJSON = try compiled.evaluate(binding: "payload", to: try CELValue(jsonUTF8: payloadBytes))
        for (mode, result) in [("bound", bound), ("json", fromJSON)] where !result.celEquals(expected) {
            writeLine("MISMATCH \(name) (\(mode)): got \(result.jsonString()), expected \(expected.jsonString())", to: 2)
            mismatches += 1
        }
    } catch {
        fail("\(name): \(error)")
    }

    for (mode, body) in [("bound", evaluateBound), ("json", evaluateJSON)] where options.onlyMode.map({ $0 == mode }) ?? true {
        _ = timeLoop(seconds: 0.2, body)  // warm-up
        var runs: [Double] = []
        for _ in 0..<max(options.runs, 1) { runs.append(timeLoop(seconds: options.seconds, body)) }
        // Allocations: a fixed number of evaluations between two reads of the counter.
        let iterations = 10_000
        let countBefore = inlet_malloc_count()
        let bytesBefore = inlet_malloc_bytes()
        for _ in 0..<iterations { body() }
        let allocations = Double(inlet_malloc_count() - countBefore) / Double(iterations)
        let bytes = Double(inlet_malloc_bytes() - bytesBefore) / Double(iterations)
        let ns = median(runs)
        writeLine("{\"expr\": \"\(name)\", \"mode\": \"\(mode)\", \"compile_us\": \(formatted(median(compileTimes) / 1000, 1)), "
            + "\"ns_per_eval\": \(formatted(ns, 1)), \"evals_per_s\": \(formatted(1e9 / ns, 0)), "
            + "\"allocs_per_eval\": \(formatted(allocations, 1)), \"bytes_per_eval\": \(formatted(bytes, 0))}")
    }
}
if sink == -1 { writeLine("") }
exit(mismatches == 0 ? 0 : 1)
