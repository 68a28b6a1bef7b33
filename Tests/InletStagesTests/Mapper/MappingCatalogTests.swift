import Foundation
import InletCore
import Testing
@testable import InletMapper

@Suite("MappingCatalog")
struct MappingCatalogTests {
    func parse(_ yaml: String, path: String = "github/pull_request.yaml") -> MapperError? {
        do {
            _ = try MappingCatalog.parse(yaml: yaml, path: path, definitions: MapperFixtures.definitions, models: MapperFixtures.models)
            return nil
        } catch {
            return error
        }
    }

    @Test("loads the repository's mappings directory")
    func loadsRepositoryMappings() throws {
        let catalog = try MappingCatalog.load(
            directory: MapperFixtures.mappingsDirectory, definitions: MapperFixtures.definitions, models: MapperFixtures.models)
        let file = try #require(catalog.mapping(definition: "github", event: "pull_request"))
        #expect(file.path == "github/pull_request.yaml")
        #expect(file.entries.first?.model.name.rawValue == "PullRequest")
        #expect(file.entries.first?.filter != nil)
        #expect(file.entries.first?.map != nil)
    }

    @Test("an expression that does not compile names file, entry, key and YAML line and column")
    func brokenExpression() throws {
        let yaml = """
            - model: PullRequest
              map: |
                {
                  'id': payload.id +
                }
            """
        let error = try #require(parse(yaml))
        #expect(error.code == .invalidExpression)
        #expect(error.location?.file == "github/pull_request.yaml")
        #expect(error.location?.entry == 0)
        #expect(error.location?.key == "map")
        #expect(error.celCode != nil)
        // The parser stops at the closing brace, on line 5 of the file (expression line 3), column 5.
        #expect(error.location?.line == 5, "\(error)")
        #expect(error.location?.column == 5, "\(error)")
        #expect("\(error)".contains("github/pull_request.yaml:5:5 (entry 0, map)"), "\(error)")
    }

    @Test("an inline filter's error column counts from the start of the YAML line")
    func inlineExpressionPosition() throws {
        let error = try #require(parse("- model: PullRequest\n  filter: payload.a &&\n"))
        #expect(error.code == .invalidExpression)
        #expect(error.location?.line == 2)
        #expect((error.location?.column ?? 0) >= 11, "\(error)")
    }

    @Test("an unknown model is refused with the known ones listed")
    func unknownModel() throws {
        let error = try #require(parse("- model: Invoice\n"))
        #expect(error.code == .unknownModel)
        #expect(error.reason.contains("PullRequest"))
        #expect(error.location?.line == 1)
        #expect(error.location?.column == 10)
    }

    @Test("a directory that is no registered definition is refused")
    func unknownDefinition() throws {
        let error = try #require(parse("- model: PullRequest\n", path: "no-such-provider/merge_request.yaml"))
        #expect(error.code == .unknownDefinition)
        #expect(error.location?.file == "no-such-provider/merge_request.yaml")
    }

    @Test("a file for an event the definition does not declare is refused")
    func undeclaredEvent() throws {
        let error = try #require(parse("- model: PullRequest\n", path: "github/star.yaml"))
        #expect(error.code == .undeclaredEvent)
        #expect(error.reason.contains("pull_request"))
    }

    @Test("unknown keys, non-list files, empty files and bad variants are refused")
    func shapeErrors() throws {
        #expect(parse("- model: PullRequest\n  fitler: 'true'\n")?.reason.contains("fitler") == true)
        #expect(parse("model: PullRequest\n")?.code == .invalidMappingFile)
        #expect(parse("[]\n")?.code == .invalidMappingFile)
        #expect(parse("- model: PullRequest\n  variants: repository\n")?.location?.key == "variants")
        #expect(parse("- filter: 'true'\n")?.reason.contains("no 'model'") == true)
        #expect(parse("- model: PullRequest\n  map: [1]\n")?.location?.key == "map")
        #expect(parse("- model: [\n")?.code == .invalidMappingFile)
    }

    @Test("loading a directory reports the broken file among good ones, and misplaced YAML files")
    func loadDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-mapper-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("github"), withIntermediateDirectories: true)
        try "- model: PullRequest\n".write(to: directory.appendingPathComponent("github/pull_request.yaml"), atomically: true, encoding: .utf8)
        try "notes".write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let catalog = try MappingCatalog.load(directory: directory.path, definitions: MapperFixtures.definitions, models: MapperFixtures.models)
        #expect(catalog.files.count == 1)

        try "- model: Nope\n".write(to: directory.appendingPathComponent("github/issues.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: MapperError.self) {
            try MappingCatalog.load(directory: directory.path, definitions: MapperFixtures.definitions, models: MapperFixtures.models)
        }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("github/issues.yaml"))

        try "- model: PullRequest\n".write(to: directory.appendingPathComponent("stray.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try MappingCatalog.load(directory: directory.path, definitions: MapperFixtures.definitions, models: MapperFixtures.models)
            Issue.record("a misplaced mapping file was accepted")
        } catch {
            #expect(error.location?.file == "stray.yaml")
        }
    }

    @Test("a missing mappings directory says which variable sets it")
    func missingDirectory() {
        do {
            _ = try MappingCatalog.load(directory: "/nonexistent/mappings", definitions: MapperFixtures.definitions, models: MapperFixtures.models)
            Issue.record("loaded a missing directory")
        } catch {
            #expect(error.reason.contains("INLET_MAPPINGS_DIR"))
        }
    }
}
