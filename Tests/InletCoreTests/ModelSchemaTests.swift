import Foundation
import Testing
@testable import InletCore

@Suite struct ModelJSONSchemaTests {
    let schema = ModelDeclaration.pullRequest.jsonSchema.document

    func strings(_ value: OrderedJSON?) -> [String] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap { if case .string(let text) = $0 { text } else { nil } }
    }

    @Test func declaresDraft2020AndTheModelAsTitle() {
        #expect(schema["$schema"] == .string("https://json-schema.org/draft/2020-12/schema"))
        #expect(schema["title"] == .string("PullRequest"))
        #expect(schema["type"] == .string("object"))
        #expect(schema["additionalProperties"] == .bool(false))
    }

    @Test func everyFieldIsAPropertyInDeclarationOrderPlusTheDeletionMark() {
        guard case .object(let properties)? = schema["properties"] else {
            Issue.record("properties is not an object")
            return
        }
        #expect(properties.map(\.key) == ModelDeclaration.pullRequest.fields.map(\.name) + ["_deleted"])
    }

    @Test func keyAndVersionAreAlwaysRequiredOtherRequiredFieldsUnlessDeleted() {
        #expect(strings(schema["required"]) == ["integration_id", "id", "updated_at"])
        #expect(schema["if"]?["properties"]?["_deleted"]?["const"] == .bool(true))
        #expect(strings(schema["else"]?["required"]) == ["definition", "number", "repository", "title", "state", "created_at"])
        // In the base schema a required non-key field may be null (a deletion lacks it); `else` forbids null.
        #expect(schema["properties"]?["title"]?["type"] == .strings(["string", "null"]))
        #expect(schema["else"]?["properties"]?["title"]?["type"] == .string("string"))
        #expect(schema["properties"]?["id"]?["type"] == .string("string"))
    }

    @Test func fieldTypesMapToJSONSchemaTypes() {
        let properties = schema["properties"]
        #expect(properties?["number"]?["type"] == .strings(["integer", "null"]))
        #expect(properties?["number"]?["maximum"] == .int(Int64.max))
        #expect(properties?["updated_at"]?["format"] == .string("date-time"))
        #expect(properties?["labels"]?["items"]?["type"] == .string("string"))
        #expect(properties?["draft"]?["type"] == .strings(["boolean", "null"]))
        let payment = ModelDeclaration.payment.jsonSchema.document
        #expect(payment["properties"]?["extra"]?["type"] == nil, "json fields accept any value")
    }

    @Test func summariesBecomeDescriptions() {
        #expect(schema["description"] == .string(ModelDeclaration.pullRequest.summary))
        let summary = ModelDeclaration.pullRequest.field(named: "state")!.summary
        #expect(schema["properties"]?["state"]?["description"] == .string(summary))
    }

    @Test func inletAnnotationCarriesTableTopicKeysAndVersion() {
        let inlet = ModelDeclaration.message.jsonSchema.document["x-inlet"]
        #expect(inlet?["table"] == .string("message"))
        #expect(inlet?["topic"] == .string("inlet.model.message"))
        #expect(strings(inlet?["upsertKey"]) == ["integration_id", "conversation_id", "id"])
        #expect(inlet?["versionField"] == .string("updated_at"))
        #expect(strings(inlet?["lookupKeys"]) == ["thread_id", "author_id"])
    }

    @Test(arguments: ModelRegistry.builtIn.map(\.name.rawValue))
    func everySchemaIsValidJSON(name: String) throws {
        let model = try #require(try ModelRegistry()[name])
        let text = model.jsonSchema.text()
        let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        guard case .object(let members) = parsed else {
            Issue.record("\(model.name) schema is not an object")
            return
        }
        #expect(members["title"] == .string(model.name.rawValue))
        #expect(text.hasSuffix("}\n"))
    }
}

@Suite struct OrderedJSONTests {
    @Test func keepsMemberOrderAndPutsScalarArraysOnOneLine() {
        let value = OrderedJSON.object([
            ("b", .int(1)), ("a", .strings(["x", "y"])), ("c", .object([])), ("d", .array([.object([("k", .null)])])),
        ])
        #expect(value.prettyText() == """
            {
              "b": 1,
              "a": ["x", "y"],
              "c": {},
              "d": [
                {
                  "k": null
                }
              ]
            }

            """)
    }

    @Test func escapesStrings() {
        #expect(OrderedJSON.string("a\"b\n").prettyText() == "\"a\\\"b\\n\"\n")
    }
}

/// `docs/models/*.json` are generated from the declarations (`inlet models export docs/models`); like the topic
/// catalog, the committed files must match the code.
@Suite struct ModelSchemaFilesTests {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test func committedSchemasMatchTheDeclarations() throws {
        let files = ModelSchemaFiles(models: try ModelRegistry())
        let differences = files.differences(in: Self.repositoryRoot.appendingPathComponent("docs/models"))
        #expect(differences.isEmpty, "docs/models is stale: run `inlet models export docs/models` and commit it: \(differences)")
    }

    @Test func exportWritesMissingAndStaleFilesAndRemovesUnexpectedOnes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = ModelSchemaFiles(models: try ModelRegistry())
        #expect(try files.write(to: directory).count == ModelRegistry.builtIn.count)
        #expect(files.differences(in: directory).isEmpty)
        #expect(try files.write(to: directory).isEmpty, "an up-to-date directory is left alone")

        try Data("{}".utf8).write(to: directory.appendingPathComponent("Payment.json"))
        try Data("{}".utf8).write(to: directory.appendingPathComponent("Retired.json"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("Order.json"))
        #expect(files.differences(in: directory) == [
            .init(file: "Order.json", kind: .missing), .init(file: "Payment.json", kind: .stale),
            .init(file: "Retired.json", kind: .unexpected),
        ])
        #expect(try files.write(to: directory).sorted() == ["Order.json", "Payment.json", "Retired.json"])
        #expect(files.differences(in: directory).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("Retired.json").path))
    }
}

/// `docs/models.md` embeds each model's reference section, rendered from the declaration (`inlet models --markdown`).
@Suite struct ModelReferenceTests {
    @Test func articleContainsEveryModelsCurrentReference() throws {
        let article = try String(contentsOf: ModelSchemaFilesTests.repositoryRoot.appendingPathComponent("docs/models.md"),
                                 encoding: .utf8)
        for model in try ModelRegistry().sorted {
            #expect(article.contains(ModelReference(model).markdown()),
                    "docs/models.md has a stale section for \(model.name): paste `inlet models --markdown` output")
        }
    }

    @Test func sectionListsKeysAndEscapesTableCells() throws {
        let model = ModelDeclaration(
            name: try ModelName("Gadget"),
            fields: [ModelField("id", .string, required: true, summary: "a | b"),
                     ModelField("updated_at", .timestamp, required: true)],
            upsertKey: ["id"], versionField: "updated_at", summary: "Gadgets.")
        let text = ModelReference(model).markdown()
        #expect(text.hasPrefix("### Gadget\n\nGadgets.\n\ntable `gadget` · topic `inlet.model.gadget` · upsert key `integration_id`, `id` · version `updated_at` · [JSON Schema](models/Gadget.json)\n"))
        #expect(text.contains("| `id` | `string` | yes | a \\| b |\n"))
        #expect(text.contains("| `updated_at` | `timestamp` | yes |  |\n"))
    }
}
