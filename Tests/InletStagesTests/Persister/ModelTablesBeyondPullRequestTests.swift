import Foundation
import InletCore
import InletPersister
import InletPostgres
import Testing

/// Newer-wins, soft deletes and composite keys for models other than PullRequest, through the same path the
/// persister takes: record JSON → ``ModelRecordDecoder`` → ``ModelTable`` rows → upsert.
@Suite struct ModelTablesBeyondPullRequestTests {
    /// Creates `model`'s table in a schema of its own and runs `body`.
    func withTable(_ model: ModelDeclaration, _ body: (PostgresClient, ModelTable) async throws -> Void) async throws {
        try await PersisterTestSchema.with { client, _ in
            let table = try ModelTable(model)
            #expect(try await ModelTableMigrator(client: client).prepare(table).created)
            try await body(client, table)
        }
    }

    func row(_ table: ModelTable, _ json: String) throws -> [PostgresValue] {
        let record = try ModelRecordDecoder(table.declaration).decode(Array(json.utf8))
        return table.row(for: record, deletedAt: "2026-03-01T00:00:00Z")
    }

    func payment(status: String, amount: Int = 1999, refunded: Int = 0, updatedAt: String) -> String {
        #"{"integration_id":"acme","definition":"stripe","id":"pi_1","status":"\#(status)","amount":\#(amount),"currency":"EUR","refunded_amount":\#(refunded),"customer_id":"cus_9","created_at":"2026-02-01T10:00:00Z","updated_at":"\#(updatedAt)"}"#
    }

    @Test func paymentNewerWinsAndOlderNeverOverwrites() async throws {
        try await withTable(.payment) { client, table in
            let succeeded = try row(table, payment(status: "succeeded", updatedAt: "2026-02-01T10:00:05Z"))
            let pending = try row(table, payment(status: "pending", updatedAt: "2026-02-01T10:00:00Z"))
            #expect(try await client.upsert(table.upsert, rows: [succeeded]) == 1)
            #expect(try await client.upsert(table.upsert, rows: [pending]) == 0, "an older event arriving late changes nothing")
            #expect(try await client.upsert(table.upsert, rows: [succeeded]) == 0, "a repeat writes nothing")
            let refunded = try row(table, payment(status: "refunded", refunded: 1999, updatedAt: "2026-02-02T09:00:00Z"))
            #expect(try await client.upsert(table.upsert, rows: [refunded]) == 1)
            let stored = try await client.query("SELECT status, amount, refunded_amount, currency, customer_id FROM payment")
            #expect(stored.count == 1)
            #expect(try stored[0].string(0) == "refunded")
            #expect(try stored[0].int64(1) == 1999)
            #expect(try stored[0].int64(2) == 1999)
            #expect(try stored[0].string(3) == "EUR")
            #expect(try stored[0].string(4) == "cus_9")
        }
    }

