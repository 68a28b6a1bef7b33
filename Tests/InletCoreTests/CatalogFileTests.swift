import Foundation
import Testing
@testable import InletCore

/// `topics/catalog.yaml` is generated from the topic-naming module (`make catalog`); this is the check
/// `inlet topics check` performs, run on every `make test`.
@Suite struct CatalogFileTests {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test func committedCatalogMatchesTheCode() throws {
        let file = Self.repositoryRoot.appendingPathComponent("topics/catalog.yaml")
        let committed = try String(contentsOf: file, encoding: .utf8)
        let derived = TopicCatalog(definitions: try DefinitionRegistry(), models: try ModelRegistry()).yaml()
        #expect(committed == derived, "topics/catalog.yaml is stale: run `make catalog` and commit it")
    }
}
