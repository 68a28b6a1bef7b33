import Foundation
import InletCEL
import InletCore
import Testing
@testable import InletMapper

/// The engine builds each record's payload only as far as the file's expressions (and the integration's filter) can
/// observe it; what they observe, and so what they produce, is unchanged.
@Suite("MappingPayloadUsage")
struct MappingPayloadUsageTests {
    static let projection = """
        - model: PullRequest
          map: |
            {'id': string(payload.id), 'number': payload.number, 'repository': payload.repository, 'title': payload.title,
             'state': payload.state, 'created_at': payload.created_at, 'updated_at': payload.updated_at}
        """

    @Test("the GitHub pull_request mapping builds only the fields it reads")
    func pullRequestMapping() throws {
        let file = try #require(try MappingGoldenTests.engine.get().catalog.mapping(definition: "github", event: "pull_request"))
        let usage = file.payloadUsage
        #expect(usage.fieldNames == ["action", "number", "pull_request", "repository"], "\(usage)")
        #expect(usage.field("repository") == .fields(["full_name": .whole]))
        let pullRequest = try #require(usage.field("pull_request"))
        #expect(pullRequest.field("labels") == .elements(.fields(["name": .whole])))
        #expect(pullRequest.field("user") == .fields(["login": .whole]))
        #expect(pullRequest.field("title") == .whole)
        #expect(pullRequest.field("body") == nil)
        #expect(usage.field("sender") == nil)
    }

    @Test("an entry without a map produces the payload itself, so the whole payload is built")
    func entryWithoutMap() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n  filter: payload.title != ''\n")
        let file = try #require(engine.catalog.mapping(definition: "github", event: "pull_request"))
        #expect(file.payloadUsage == .whole)
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(MapperFixtures.pullRequestJSON().utf8))
        #expect(outputs.first?.mapped?.record["title"] == .string("Fix"), "\(outputs)")
    }

    @Test("an integration filter may read fields the mapping never reads")
    func integrationFilterReads() throws {
        let file = try MappingCatalog.parse(yaml: Self.projection, path: "github/pull_request.yaml",
                                            definitions: MapperFixtures.definitions, models: MapperFixtures.models)
        #expect(file.payloadUsage.field("sender") == nil)
        let integrations = [Integration(id: "acme", definition: try DefinitionName("github"), secrets: ["secret"],
                                        filter: "payload.sender.login == 'octocat' && size(payload.labels) == 1")]
        let engine = MappingEngine(catalog: MappingCatalog(files: [file]), integrationFilters: try IntegrationFilters(integrations: integrations))
        let octocat = MapperFixtures.pullRequestJSON(["sender": #"{"login": "octocat"}"#, "labels": #"["x"]"#])
        let other = MapperFixtures.pullRequestJSON(["sender": #"{"login": "hubot"}"#, "labels": #"["x"]"#])
        #expect(engine.map(envelope: MapperFixtures.envelope(), value: Array(octocat.utf8)).first?.mapped?.key == "acme/42")
        #expect(engine.map(envelope: MapperFixtures.envelope(), value: Array(other.utf8)).first?.skip?.reason == .integrationFilter)
    }

    @Test("a payload that is invalid JSON in a part no expression reads is still dead-lettered as invalid_payload")
    func invalidSkippedPart() throws {
        let engine = try MapperFixtures.engine(Self.projection)
        let broken = MapperFixtures.pullRequestJSON(["unread": #"{"a": [1, 2,]}"#])
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(broken.utf8))
        let failure = try #require(outputs.first?.failure, "\(outputs)")
        #expect(failure.code == .invalidPayload)
        let wholeError = try #require(Result { () throws(CELError) in try CELValue(json: broken) }.payloadUsageTestError)
        #expect(failure.message.contains(wholeError.message), "\(failure.message)")
    }

    @Test("absent and null fields and a payload that is not an object behave as before")
    func absentAndNull() throws {
        let engine = try MapperFixtures.engine(Self.projection)
        let noTitle = engine.map(envelope: MapperFixtures.envelope(), value: Array(MapperFixtures.pullRequestJSON(["title": "<absent>"]).utf8))
        #expect(noTitle.first?.failure?.code == .mapError, "\(noTitle)")
        #expect(noTitle.first?.failure?.message.contains("no such key: 'title'") == true, "\(noTitle)")
        let notAnObject = engine.map(envelope: MapperFixtures.envelope(), value: Array("[1]".utf8))
        #expect(notAnObject.first?.failure?.code == .mapError, "\(notAnObject)")
        let whole = try MapperFixtures.engine("- model: PullRequest\n  map: payload\n")
        #expect(whole.map(envelope: MapperFixtures.envelope(), value: Array(MapperFixtures.pullRequestJSON().utf8)).first?.mapped != nil)
    }
}

extension Result {
    /// The error, for tests that compare it.
    fileprivate var payloadUsageTestError: Failure? { if case .failure(let error) = self { error } else { nil } }
}
