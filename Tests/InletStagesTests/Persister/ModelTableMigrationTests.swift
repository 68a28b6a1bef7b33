import Foundation
import InletCore
import InletKafka
import InletPersister
import InletPostgres
import Logging
import Testing

/// Versions of one test model, `Gadget`, as a declaration evolves.
enum GadgetModel {
    static let name = try! ModelName("Gadget")
    static let base: [ModelField] = [
        ModelField("id", .string, required: true),
        ModelField("name", .string, required: true),
        ModelField("updated_at", .timestamp, required: true),
    ]

    static func declaration(_ extra: [ModelField] = [], replacing: [ModelField] = [], lookupKeys: [String] = [],
                            upsertKey: [String] = ["id"]) -> ModelDeclaration {
        let fields = base.map { field in replacing.first { $0.name == field.name } ?? field } + extra
        return ModelDeclaration(name: name, fields: fields, upsertKey: upsertKey, versionField: "updated_at",
                                lookupKeys: lookupKeys)
    }

    static func table(_ declaration: ModelDeclaration) throws -> ModelTable { try ModelTable(declaration) }
}

/// The planner alone, against catalog snapshots: no database.
@Suite struct ModelTableMigrationPlanTests {
    /// What PostgreSQL reports for a table created by `ModelTable(declaration).ddl()`.
    func stored(_ table: ModelTable) -> StoredTable {
        StoredTable(
            name: table.tableName,
            columns: table.columns.map {
                StoredTable.Column(name: $0.name, type: $0.type, notNull: $0.notNull, hasDefault: $0.defaultExpression != nil)
            },
            primaryKey: table.declaration.upsertKey,
            indexes: Set(table.declaration.lookupKeys.map(table.lookupIndexName) + ["\(table.tableName)_pkey"]),
            checkConstraints: Set(table.enforcedRequiredFields.map { table.requiredConstraintName($0.name) }))
    }

    @Test func upToDateTableNeedsNoSteps() throws {
        let table = try GadgetModel.table(GadgetModel.declaration(lookupKeys: ["name"]))
        let migration = ModelTableMigration(table: table, stored: stored(table))
        #expect(migration.fieldsToEnforce.isEmpty)
        #expect(try migration.plan(liveRowsLacking: [:]).isEmpty)
    }