    @Test func paymentSoftDeleteKeepsFieldsAndANewerVersionRevivesIt() async throws {
        try await withTable(.payment) { client, table in
            _ = try await client.upsert(table.upsert, rows: [try row(table, payment(status: "pending", updatedAt: "2026-02-01T10:00:00Z"))])
            let deletion = try row(table, #"{"integration_id":"acme","id":"pi_1","updated_at":"2026-02-01T11:00:00Z","_deleted":true}"#)
            let staleDeletion = try row(table, #"{"integration_id":"acme","id":"pi_1","updated_at":"2026-02-01T09:00:00Z","_deleted":true}"#)
            #expect(try await client.upsert(table.softDelete, rows: [staleDeletion]) == 0, "a deletion older than the row is ignored")
            #expect(try await client.upsert(table.softDelete, rows: [deletion]) == 1)
            var stored = try await client.query("SELECT status, amount, deleted_at IS NOT NULL FROM payment")
            #expect(try stored[0].string(0) == "pending")
            #expect(try stored[0].int64(1) == 1999)
            #expect(try stored[0].bool(2) == true)

            // A record older than the deletion leaves the row deleted; a newer one revives it.
            _ = try await client.upsert(table.upsert, rows: [try row(table, payment(status: "pending", updatedAt: "2026-02-01T10:30:00Z"))])
            stored = try await client.query("SELECT deleted_at IS NOT NULL FROM payment")
            #expect(try stored[0].bool(0) == true)
            _ = try await client.upsert(table.upsert, rows: [try row(table, payment(status: "succeeded", updatedAt: "2026-02-01T12:00:00Z"))])
            stored = try await client.query("SELECT status, deleted_at IS NULL FROM payment")
            #expect(try stored[0].string(0) == "succeeded")
            #expect(try stored[0].bool(1) == true)
        }
    }

    /// Same-version records always land, so a replay after a mapping fix rewrites rows; the price is that a record
    /// with the deletion's own version revives the row. Deletion mappings therefore use the deletion event's time
    /// when the provider sends one (docs/models.md).
    @Test func recordWithTheDeletionsVersionRevivesTheRow() async throws {
        try await withTable(.payment) { client, table in
            _ = try await client.upsert(table.upsert, rows: [try row(table, payment(status: "pending", updatedAt: "2026-02-01T10:00:00Z"))])
            _ = try await client.upsert(table.softDelete, rows: [
                try row(table, #"{"integration_id":"acme","id":"pi_1","updated_at":"2026-02-01T10:00:00Z","_deleted":true}"#),
            ])
            #expect(try await client.query("SELECT deleted_at IS NOT NULL FROM payment")[0].bool(0) == true)
            #expect(try await client.upsert(table.upsert, rows: [try row(table, payment(status: "pending", updatedAt: "2026-02-01T10:00:00Z"))]) == 1)
            #expect(try await client.query("SELECT deleted_at IS NULL FROM payment")[0].bool(0) == true)
        }
    }

    @Test func messagesAreKeyedByConversationAndID() async throws {
        try await withTable(.message) { client, table in
            func message(channel: String, text: String, updatedAt: String) throws -> [PostgresValue] {
                try row(table, #"{"integration_id":"acme","definition":"slack","conversation_id":"\#(channel)","id":"1700000000.000200","text":"\#(text)","sent_at":"2023-11-14T22:13:20Z","updated_at":"\#(updatedAt)"}"#)
            }
            _ = try await client.upsert(table.upsert, rows: [
                try message(channel: "C1", text: "hello", updatedAt: "2023-11-14T22:13:20Z"),
                try message(channel: "C2", text: "same ts, other channel", updatedAt: "2023-11-14T22:13:20Z"),
            ])
            #expect(try await client.upsert(table.upsert, rows: [try message(channel: "C1", text: "hello (edited)", updatedAt: "2023-11-14T22:20:00Z")]) == 1)
            let stored = try await client.query("SELECT conversation_id, text FROM message ORDER BY 1")
            #expect(try stored.map { try $0.string(1) ?? "" } == ["hello (edited)", "same ts, other channel"])
        }
    }

    @Test func codePushesOfOneCommitOnTwoRefsAreTwoRows() async throws {
        try await withTable(.codePush) { client, table in
            func push(ref: String) throws -> [PostgresValue] {
                try row(table, #"{"integration_id":"acme","definition":"github","repository":"o/r","ref":"\#(ref)","sha":"0123456789abcdef0123456789abcdef01234567","files_added":["a.swift"],"pushed_at":"2026-01-01T00:00:00Z"}"#)
            }
            _ = try await client.upsert(table.upsert, rows: [try push(ref: "refs/heads/main"), try push(ref: "refs/heads/feature")])
            #expect(try await client.upsert(table.upsert, rows: [try push(ref: "refs/heads/main")]) == 0)
            let stored = try await client.query("SELECT count(*), min(files_added[1]) FROM code_push")
            #expect(try stored[0].int(0) == 2)
            #expect(try stored[0].string(1) == "a.swift")
        }
    }
}
