import Foundation
import InletCEL
import InletCore
import Testing
@testable import InletMapper

/// One golden case: `Tests/Fixtures/<definition>/<event>/<case>.json` (the payload), its `<case>.expected.json`
/// and optional `<case>.variant` (docs/mappings.md, "Golden tests").
struct MappingGoldenCase: Sendable, CustomTestStringConvertible {
    let definition: DefinitionName
    /// The declared event the directory stands for (its raw spelling, as in the envelope).
    let event: EventName
    /// `<definition>/<directory>/<case>`, relative to Tests/Fixtures, without extension.
    let name: String
    let payloadPath: String
    let expectedPath: String
    let variant: String?

    var testDescription: String { name }

    /// Every payload under `fixtures` that sits at `<definition>/<event>/<case>.json` for a registered definition
    /// and a declared event, sorted by name. Payloads without an expected file are included (the test then fails,
    /// asking for one); so are directories naming no declared event (``invalidDirectories``).
    static func discover(fixtures: String, definitions: DefinitionRegistry) -> (cases: [MappingGoldenCase], invalidDirectories: [String]) {
        let manager = FileManager.default
        var cases: [MappingGoldenCase] = []
        var invalid: [String] = []
        for definitionName in ((try? manager.contentsOfDirectory(atPath: fixtures)) ?? []).sorted() {
            guard let definition = definitions[definitionName] else { continue }  // batches/, signatures/, …
            let definitionPath = fixtures + "/" + definitionName
            for directory in ((try? manager.contentsOfDirectory(atPath: definitionPath)) ?? []).sorted() {
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: definitionPath + "/" + directory, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
                guard let event = MappingCatalog.declaredEvent(named: directory, in: definition) else {
                    invalid.append("\(definitionName)/\(directory)")
                    continue
                }
                let eventPath = definitionPath + "/" + directory
                for file in ((try? manager.contentsOfDirectory(atPath: eventPath)) ?? []).sorted()
                where file.hasSuffix(".json") && !file.hasSuffix(".expected.json") {
                    let base = String(file.dropLast(".json".count))
                    let variantPath = eventPath + "/" + base + ".variant"
                    let variant = manager.contents(atPath: variantPath).map {
                        String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    }
                    cases.append(MappingGoldenCase(
                        definition: definition.name, event: event, name: "\(definitionName)/\(directory)/\(base)",
                        payloadPath: eventPath + "/" + file, expectedPath: eventPath + "/" + base + ".expected.json",
                        variant: variant?.isEmpty == false ? variant : nil))
                }
            }
        }
        return (cases, invalid)
    }

    static let discovered = discover(fixtures: MapperFixtures.fixtures, definitions: MapperFixtures.definitions)
    static var all: [MappingGoldenCase] { discovered.cases }

    /// The command that (re)writes this case's expected file.
    var regenerateCommand: String {
        let fixtures = "Tests/Fixtures/" + name
        return "inlet map \(definition) \(event.topicSegment) \(fixtures).json\(variant.map { " --variant \($0)" } ?? "") --golden > \(fixtures).expected.json"
    }
}

/// Maps every golden case with the repository's `mappings/` and compares the outputs with its expected file.
@Suite("MappingGolden")
struct MappingGoldenTests {
    static let engine: Result<MappingEngine, MapperError> = Result { () throws(MapperError) -> MappingEngine in
        MappingEngine(catalog: try MappingCatalog.load(
            directory: MapperFixtures.mappingsDirectory, definitions: MapperFixtures.definitions, models: MapperFixtures.models))
    }

