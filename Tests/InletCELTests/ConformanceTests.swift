import Testing
@testable import InletCEL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the shared cel-spec conformance suite and guards the pass rate with a ratchet.
@Suite struct CELConformanceRunnerTests {
    /// The pass rate reached (1245 of 1245 on 2026-11-21); it may never fall. The goal was 0.97.
    static let ratchet = 1.0

    /// `../shared/cel-conformance` beside the repository (found from this file's real path), or
    /// `$INLET_SHARED_DIR/cel-conformance`.
    static func conformanceDirectory() -> String? {
        if let shared = getenv("INLET_SHARED_DIR") { return String(cString: shared) + "/cel-conformance" }
        var path = realPath(#filePath) ?? #filePath
        // <repo>/Tests/InletCELTests/ConformanceTests.swift → <repo>/../shared
        for _ in 0..<3 { path = parent(path) }
        let candidate = parent(path) + "/shared/cel-conformance"
        return access(candidate, F_OK) == 0 ? candidate : nil
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    static func jsonlFiles(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var files: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".jsonl") { files.append(directory + "/" + name) }
        }
        return files.sorted()
    }

    @Test func sharedSuitePassRateDoesNotFallBelowTheRatchet() throws {
        let directory = try #require(Self.conformanceDirectory(), "../shared/cel-conformance not found; set INLET_SHARED_DIR")
        let files = Self.jsonlFiles(in: directory)
        #expect(!files.isEmpty)
        let report = CELConformanceRunner.run(files: files, skipFile: nil)
        print(report.render(failures: false))
        #expect(report.passed + report.failed >= 1245)
        #expect(report.passRate >= Self.ratchet, "pass rate \(report.passRate) fell below \(Self.ratchet)")
    }

    static func temporaryFile(_ contents: String) -> String {
        var template = Array("/tmp/inlet-conformance-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        _ = contents.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
        return path
    }

    static let wrongExpectation = #"""
        {"id": "t/s/wrong", "expr": "1 + 1", "disable_check": false, "bindings": {}, "expect": {"value": {"int": "3"}}, "needs": [], "json_evaluable": true}
        """#

    @Test func wrongExpectationCountsAsFailed() {
        let path = Self.temporaryFile(Self.wrongExpectation + "\n")
        defer { unlink(path) }
        let report = CELConformanceRunner.run(files: [path], skipFile: nil)
        #expect(report.passed == 0)
        #expect(report.failed == 1)
        #expect(report.files.first?.failures.first?.id == "t/s/wrong")
        #expect(report.exitStatus == 1)
        #expect(report.render().split(separator: "\n").last == "0 passed, 1 failed")
    }

    @Test func undecodableAndUnsupportedRecordsCountAsFailed() {
        let message = #"{"id": "t/s/proto", "expr": "x", "disable_check": true, "bindings": {"x": {"message": {"type": "T", "json": {}}}}, "expect": {"value": {"bool": true}}}"#
        let path = Self.temporaryFile("not json\n" + message + "\n")
        defer { unlink(path) }
        let report = CELConformanceRunner.run(files: [path], skipFile: nil)
        #expect(report.failed == 2)
        #expect(report.files[0].failures.map(\.id).contains("t/s/proto"))
    }

    @Test func skippedCaseCountsAsFailedWithTheSkipReason() {
        let passing = #"{"id": "t/s/err", "expr": "1 / 0", "disable_check": true, "bindings": {}, "expect": {"error": true}}"#
        let path = Self.temporaryFile(passing + "\n")
        let skip = Self.temporaryFile("# comment\nt/s/err division is not ready\n")
        defer { unlink(path); unlink(skip) }
        let report = CELConformanceRunner.run(files: [path], skipFile: skip)
        #expect(report.failed == 1)
        #expect(report.files[0].failures.first?.reason == "skipped: division is not ready")
    }

    @Test func unreadableFileIsReportedAsFailed() {
        let report = CELConformanceRunner.run(files: ["/nonexistent/cases.jsonl"], skipFile: nil)
        #expect(report.failed == 1)
        #expect(report.exitStatus == 1)
    }

    @Test func taggedValuesDecodeToCELValues() throws {
        let node = try JSONNode.parse(#"{"map": [[{"string": "a"}, {"list": [{"uint": "18446744073709551615"}, {"double": "NaN"}, {"bytes_b64": "aGk="}]}]]}"#)
        let value = try CELConformanceCase.decodeValue(node)
        let expected = CELValue.map(try CELMap([(.string("a"), .list([.uint(.max), .double(.nan), .bytes([104, 105])]))]))
        #expect(value.celEquals(expected, nanEqualsNaN: true))
        #expect(!value.celEquals(expected))
    }

    @Test func resultsMustHaveTheExpectedKinds() {
        #expect(CELConformanceRunner.sameKinds(.int(1), .int(1)))
        #expect(!CELConformanceRunner.sameKinds(.int(1), .uint(1)))
        #expect(!CELConformanceRunner.sameKinds(.list([.double(1)]), .list([.int(1)])))
    }
}
