import Foundation
import InletCEL
import InletCore
@testable import InletMapper

/// Shared fixtures of the mapper tests.
enum MapperFixtures {
    /// The repository root, found from this file with symlinks resolved (the tests also run from dev packages
    /// that link this folder), or `INLET_REPOSITORY_ROOT`.
    static let repositoryRoot: String = {
        if let root = ProcessInfo.processInfo.environment["INLET_REPOSITORY_ROOT"] { return root }
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
               FileManager.default.fileExists(atPath: url.appendingPathComponent("mappings").path) {
                return url.path
            }
        }
        return FileManager.default.currentDirectoryPath
    }()

    static var mappingsDirectory: String { repositoryRoot + "/mappings" }
    static var fixtures: String { repositoryRoot + "/Tests/Fixtures" }

    static func fixture(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: fixtures + "/" + path) else {
            throw FixtureMissing(path: path)
        }
        return Array(data)
    }

    struct FixtureMissing: Error { let path: String }

    static let definitions = try! DefinitionRegistry()
    static let models = try! ModelRegistry()

    /// An engine over one mapping file's text, as if it were `mappings/<path>`.
    static func engine(_ yaml: String, path: String = "github/pull_request.yaml") throws(MapperError) -> MappingEngine {
        let file = try MappingCatalog.parse(yaml: yaml, path: path, definitions: definitions, models: models)
        return MappingEngine(catalog: MappingCatalog(files: [file]))
    }

    static func envelope(event: String = "pull_request", variant: String? = "repository", id: String = "d-1") -> Envelope {
        Envelope.received(
            deliveryID: id, definition: try! DefinitionName("github"), event: event, integration: "acme",
            variant: variant, receivedAt: "2026-11-21T21:00:00.000Z", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    }

    /// A minimal valid PullRequest object as JSON text, with `overrides` replacing or adding top-level keys.
    static func pullRequestJSON(_ overrides: [String: String] = [:]) -> String {
        var fields: [(String, String)] = [
            ("id", "\"42\""), ("number", "7"), ("repository", "\"octo/hello\""), ("title", "\"Fix\""),
            ("state", "\"open\""), ("created_at", "\"2024-05-14T09:21:37Z\""), ("updated_at", "\"2024-05-14T09:21:38Z\""),
        ]
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            if let index = fields.firstIndex(where: { $0.0 == key }) { fields[index].1 = value } else { fields.append((key, value)) }
        }
        return "{" + fields.filter { $0.1 != "<absent>" }.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

extension MapperOutput {
    var mapped: MappedRecord? { if case .record(let record) = self { record } else { nil } }
    var skip: MappingSkip? { if case .filtered(let skip) = self { skip } else { nil } }
    var failure: MapperFailure? { if case .deadLetter(let failure) = self { failure } else { nil } }
}