    @Test("every golden case maps to its expected outputs", arguments: MappingGoldenCase.all)
    func golden(_ golden: MappingGoldenCase) throws {
        let engine = try Self.engine.get()
        let payload = try #require(FileManager.default.contents(atPath: golden.payloadPath), "cannot read \(golden.payloadPath)")
        let actualText = MappingPreview.renderGolden(
            engine: engine, definition: golden.definition.rawValue, event: golden.event.rawValue, payload: Array(payload),
            variant: golden.variant)
        guard let expectedData = FileManager.default.contents(atPath: golden.expectedPath) else {
            Issue.record("""
                \(golden.name).expected.json is missing; review the outputs below and write them with
                  \(golden.regenerateCommand)
                \(actualText)
                """)
            return
        }
        let expected = try JSONDecoder().decode([JSONValue].self, from: expectedData)
        let actual = try JSONDecoder().decode([JSONValue].self, from: Data(actualText.utf8))
        if actual != expected {
            Issue.record("""
                \(golden.name): the outputs differ from \(golden.name).expected.json
                \(MappingGoldenDifference.describe(expected: expected, actual: actual).map { "  - " + $0 }.joined(separator: "\n"))
                If the change is intended, regenerate the expected file and review its diff:
                  \(golden.regenerateCommand)
                Actual outputs:
                \(actualText)
                """)
        }
    }

    @Test("the golden cases are discovered, and every fixture directory names a declared event")
    func discovery() {
        #expect(MappingGoldenCase.all.contains { $0.name == "github/pull_request/opened" }, "\(MappingGoldenCase.all.map(\.name))")
        #expect(MappingGoldenCase.discovered.invalidDirectories.isEmpty,
                "fixture directories that name no declared event: \(MappingGoldenCase.discovered.invalidDirectories)")
    }

    @Test("every mapping file has at least one golden case")
    func everyMappingHasAGoldenCase() throws {
        let catalog = try Self.engine.get().catalog
        let covered = Set(MappingGoldenCase.all.map { MappingCatalog.MappingKey(definition: $0.definition.rawValue, event: $0.event.rawValue) })
        let uncovered = catalog.sorted.filter {
            !covered.contains(MappingCatalog.MappingKey(definition: $0.definition.rawValue, event: $0.event.rawValue))
        }.map(\.path)
        #expect(uncovered.isEmpty, """
            mapping files without a golden case (add Tests/Fixtures/<definition>/<event>/<case>.json and its .expected.json)
            """)
    }

    @Test("every declared event of a definition with mappings is mapped or listed in unmapped.txt")
    func everyDeclaredEventIsAccountedFor() throws {
        let catalog = try Self.engine.get().catalog
        let coverage = MappingCoverage(directory: MapperFixtures.mappingsDirectory, catalog: catalog, definitions: MapperFixtures.definitions)
        let problems = coverage.problems.map(\.description)
        #expect(problems.isEmpty, "declared events neither mapped nor listed as unmapped (docs/mappings.md, Coverage)")
        #expect(coverage.unmapped[try DefinitionName("github")] != nil, "the github mapping directory was not examined")
    }
}

/// Says, for people, where two golden output lists differ.
enum MappingGoldenDifference {
    static func describe(expected: [JSONValue], actual: [JSONValue]) -> [String] {
        var lines: [String] = []
        if expected.count != actual.count {
            lines.append("expected \(expected.count) outputs, got \(actual.count)")
        }
        for index in 0..<min(expected.count, actual.count) where expected[index] != actual[index] {
            guard case .object(let want) = expected[index], case .object(let got) = actual[index] else {
                lines.append("output \(index) differs")
                continue
            }
            for key in Set(want.keys).union(got.keys).sorted() where want[key] != got[key] {
                if key == "record", case .object(let wantRecord)? = want[key], case .object(let gotRecord)? = got[key] {
                    for field in Set(wantRecord.keys).union(gotRecord.keys).sorted() where wantRecord[field] != gotRecord[field] {
                        lines.append("output \(index) record.\(field): expected \(wantRecord[field]?.jsonText() ?? "(absent)"), got \(gotRecord[field]?.jsonText() ?? "(absent)")")
                    }
                } else {
                    lines.append("output \(index) \(key): expected \(want[key]?.jsonText() ?? "(absent)"), got \(got[key]?.jsonText() ?? "(absent)")")
                }
            }
        }
        return lines
    }
}
