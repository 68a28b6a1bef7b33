import Foundation
import InletCore
import Testing
@testable import InletMapper

/// `inlet check` (MappingCheck): every problem at once, with file, line and column.
@Suite("CodeMappingCheck")
struct CodeMappingCheckTests {
    /// A scratch directory with files at relative paths; removed by `cleanUp`.
    struct Scratch {
        let root: URL
        init(_ files: [String: String]) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-check-\(UUID().uuidString)")
            for (path, text) in files {
                let url = root.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
        }
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
        func cleanUp() { try? FileManager.default.removeItem(at: root) }
    }

    static let unmappedGitHub = """
        issues: later
        push: later
        issue_comment: later
        pull_request_review: later
        release: later
        """

    @Test("the repository's models, definitions and mappings have no problem")
    func repositoryIsClean() {
        let report = MappingCheck.run(mappingsDirectory: MapperFixtures.mappingsDirectory, integrationsFile: nil)
        #expect(report.problems.isEmpty, "\(report.problems.map(\.description).joined(separator: "\n"))")
        #expect(report.models == ModelRegistry.builtIn.count)
        #expect(report.definitions == WebhookDefinition.builtIn.count)
        #expect(report.mappingFiles >= 13)
        #expect(report.summary.hasPrefix("ok: "))
    }

    @Test("reports every problem of every file and entry at once, with file:line:column")
    func everyProblem() throws {
        let scratch = try Scratch([
            "m/github/pull_request.yaml": """
                - model: PullRequest
                  fitler: 'true'
                  map: |
                    {
                      'id': payload.id +
                    }
                - model: Invoice
                  filter: payload.a &&
                """,
            "m/github/issues.yaml": "- model: WorkItem\n  variants: []\n",
            "m/github/star.yaml": "- model: PullRequest\n",
            "m/github/unmapped.txt": "push: later\nissue_comment: later\npull_request_review: later\nrelease: later\n",
            "m/nope/thing.yaml": "- model: PullRequest\n",
            "m/stray.yaml": "- model: PullRequest\n",
        ])
        defer { scratch.cleanUp() }
        let directory = scratch.path("m")
        let report = MappingCheck.run(mappingsDirectory: directory, integrationsFile: nil)
        let lines = report.problems.map(\.description)
        let pr = directory + "/github/pull_request.yaml"
        #expect(lines.contains { $0.hasPrefix("\(pr):2:3: invalid_mapping_file: (entry 0, fitler) unknown key 'fitler'") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("\(pr):6:5: invalid_expression: (entry 0, map)") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("\(pr):7:10: unknown_model: (entry 1, model)") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("\(pr):8:") && $0.contains("(entry 1, filter) filter does not compile") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix(directory + "/github/issues.yaml:2:") && $0.contains("variants") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix(directory + "/github/star.yaml: undeclared_event") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix(directory + "/nope/thing.yaml: unknown_definition") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix(directory + "/stray.yaml: invalid_mapping_file") }, "\(lines)")
        // A broken file still counts as mapping its event: no coverage complaint about pull_request or issues.
        #expect(!lines.contains { $0.contains("declares 'pull_request'") || $0.contains("declares 'issues'") }, "\(lines)")
        #expect(report.problems.count == 8, "\(lines.joined(separator: "\n"))")
        #expect(report.mappingFiles == 5)
        #expect(report.summary.hasPrefix("8 problems"))
    }

    @Test("unmapped.txt: undeclared, mapped, reasonless, duplicate and malformed lines, and unaccounted events")
    func coverageProblems() throws {
        let scratch = try Scratch([
            "m/github/pull_request.yaml": "- model: PullRequest\n",
            "m/github/unmapped.txt": """
                # comment
                pull_request: listed although mapped
                star: not declared
                issues:
                push: first
                push: twice
                issue_comment without a colon
                release: the reason may contain: colons
                """,
        ])
        defer { scratch.cleanUp() }
        let directory = scratch.path("m")
        let report = MappingCheck.run(mappingsDirectory: directory, integrationsFile: nil)
        let lines = report.problems.map(\.description)
        let list = directory + "/github/unmapped.txt"
        #expect(lines.contains("\(list):2: 'pull_request' has a mapping file; remove it from unmapped.txt"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("\(list):3:1: github declares no event 'star'") }, "\(lines)")
        // `issues:` has no ": " separator once trimmed, so it is malformed rather than reasonless.
        #expect(lines.contains { $0.hasPrefix("\(list):4:1:") }, "\(lines)")
        #expect(lines.contains("\(list):6:1: 'push' is listed twice"), "\(lines)")
        #expect(lines.contains("\(list):7:1: expected '<event>: <why it is unmapped>'"), "\(lines)")
        #expect(lines.contains { $0.contains("declares 'issues' but it has neither") }, "\(lines)")
        #expect(lines.contains { $0.contains("declares 'issue_comment' but it has neither") }, "\(lines)")
        #expect(lines.contains { $0.contains("declares 'pull_request_review' but it has neither") }, "\(lines)")
        #expect(!lines.contains { $0.contains("'release'") }, "a reason with colons is accepted: \(lines)")
        #expect(report.problems.count == 8, "\(lines.joined(separator: "\n"))")
    }