    @Test func newOptionalFieldAndLookupBecomeColumnAndIndex() throws {
        let old = try GadgetModel.table(GadgetModel.declaration())
        let new = try GadgetModel.table(GadgetModel.declaration([ModelField("colour", .string)], lookupKeys: ["colour"]))
        let steps = try ModelTableMigration(table: new, stored: stored(old)).plan(liveRowsLacking: [:])
        #expect(steps.map(\.sql) == [
            #"ALTER TABLE "gadget" ADD COLUMN IF NOT EXISTS "colour" text"#,
            #"CREATE INDEX IF NOT EXISTS "gadget_colour_idx" ON "gadget" ("integration_id", "colour")"#,
        ])
    }

    @Test func typeChangeIsRefusedNamingTableColumnAndBothTypes() throws {
        let old = try GadgetModel.table(GadgetModel.declaration())
        let new = try GadgetModel.table(GadgetModel.declaration(replacing: [ModelField("name", .int, required: true)]))
        #expect {
            try ModelTableMigration(table: new, stored: stored(old)).plan(liveRowsLacking: [:])
        } throws: { error in
            guard let error = error as? PersisterError else { return false }
            return error.code == .incompatibleTable && error.table == "gadget"
                && error.reason.contains(#"column "name": stored type text, declared int (bigint)"#)
        }
    }

    @Test func newRequiredFieldIsRefusedOnlyWhenLiveRowsWouldLackIt() throws {
        let old = try GadgetModel.table(GadgetModel.declaration())
        let new = try GadgetModel.table(GadgetModel.declaration([ModelField("serial", .string, required: true)]))
        let migration = ModelTableMigration(table: new, stored: stored(old))
        #expect(migration.fieldsToEnforce.map(\.field.name) == ["serial"])
        #expect(migration.fieldsToEnforce.first?.isNewColumn == true)
        #expect {
            try migration.plan(liveRowsLacking: ["serial": 1000])
        } throws: { ($0 as? PersisterError)?.reason.contains("at least 1000 live rows that would lack it") == true }
        let steps = try migration.plan(liveRowsLacking: ["serial": 0])
        #expect(steps.map(\.sql) == [
            #"ALTER TABLE "gadget" ADD COLUMN IF NOT EXISTS "serial" text"#,
            #"ALTER TABLE "gadget" ADD CONSTRAINT "gadget_serial_required" CHECK ("deleted_at" IS NOT NULL OR "serial" IS NOT NULL)"#,
        ])
    }

    @Test func fieldMadeOptionalLosesItsConstraint() throws {
        let old = try GadgetModel.table(GadgetModel.declaration())
        let new = try GadgetModel.table(GadgetModel.declaration(replacing: [ModelField("name", .string)]))
        let steps = try ModelTableMigration(table: new, stored: stored(old)).plan(liveRowsLacking: [:])
        #expect(steps.map(\.sql) == [#"ALTER TABLE "gadget" DROP CONSTRAINT IF EXISTS "gadget_name_required""#])
    }

    @Test func removedFieldIsKeptUnlessItWouldBreakInserts() throws {
        let old = try GadgetModel.table(GadgetModel.declaration([ModelField("legacy", .string, required: true)]))
        let new = try GadgetModel.table(GadgetModel.declaration())
        // Its constraint would reject every new row (the column stays NULL), so it goes; the column and data stay.
        let steps = try ModelTableMigration(table: new, stored: stored(old)).plan(liveRowsLacking: [:])
        #expect(steps.map(\.sql) == [#"ALTER TABLE "gadget" DROP CONSTRAINT IF EXISTS "gadget_legacy_required""#])

        var notNull = stored(old)
        notNull = StoredTable(
            name: notNull.name,
            columns: notNull.columns.map { $0.name == "legacy" ? .init(name: "legacy", type: "text", notNull: true, hasDefault: false) : $0 },
            primaryKey: notNull.primaryKey, indexes: notNull.indexes, checkConstraints: notNull.checkConstraints)
        #expect {
            try ModelTableMigration(table: new, stored: notNull).plan(liveRowsLacking: [:])
        } throws: { ($0 as? PersisterError)?.reason.contains(#"column "legacy" is not declared but is NOT NULL without a default"#) == true }
    }

    @Test func changedKeyIsRefused() throws {
        let old = try GadgetModel.table(GadgetModel.declaration())
        let new = try GadgetModel.table(GadgetModel.declaration(upsertKey: ["name"]))
        #expect {
            try ModelTableMigration(table: new, stored: stored(old)).plan(liveRowsLacking: [:])
        } throws: {
            ($0 as? PersisterError)?.reason.contains("the primary key is (integration_id, id) but the upsert key is (integration_id, name)") == true
        }
    }

    @Test func everyProblemIsListedAtOnce() throws {
        let old = try GadgetModel.table(GadgetModel.declaration())
        let new = try GadgetModel.table(GadgetModel.declaration(
            [ModelField("serial", .string, required: true)], replacing: [ModelField("name", .bool, required: true)]))
        #expect {
            try ModelTableMigration(table: new, stored: stored(old)).plan(liveRowsLacking: ["serial": 3])
        } throws: { error in
            let reason = (error as? PersisterError)?.reason ?? ""
            return reason.contains(#"column "name": stored type text, declared bool (boolean)"#)
                && reason.contains("3 live rows that would lack it") && reason.contains("nothing was changed")
        }
    }
}

