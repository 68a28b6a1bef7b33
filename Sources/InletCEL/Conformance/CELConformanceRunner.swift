#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs CEL conformance files (JSON Lines, `../shared/cel-conformance/FORMAT.md`) against this engine.
///
/// Every record is one case and every case ends up passed or failed: a record that cannot be decoded, a case that
/// needs something the engine lacks, and a case named in the skip file all count as failed, with a reason.
/// Cases are evaluated with every extension library loaded (strings, math, encoders, network, lists); nothing
/// depends on file or case names.
///
/// ```swift
/// let report = CELConformanceRunner.run(files: ["basic.jsonl"], skipFile: nil)
/// print(report.render())
/// exit(report.exitStatus)
/// ```
public enum CELConformanceRunner {
    /// The extension libraries loaded for every case.
    public static let libraries: [CELLibrary] = [.strings, .math, .encoders, .network, .lists]

    /// Runs every case of every file, in order.
    /// - Parameters:
    ///   - files: paths of `.jsonl` files.
    ///   - skipFile: optional path of a file whose lines are `<case id> <reason>` (`#` starts a comment). Listed cases
    ///     are not evaluated and count as failed with that reason.
    public static func run(files: [String], skipFile: String? = nil) -> CELConformanceReport {
        var skips: [String: String] = [:]
        var fileResults: [CELConformanceFileResult] = []
        if let skipFile {
            switch readLines(skipFile) {
            case .success(let lines):
                for line in lines {
                    let trimmed = line.drop { $0 == " " || $0 == "\t" }
                    guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
                    let parts = trimmed.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
                    skips[String(parts[0])] = parts.count > 1 ? String(parts[1]) : "listed in the skip file"
                }
            case .failure(let reason):
                var result = CELConformanceFileResult(path: skipFile)
                result.failures.append(.init(id: skipFile, reason: "cannot read skip file: \(reason.message)"))
                fileResults.append(result)
            }
        }
        for path in files {
            fileResults.append(runFile(path, skips: skips))
        }
        return CELConformanceReport(files: fileResults)
    }

