import Testing
@testable import InletCore

@Suite struct ModelDeclarationTests {
    @Test func everyModelStartsWithTheIntegrationContextFields() {
        let model = ModelDeclaration.pullRequest
        #expect(model.fields.prefix(2).map(\.name) == ["integration_id", "definition"])
        #expect(model.upsertKey == ["integration_id", "id"])
        #expect(model.topic.rawValue == "inlet.model.pull_request")
    }

    @Test func builtInModelsValidate() throws {
        let registry = try ModelRegistry()
        #expect(registry["PullRequest"] != nil)
    }

    @Test func keyOnAnUndeclaredFieldIsRejected() throws {
        let bad = ModelDeclaration(name: try ModelName("Thing"), fields: [ModelField("id", .string, required: true)],
                                   upsertKey: ["id"], versionField: "updated_at")
        #expect(throws: InletCoreError.self) { try bad.validate() }
    }

    @Test func optionalUpsertKeyIsRejected() throws {
        let bad = ModelDeclaration(name: try ModelName("Thing"), fields: [ModelField("id", .string)],
                                   upsertKey: ["id"], versionField: "id")
        #expect(throws: InletCoreError.self) { try bad.validate() }
    }

    @Test func fieldNamesMustBeSnakeCase() throws {
        let bad = ModelDeclaration(name: try ModelName("Thing"), fields: [ModelField("Id", .string, required: true)],
                                   upsertKey: ["Id"], versionField: "Id")
        #expect(throws: InletCoreError.self) { try bad.validate() }
    }
}

@Suite struct ModelRecordTests {
    @Test func recordRendersAsCompactJSONInFieldOrder() throws {
        let record = ModelRecord(model: try ModelName("PullRequest"), values: [
            ("integration_id", .string("acme")), ("id", .string("7")), ("number", .int(3)),
            ("title", .string("Fix \"quotes\"\n")), ("labels", .stringList(["a", "b"])), ("draft", .bool(false)),
            ("closed_at", .null), ("meta", .json("{\"x\":1}")), ("score", .double(1.5)),
        ])
        #expect(record.jsonText() == #"{"integration_id":"acme","id":"7","number":3,"title":"Fix \"quotes\"\n","labels":["a","b"],"draft":false,"closed_at":null,"meta":{"x":1},"score":1.5}"#)
        #expect(record.key(for: .pullRequest) == "acme/7")
    }

    @Test func deletedRecordsCarryTheMark() throws {
        let record = ModelRecord(model: try ModelName("PullRequest"), values: [("id", .string("1"))], deleted: true)
        #expect(record.jsonText() == #"{"id":"1","_deleted":true}"#)
    }

    @Test func controlCharactersAreEscaped() {
        #expect(JSONText.string("a\u{01}b") == #""a\u0001b""#)
    }
}

@Suite struct TopicCatalogTests {
    @Test func catalogListsEveryTopicOnceWithItsStages() throws {
        let catalog = TopicCatalog(definitions: try DefinitionRegistry(), models: try ModelRegistry())
        let names = catalog.entries.map(\.topic.rawValue)
        #expect(Set(names).count == names.count)
        #expect(names.contains("inlet.github.pull_request.received"))
        #expect(names.contains("inlet.model.pull_request"))
        #expect(names.contains("inlet.dlq.deliverer"))
        #expect(names.contains("inlet.replay.mapper"))
        #expect(!names.contains("inlet.replay.receiver"))
        let model = try #require(catalog.entries.first { $0.topic.kind == .model })
        #expect(model.consumers.contains("persister"))
    }

    @Test func yamlIsDeterministic() throws {
        let first = TopicCatalog(definitions: try DefinitionRegistry(), models: try ModelRegistry()).yaml()
        let second = TopicCatalog(definitions: try DefinitionRegistry(), models: try ModelRegistry()).yaml()
        #expect(first == second)
        #expect(first.contains("  - name: inlet.github.push.unique\n    kind: unique\n    partitions: 4\n"))
    }
}