/// A PostgreSQL schema of a test's own, so tests never share tables.
enum PersisterTestSchema {
    /// Runs `body` with a fresh schema and a two-connection client whose search_path points at it; drops both
    /// afterwards, whether `body` threw or not.
    static func with(_ body: (PostgresClient, String) async throws -> Void) async throws {
        let admin = TestDatabase.client()
        let schema = TestDatabase.uniqueName("persister_models_test")
        _ = try await admin.query("CREATE SCHEMA \(schema)")
        let client = PostgresClient(configuration: PostgresConfiguration(
            url: TestDatabase.url + "?options=-csearch_path%3D\(schema)", poolSize: 2))
        var failure: (any Error)?
        do {
            try await body(client, schema)
        } catch {
            failure = error
        }
        await client.close()
        _ = try await admin.query("DROP SCHEMA \(schema) CASCADE")
        await admin.close()
        if let failure { throw failure }
    }
}

/// The migrator against the real PostgreSQL, each test in a schema of its own.
@Suite struct ModelTableMigratorTests {
    func withSchema(_ body: (PostgresClient, String) async throws -> Void) async throws {
        try await PersisterTestSchema.with(body)
    }

    func gadgetRow(_ table: ModelTable, id: String, name: String?, updatedAt: String) -> [PostgresValue] {
        let values: [String: PostgresValue] = ["integration_id": "acme", "definition": "test", "id": .text(id),
                                               "name": name.map { .text($0) } ?? .null, "updated_at": .text(updatedAt)]
        return table.declaration.fields.map { values[$0.name] ?? .null } + [.null]
    }

    @Test func everyBuiltInModelsTableIsCreatedAndThenLeftAlone() async throws {
        try await withSchema { client, schema in
            let migrator = ModelTableMigrator(client: client)
            for model in ModelRegistry.builtIn {
                let outcome = try await migrator.prepare(try ModelTable(model))
                #expect(outcome.created, "\(model.name)")
            }
            for model in ModelRegistry.builtIn {
                let outcome = try await migrator.prepare(try ModelTable(model))
                #expect(!outcome.created && outcome.steps.isEmpty, "\(model.name) needs no migration right after creation: \(outcome.steps)")
            }
            let tables = try await client.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1", [.text(schema)])
            #expect(try tables.map { try $0.string(0) ?? "" } == ModelRegistry.builtIn.map(\.tableName).sorted())
            let indexes = try await client.query("SELECT count(*) FROM pg_indexes WHERE schemaname = $1", [.text(schema)])
            let lookups = ModelRegistry.builtIn.map(\.lookupKeys.count).reduce(0, +)
            #expect(try indexes[0].int(0) == lookups + ModelRegistry.builtIn.count, "one index per lookup key plus each primary key")
        }
    }