    /// Runs one file's cases.
    static func runFile(_ path: String, skips: [String: String]) -> CELConformanceFileResult {
        var result = CELConformanceFileResult(path: path)
        let lines: [Substring]
        switch readLines(path) {
        case .success(let read): lines = read
        case .failure(let reason):
            result.failures.append(.init(id: path, reason: "cannot read file: \(reason.message)"))
            return result
        }
        for (number, line) in lines.enumerated() where !line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
            let testCase: CELConformanceCase
            do {
                testCase = try CELConformanceCase(jsonLine: String(line))
            } catch let unsupported as CELConformanceCase.Unsupported {
                result.failures.append(.init(id: unsupported.id ?? "\(path):\(number + 1)", reason: unsupported.reason))
                continue
            } catch {
                result.failures.append(.init(id: "\(path):\(number + 1)", reason: "cannot decode record: \(error)"))
                continue
            }
            if let reason = skips[testCase.id] {
                result.failures.append(.init(id: testCase.id, reason: "skipped: \(reason)"))
                continue
            }
            if let reason = evaluate(testCase) {
                result.failures.append(.init(id: testCase.id, reason: reason))
            } else {
                result.passed += 1
            }
        }
        return result
    }

    /// Evaluates one case; returns `nil` when it passes, else why it failed.
    public static func evaluate(_ testCase: CELConformanceCase) -> String? {
        var options = CELEnvironment.Options()
        options.container = testCase.container ?? ""
        options.typeCheck = !testCase.disableCheck
        options.macros = !testCase.disableMacros
        var environment = CELEnvironment(options: options, libraries: libraries)
        for (name, type) in testCase.variables { environment.declare(name, as: type) }
        for function in testCase.functions {
            environment.declareFunction(
                function.name, id: function.id, isMember: function.isMember, parameters: function.parameters,
                result: function.result)
        }

        let program: CELProgram
        do {
            program = try environment.compile(testCase.expression)
        } catch {
            if case .error = testCase.expectation { return nil }
            return "compile error: \(error)"
        }
        if let reason = checkDeducedType(testCase, program) { return reason }
        if testCase.checkOnly { return nil }

        switch testCase.expectation {
        case .deducedType:
            return nil
        case .error:
            do {
                let value = try program.evaluate(testCase.bindings)
                return "expected an error, got \(literal(value))"
            } catch {
                return nil
            }
        case .value(let expected, _):
            do {
                let value = try program.evaluate(testCase.bindings)
                if value.celEquals(expected, nanEqualsNaN: true), sameKinds(value, expected) { return nil }
                return "expected \(literal(expected)), got \(literal(value))"
            } catch {
                return "expected \(literal(expected)), got error: \(error)"
            }
        }
    }

    private static func checkDeducedType(_ testCase: CELConformanceCase, _ program: CELProgram) -> String? {
        let wanted: String?
        switch testCase.expectation {
        case .value(_, let deduced): wanted = deduced
        case .deducedType(let deduced): wanted = deduced
        case .error: wanted = nil
        }
        guard let wanted else { return nil }
        guard let deduced = program.deducedType else { return "the checker deduced no type (expected \(wanted))" }
        return deduced.description == wanted ? nil : "expected deduced type \(wanted), got \(deduced)"
    }

    /// CEL equality treats `1 == 1u == 1.0` as equal; an expected result must also have the expected kinds.
    static func sameKinds(_ a: CELValue, _ b: CELValue) -> Bool {
        switch (a, b) {
        case (.list(let x), .list(let y)):
            return zip(x, y).allSatisfy { sameKinds($0, $1) }
        case (.map(let x), .map(let y)):
            for (key, value) in x {
                guard let other = y[key], sameKinds(value, other) else { return false }
                guard let otherKey = y.keys.first(where: { $0.celEquals(key) }), otherKey.kind == key.kind else {
                    return false
                }
            }
            return true
        case (.optional(let x?), .optional(let y?)):
            return sameKinds(x, y)
        default:
            return a.kind == b.kind
        }
    }

    /// The value as a CEL literal, for failure reasons (`1u`, `"a"`, `b"\x00"`, `timestamp("…")`).
    static func literal(_ value: CELValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .uint(let u): return "\(u)u"
        case .double(let d): return d.isNaN ? "NaN" : d.isInfinite ? (d > 0 ? "+Inf" : "-Inf") : "\(d)"
        case .string(let s): return StringsExtension.quote(s)
        case .bytes(let b): return "b\"" + b.map { String($0 < 16 ? "\\x0" : "\\x") + String($0, radix: 16) }.joined() + "\""
        case .list(let elements): return "[" + elements.map(literal).joined(separator: ", ") + "]"
        case .map(let map): return "{" + map.map { literal($0.0) + ": " + literal($0.1) }.joined(separator: ", ") + "}"
        case .type(let t): return "type(\(t.runtimeName))"
        case .timestamp(let t): return "timestamp(\"\(t.rfc3339)\")"
        case .duration(let d): return "duration(\"\(d.protobufJSON)\")"
        case .optional(let inner): return inner.map { "optional.of(\(literal($0)))" } ?? "optional.none()"
        case .opaque(let o): return "\(o.celType.runtimeName)(\"\(o)\")"
        }
    }

    private struct ReadFailure: Error { var message: String }

    private static func readLines(_ path: String) -> Result<[Substring], ReadFailure> {
        guard let file = fopen(path, "rb") else {
            return .failure(ReadFailure(message: String(cString: strerror(errno))))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count > 0 { bytes.append(contentsOf: buffer[0..<count]) }
            if count < buffer.count { break }
        }
        if ferror(file) != 0 { return .failure(ReadFailure(message: "read error")) }
        let text = String(decoding: bytes, as: UTF8.self)
        return .success(text.split(separator: "\n", omittingEmptySubsequences: false))
    }
}

/// The outcome of one conformance file.
public struct CELConformanceFileResult: Sendable {
    /// One failed case.
    public struct Failure: Sendable {
        public var id: String
        public var reason: String
    }

    public var path: String
    public var passed = 0
    public var failures: [Failure] = []
    public var failed: Int { failures.count }

    init(path: String) { self.path = path }
}

/// The outcome of a conformance run.
public struct CELConformanceReport: Sendable {
    public var files: [CELConformanceFileResult]

    public var passed: Int { files.reduce(0) { $0 + $1.passed } }
    public var failed: Int { files.reduce(0) { $0 + $1.failed } }
    /// Passed share of all cases, 0 ... 1 (1 when there are none).
    public var passRate: Double { passed + failed == 0 ? 1 : Double(passed) / Double(passed + failed) }

    /// `0` when every case passed, `1` otherwise (including unreadable files and skipped cases).
    public var exitStatus: Int32 { failed == 0 ? 0 : 1 }

    /// One line per file (`basic.jsonl: 28/30 passed, 2 failed`), its failures indented beneath
    /// (`  FAIL <id>: <reason>`) unless `failures` is false, and a closing line exactly `N passed, N failed`;
    /// every line ends with a newline.
    public func render(failures listFailures: Bool = true) -> String {
        var lines: [String] = []
        for file in files {
            let name = file.path.split(separator: "/").last.map(String.init) ?? file.path
            lines.append("\(name): \(file.passed)/\(file.passed + file.failed) passed, \(file.failed) failed")
            if listFailures {
                for failure in file.failures { lines.append("  FAIL \(failure.id): \(failure.reason)") }
            }
        }
        lines.append("\(passed) passed, \(failed) failed")
        return lines.joined(separator: "\n") + "\n"
    }
}
