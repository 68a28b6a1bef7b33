import Foundation
import InletCore
import InletPersister
import InletPostgres
import Testing

@Suite struct ModelRecordDecoderTests {
    let decoder = ModelRecordDecoder(.pullRequest)
    let valid = #"{"integration_id":"acme","definition":"github","id":"1","number":7,"repository":"o/r","title":"T","state":"open","draft":false,"labels":["bug"],"additions":1.0,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"}"#

    @Test func decodesTypedValuesInFieldOrder() throws {
        let record = try decoder.decode(Array(valid.utf8))
        #expect(record.values.map(\.name) == ModelDeclaration.pullRequest.fields.map(\.name))
        #expect(record["number"] == .int(7))
        #expect(record["draft"] == .bool(false))
        #expect(record["labels"] == .stringList(["bug"]))
        #expect(record["merged"] == .null)
        #expect(record["additions"] == .int(1), "an integral double is accepted for int")
    }

    @Test func roundTripsWhatTheMapperWrites() throws {
        let record = try decoder.decode(Array(valid.utf8))
        #expect(try decoder.decode(Array(record.jsonText().utf8)) == record)
    }

    @Test(arguments: [
        (#"{"id":"1"}"#, "required"),
        (#"[1]"#, "not a JSON object"),
        (#"{"#, "not valid JSON"),
    ])
    func rejectsBadRecordsSayingWhy(json: String, reason: String) {
        #expect {
            try decoder.decode(Array(json.utf8))
        } throws: { error in
            (error as? InletCoreError)?.reason.contains(reason) == true
        }
    }

    @Test func rejectsWrongTypesAndUnknownFields() {
        let wrongType = valid.replacingOccurrences(of: #""draft":false"#, with: #""draft":0"#)
        #expect(throws: InletCoreError.self) { try decoder.decode(Array(wrongType.utf8)) }
        let unknown = valid.replacingOccurrences(of: #""draft":false"#, with: #""colour":"red""#)
        #expect(throws: InletCoreError.self) { try decoder.decode(Array(unknown.utf8)) }
    }

    @Test func deletedRecordsNeedOnlyKeyAndVersion() throws {
        let record = try decoder.decode(Array(#"{"integration_id":"acme","id":"1","updated_at":"2026-01-03T00:00:00Z","_deleted":true}"#.utf8))
        #expect(record.deleted)
    }
}

@Suite struct ModelTableTests {
    func record(id: String, title: String, updatedAt: String, deleted: Bool = false) throws -> ModelRecord {
        var json = #"{"integration_id":"acme","definition":"github","id":"\#(id)","number":1,"repository":"o/r","title":"\#(title)","state":"open","labels":["a","b"],"created_at":"2026-01-01T00:00:00Z","updated_at":"\#(updatedAt)""#
        if deleted { json += #","_deleted":true"# }
        return try ModelRecordDecoder(.pullRequest).decode(Array((json + "}").utf8))
    }

    /// A PullRequest table in a schema of its own, so tests never share rows; `body` gets a one-connection client
    /// whose search_path points at that schema.
    func withTable(_ body: (PostgresClient, ModelTable, String) async throws -> Void) async throws {
        let admin = TestDatabase.client()
        let schema = TestDatabase.uniqueName("persister_test")
        _ = try await admin.query("CREATE SCHEMA \(schema)")
        let client = PostgresClient(configuration: PostgresConfiguration(
            url: TestDatabase.url + "?options=-csearch_path%3D\(schema)", poolSize: 1))
        let table = try ModelTable(.pullRequest)
        var failure: (any Error)?
        do {
            for statement in try table.ddl() { _ = try await client.query(statement) }
            for statement in try table.ddl() { _ = try await client.query(statement) }  // idempotent
            try await body(client, table, schema)
        } catch {
            failure = error
        }
        await client.close()
        _ = try await admin.query("DROP SCHEMA \(schema) CASCADE")
        await admin.close()
        if let failure { throw failure }
    }

    @Test func ddlCreatesKeyAndLookupIndexes() async throws {
        try await withTable { client, table, schema in
            let indexes = try await client.query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1", [.text(schema)])
            let names = try indexes.map { try $0.string(0) ?? "" }
            #expect(names.contains("pull_request_repository_idx"))
            #expect(names.contains("pull_request_author_idx"))
            #expect(names.contains("pull_request_pkey"))
        }
    }

    @Test func newerWinsAndOlderNeverOverwrites() async throws {
        try await withTable { client, table, _ in
            let v2 = try record(id: "1", title: "second", updatedAt: "2026-01-02T00:00:00Z")
            let v1 = try record(id: "1", title: "first", updatedAt: "2026-01-01T00:00:00Z")
            _ = try await client.upsert(table.upsert, rows: [table.row(for: v2, deletedAt: "")])
            #expect(try await client.upsert(table.upsert, rows: [table.row(for: v1, deletedAt: "")]) == 0)
            let title = try await client.query("SELECT title, labels FROM pull_request WHERE id = '1'")
            #expect(try title[0].string(0) == "second")
            #expect(try title[0].string(1) == "{a,b}")
        }
    }

    @Test func identicalRecordIsNotRewritten() async throws {
        try await withTable { client, table, _ in
            let v1 = try record(id: "1", title: "same", updatedAt: "2026-01-01T00:00:00Z")
            _ = try await client.upsert(table.upsert, rows: [table.row(for: v1, deletedAt: "")])
            let before = try await client.query("SELECT xmin::text FROM pull_request")
            #expect(try await client.upsert(table.upsert, rows: [table.row(for: v1, deletedAt: "")]) == 0)
            let after = try await client.query("SELECT xmin::text FROM pull_request")
            #expect(try before[0].string(0) == after[0].string(0))
        }
    }

    @Test func softDeleteSetsDeletedAtAndKeepsFields() async throws {
        try await withTable { client, table, _ in
            let v1 = try record(id: "1", title: "kept", updatedAt: "2026-01-01T00:00:00Z")
            _ = try await client.upsert(table.upsert, rows: [table.row(for: v1, deletedAt: "")])
            let gone = try record(id: "1", title: "kept", updatedAt: "2026-01-02T00:00:00Z", deleted: true)
            #expect(try await client.upsert(table.softDelete, rows: [table.row(for: gone, deletedAt: "2026-01-02T00:00:00Z")]) == 1)
            let row = try await client.query("SELECT title, deleted_at IS NOT NULL FROM pull_request WHERE id = '1'")
            #expect(try row[0].string(0) == "kept")
            #expect(try row[0].bool(1) == true)
        }
    }
}