    @Test("a broken model is named, and mappings that use it report an unknown model")
    func brokenModel() throws {
        let broken = ModelDeclaration(
            name: try ModelName("Ticket"), fields: [ModelField("order", .string, required: true), ModelField("updated_at", .timestamp, required: true)],
            upsertKey: ["order"], versionField: "updated_at", summary: "A model with an SQL reserved word as a field.")
        let scratch = try Scratch([
            "m/github/pull_request.yaml": "- model: Ticket\n",
            "m/github/unmapped.txt": Self.unmappedGitHub,
        ])
        defer { scratch.cleanUp() }
        let report = MappingCheck.run(mappingsDirectory: scratch.path("m"), integrationsFile: nil,
                                      models: ModelRegistry.builtIn + [broken])
        let lines = report.problems.map(\.description)
        #expect(lines.contains { $0.hasPrefix("Sources/InletCore/Models/Ticket.swift: model Ticket:") && $0.contains("order") }, "\(lines)")
        #expect(lines.contains { $0.contains("pull_request.yaml:1:10: unknown_model") }, "\(lines)")
        #expect(report.problems.count == 2, "\(lines)")
    }

    @Test("integration filters are compiled with the position of each broken one; a file the stages would refuse is reported")
    func integrationFilters() throws {
        let scratch = try Scratch([
            "m/github/pull_request.yaml": "- model: PullRequest\n",
            "m/github/unmapped.txt": "issues: later\npush: later\nissue_comment: later\npull_request_review: later\nrelease: later\n",
            "integrations.yaml": """
                integrations:
                  - id: acme-github
                    definition: github
                    secrets: ["s1"]
                    filter: "payload.repository.full_name.startsWith('acme/') &&"
                  - id: beta-github
                    definition: github
                    secrets: ["s2"]
                    filter: |
                      payload.?sender.login.orValue('') != 'dependabot[bot]'
                  - id: gamma-github
                    definition: github
                    secrets: ["s3"]
                    filter: |
                      payload.a ==
                        == 1
                """,
            "bad.yaml": "integrations:\n  - id: x\n    definition: nope\n    secrets: [\"s\"]\n",
        ])
        defer { scratch.cleanUp() }
        let file = scratch.path("integrations.yaml")
        let report = MappingCheck.run(mappingsDirectory: scratch.path("m"), integrationsFile: file)
        let lines = report.problems.map(\.description)
        #expect(report.integrationFilters == 1)
        #expect(lines.contains { $0.hasPrefix("\(file):5:") && $0.contains("invalid_integration_filter: the filter of integration 'acme-github'") }, "\(lines)")
        // The block scalar's error sits on the file line of the expression's second line.
        #expect(lines.contains { $0.hasPrefix("\(file):16:") && $0.contains("'gamma-github'") }, "\(lines)")
        #expect(report.problems.count == 2, "\(lines)")

        let bad = MappingCheck.run(mappingsDirectory: scratch.path("m"), integrationsFile: scratch.path("bad.yaml"))
        #expect(bad.problems.map(\.description).contains { $0.hasPrefix(scratch.path("bad.yaml") + ": ") && $0.contains("nope") }, "\(bad.problems)")

        let missing = MappingCheck.run(mappingsDirectory: scratch.path("m"), integrationsFile: scratch.path("absent.yaml"))
        #expect(missing.problems.map(\.description) == ["\(scratch.path("absent.yaml")): cannot read the integrations file; check INLET_INTEGRATIONS_FILE"])
    }

    @Test("a missing mappings directory is one problem that names the variable")
    func missingDirectory() {
        let report = MappingCheck.run(mappingsDirectory: "/nonexistent/inlet-mappings", integrationsFile: nil)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.message.contains("INLET_MAPPINGS_DIR") == true)
    }

    @Test("problems print as file:line:column: message, leaving out what is unknown")
    func problemFormat() {
        #expect(MappingProblem(file: "a.yaml", line: 3, column: 7, message: "m").description == "a.yaml:3:7: m")
        #expect(MappingProblem(file: "a.yaml", line: 3, message: "m").description == "a.yaml:3: m")
        #expect(MappingProblem(file: "a.yaml", message: "m").description == "a.yaml: m")
    }
}