    @Test func addingAnOptionalFieldAndLookupKeyMigratesAndKeepsRows() async throws {
        try await withSchema { client, schema in
            let migrator = ModelTableMigrator(client: client)
            let v1 = try GadgetModel.table(GadgetModel.declaration())
            _ = try await migrator.prepare(v1)
            _ = try await client.upsert(v1.upsert, rows: [gadgetRow(v1, id: "1", name: "first", updatedAt: "2026-01-01T00:00:00Z")])

            let v2 = try GadgetModel.table(GadgetModel.declaration([ModelField("colour", .string)], lookupKeys: ["colour"]))
            let outcome = try await migrator.prepare(v2)
            #expect(outcome.steps.map(\.summary) == ["added column colour (text)", "added lookup index gadget_colour_idx"])
            let row = try await client.query("SELECT name, colour FROM gadget WHERE id = '1'")
            #expect(try row[0].string(0) == "first")
            #expect(try row[0].isNull(1))
            let index = try await client.query(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'gadget_colour_idx'", [.text(schema)])
            #expect(try index.first?.string(0)?.contains("(integration_id, colour)") == true)
            // The new declaration's upsert writes the new column.
            var values = gadgetRow(v2, id: "1", name: "first", updatedAt: "2026-01-02T00:00:00Z")
            values[v2.declaration.fields.firstIndex { $0.name == "colour" }!] = "blue"
            #expect(try await client.upsert(v2.upsert, rows: [values]) == 1)
            #expect(try await client.query("SELECT colour FROM gadget")[0].string(0) == "blue")
            #expect(try await migrator.prepare(v2).steps.isEmpty)
        }
    }

    @Test func typeChangeIsRefusedAndChangesNothing() async throws {
        try await withSchema { client, _ in
            let migrator = ModelTableMigrator(client: client)
            _ = try await migrator.prepare(try GadgetModel.table(GadgetModel.declaration()))
            let changed = try GadgetModel.table(GadgetModel.declaration(
                [ModelField("colour", .string)], replacing: [ModelField("name", .int, required: true)]))
            await #expect {
                try await migrator.prepare(changed)
            } throws: { error in
                guard let error = error as? PersisterError else { return false }
                return error.code == .incompatibleTable && !error.isRetriable
                    && error.description.contains(#"table "gadget" does not match model Gadget"#)
                    && error.description.contains(#"column "name": stored type text, declared int (bigint)"#)
            }
            let columns = try await client.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'gadget'")
            #expect(try !columns.map { try $0.string(0) }.contains("colour"), "a refused migration adds nothing")
        }
    }

    @Test func requiredFieldIsEnforcedAndMayOnlyBeAddedWhenNoLiveRowLacksIt() async throws {
        try await withSchema { client, _ in
            let migrator = ModelTableMigrator(client: client)
            let v1 = try GadgetModel.table(GadgetModel.declaration())
            _ = try await migrator.prepare(v1)
            // The database rejects a live row without a required field, but accepts a soft-deleted one.
            await #expect(throws: PostgresError.self) {
                _ = try await client.upsert(v1.upsert, rows: [gadgetRow(v1, id: "x", name: nil, updatedAt: "2026-01-01T00:00:00Z")])
            }
            let unseenDeletion: [PostgresValue] = ["acme", "gone", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"]
            #expect(try await client.upsert(v1.softDelete, rows: [unseenDeletion]) == 1)

            let withSerial = try GadgetModel.table(GadgetModel.declaration([ModelField("serial", .string, required: true)]))
            #expect(try await migrator.prepare(withSerial).steps.count == 2, "only soft-deleted rows: nothing lacks it")
            #expect(try await migrator.prepare(v1).steps.map(\.summary) == ["field serial is no longer required (constraint gadget_serial_required dropped)"])

            _ = try await client.upsert(v1.upsert, rows: [gadgetRow(v1, id: "1", name: "live", updatedAt: "2026-01-01T00:00:00Z")])
            await #expect {
                try await migrator.prepare(withSerial)
            } throws: { ($0 as? PersisterError)?.reason.contains(#""serial" is now required, but the table has 1 live row without a value"#) == true }
        }
    }

    @Test func tableFromBeforeConstraintsGainsThem() async throws {
        try await withSchema { client, schema in
            // The DDL of earlier Inlet versions: same columns, no check constraints.
            _ = try await client.query("""
                CREATE TABLE pull_request ("integration_id" text NOT NULL, "definition" text, "id" text NOT NULL,
                  "number" bigint, "repository" text, "title" text, "state" text, "draft" boolean, "merged" boolean,
                  "author" text, "head_ref" text, "base_ref" text, "labels" text[], "url" text, "additions" bigint,
                  "deletions" bigint, "created_at" timestamptz, "updated_at" timestamptz, "closed_at" timestamptz,
                  "merged_at" timestamptz, "deleted_at" timestamptz, "inlet_written_at" timestamptz NOT NULL DEFAULT now(),
                  PRIMARY KEY ("integration_id", "id"))
                """)
            let outcome = try await ModelTableMigrator(client: client).prepare(try ModelTable(.pullRequest))
            #expect(outcome.steps.filter { $0.summary.hasPrefix("field ") }.count == 7)
            #expect(outcome.steps.filter { $0.summary.hasPrefix("added lookup index") }.count == 2)
            let constraints = try await client.query("""
                SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = $1 AND c.contype = 'c'
                """, [.text(schema)])
            #expect(try constraints[0].int(0) == 7)
        }
    }

    @Test func concurrentStartsMigrateOnce() async throws {
        try await withSchema { client, _ in
            let migrator = ModelTableMigrator(client: client)
            _ = try await migrator.prepare(try GadgetModel.table(GadgetModel.declaration()))
            let v2 = try GadgetModel.table(GadgetModel.declaration([ModelField("colour", .string)], lookupKeys: ["colour"]))
            async let first = migrator.prepare(v2)
            async let second = migrator.prepare(v2)
            let outcomes = try await [first, second]
            #expect(outcomes.map(\.steps.count).sorted() == [0, 2], "the second start sees the first one's result")
        }
    }

    @Test func lockNotGrantedInTimeFailsWithARetriableError() async throws {
        try await withSchema { client, _ in
            let table = try GadgetModel.table(GadgetModel.declaration())
            _ = try await ModelTableMigrator(client: client).prepare(table)
            let v2 = try GadgetModel.table(GadgetModel.declaration([ModelField("colour", .string)]))
            try await client.withTransaction { blocker in
                _ = try await blocker.query("LOCK TABLE gadget IN ACCESS SHARE MODE")
                await #expect {
                    try await ModelTableMigrator(client: client, lockTimeout: .milliseconds(200)).prepare(v2)
                } throws: { error in
                    guard let error = error as? PersisterError else { return false }
                    return error.code == .migrationFailed && error.isRetriable && error.reason.contains("waited longer than")
                }
            }
        }
    }
}

@Suite struct PersisterMigrationSettingsTests {
    @Test func lockTimeoutComesFromTheEnvironment() throws {
        #expect(PersisterConfiguration().migrationLockTimeout == .seconds(10))
        let configured = try PersisterConfiguration(environment: EnvironmentReader(["INLET_PERSISTER_MIGRATION_LOCK_TIMEOUT_MS": "2500"]))
        #expect(configured.migrationLockTimeout == .milliseconds(2500))
        #expect(throws: InletCoreError.self) {
            try PersisterConfiguration(environment: EnvironmentReader(["INLET_PERSISTER_MIGRATION_LOCK_TIMEOUT_MS": "0"]))
        }
    }
}

/// `PersisterService.prepareTables()`, what `run()` does before consuming: every registered model's table, and a
/// refusal that stops the start.
@Suite struct PersisterServicePrepareTablesTests {
    func service(_ client: PostgresClient, models: [ModelDeclaration]) throws -> PersisterService {
        let brokers = ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] ?? "127.0.0.1:9092"
        // Never run: the persister only needs it for dead letters, which prepareTables() does not produce.
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: brokers), logger: Logger(label: "test"))
        return try PersisterService(
            configuration: PersisterConfiguration(), consumer: KafkaConsumerConfiguration(groupID: "unused", topics: [], brokers: brokers),
            producer: producer, postgres: client, models: try ModelRegistry(models), logger: Logger(label: "test"))
    }

    @Test func createsEveryModelsTableThenRefusesAnIncompatibleDeclaration() async throws {
        try await PersisterTestSchema.with { client, schema in
            try await service(client, models: ModelRegistry.builtIn).prepareTables()
            let tables = try await client.query("SELECT count(*) FROM pg_tables WHERE schemaname = $1", [.text(schema)])
            #expect(try tables[0].int(0) == ModelRegistry.builtIn.count)

            let changedPayment = ModelDeclaration(
                name: ModelDeclaration.payment.name,
                fields: ModelDeclaration.payment.fields.dropFirst(2).map {
                    $0.name == "amount" ? ModelField("amount", .double, required: true) : $0
                },
                upsertKey: ["id"], versionField: "updated_at")
            await #expect {
                try await service(client, models: [changedPayment]).prepareTables()
            } throws: { error in
                (error as? PersisterError)?.reason.contains(#"column "amount": stored type bigint, declared double (double precision)"#) == true
            }
        }
    }
}
