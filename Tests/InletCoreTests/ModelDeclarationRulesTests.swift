import Testing
@testable import InletCore

/// The rules every model declaration follows, and the facts mapping writers rely on for each built-in model.
@Suite struct ModelDeclarationRulesTests {
    func gadget(_ fields: [ModelField], version: String = "updated_at") throws -> ModelDeclaration {
        ModelDeclaration(name: try ModelName("Gadget"), fields: [ModelField("id", .string, required: true)] + fields,
                         upsertKey: ["id"], versionField: version)
    }

    @Test func versionFieldMustBeRequired() throws {
        let model = try gadget([ModelField("updated_at", .timestamp)])
        #expect { try model.validate() } throws: { ($0 as? InletCoreError)?.reason.contains("must be required") == true }
    }

    @Test(arguments: [ModelFieldType.string, .bool, .json, .stringList])
    func versionFieldMustBeOrdered(type: ModelFieldType) throws {
        let model = try gadget([ModelField("updated_at", type, required: true)])
        #expect { try model.validate() } throws: { ($0 as? InletCoreError)?.reason.contains("use timestamp, int or double") == true }
    }

    @Test(arguments: [ModelFieldType.int, .double, .timestamp])
    func orderedVersionTypesAreAccepted(type: ModelFieldType) throws {
        try gadget([ModelField("updated_at", type, required: true)]).validate()
    }

    @Test(arguments: ModelDeclaration.reservedNames)
    func reservedNamesAreRejected(name: String) throws {
        let model = try gadget([ModelField("updated_at", .timestamp, required: true), ModelField(name, .string)])
        #expect { try model.validate() } throws: { ($0 as? InletCoreError)?.reason.contains("reserved") == true }
    }

    @Test(arguments: ["distinct", "order", "user"])
    func sqlReservedWordsAreRejectedAsFieldNames(name: String) throws {
        let model = try gadget([ModelField("updated_at", .timestamp, required: true), ModelField(name, .string)])
        #expect { try model.validate() } throws: { ($0 as? InletCoreError)?.reason.contains("SQL reserved word") == true }
    }

    @Test func registryHoldsEightModelsWithDistinctTables() throws {
        let registry = try ModelRegistry()
        #expect(registry.sorted.map(\.name.rawValue) == [
            "CodePush", "Customer", "EmailEvent", "Message", "Order", "Payment", "PullRequest", "WorkItem",
        ])
        #expect(Set(registry.sorted.map(\.tableName)).count == 8)
    }

    @Test(arguments: ModelRegistry.builtIn.map(\.name.rawValue))
    func everyModelDocumentsItselfAndItsVersion(name: String) throws {
        let model = try #require(try ModelRegistry()[name])
        #expect(!model.summary.isEmpty, "\(model.name) needs a summary naming its providers")
        #expect(model.summary.contains("Version") || model.summary.contains("version"), "\(model.name): say how the version is chosen")
        #expect(model.field(named: model.versionField)?.summary.isEmpty == false, "\(model.name).\(model.versionField) needs a summary")
        for key in model.upsertKey.dropFirst() {
            #expect(model.field(named: key)?.summary.isEmpty == false, "\(model.name).\(key) needs a summary")
        }
    }

    @Test func keysAndVersionsAreWhatMappingsExpect() {
        let expected: [(ModelDeclaration, [String], String)] = [
            (.workItem, ["integration_id", "id"], "updated_at"),
            (.codePush, ["integration_id", "repository", "ref", "sha"], "pushed_at"),
            (.customer, ["integration_id", "id"], "updated_at"),
            (.order, ["integration_id", "id"], "updated_at"),
            (.payment, ["integration_id", "id"], "updated_at"),
            (.message, ["integration_id", "conversation_id", "id"], "updated_at"),
            (.emailEvent, ["integration_id", "id"], "occurred_at"),
        ]
        for (model, key, version) in expected {
            #expect(model.upsertKey == key, "\(model.name)")
            #expect(model.versionField == version, "\(model.name)")
        }
    }

    @Test func amountsAreIntegerMinorUnitsNextToACurrency() {
        for model in [ModelDeclaration.order, .payment, .customer] {
            let amounts = model.fields.filter { $0.name.hasSuffix("_amount") || $0.name == "amount" }
            #expect(!amounts.isEmpty)
            for amount in amounts { #expect(amount.type == .int, "\(model.name).\(amount.name)") }
            #expect(model.field(named: "currency")?.type == .string, "\(model.name)")
        }
    }
}
