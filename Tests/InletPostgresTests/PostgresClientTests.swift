import Foundation
import Testing

@testable import InletPostgres

/// Integration tests against the real PostgreSQL 15 of the local stack (`bash deploy/local/start.sh`).
@Suite("PostgresClient against PostgreSQL")
struct PostgresClientTests {
    @Test("reads every supported type and NULL back through typed accessors")
    func typesAndNulls() async throws {
        try await PostgresTestDatabase.withTable(
            "types",
            "id int8 PRIMARY KEY, s text, i int4, d float8, b bool, by bytea, j jsonb, ts timestamptz, n numeric"
        ) { client, table in
            let date = Date(timeIntervalSince1970: 1_700_000_000.25)
            let insert = try await client.query(
                "INSERT INTO \(table) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9), (2,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL)",
                [1, "héllo", 42, 2.5, true, .bytes([0, 1, 254, 255]), .json(#"{"a": [1, 2]}"#), .timestamp(date),
                 "12.5"])
            #expect(insert.commandTag == "INSERT 0 2")
            #expect(insert.affectedRows == 2)

            let result = try await client.query("SELECT * FROM \(table) ORDER BY id")
            #expect(result.count == 2)
            #expect(result.columns == ["id", "s", "i", "d", "b", "by", "j", "ts", "n"])
            let row = result[0]
            #expect(try row.int64("id") == 1)
            #expect(try row.string("s") == "héllo")
            #expect(try row.int("i") == 42)
            #expect(try row.double("d") == 2.5)
            #expect(try row.bool("b") == true)
            #expect(try row.bytes("by") == [0, 1, 254, 255])
            #expect(try row.decodeJSON([String: [Int]].self, "j") == ["a": [1, 2]])
            #expect(try row.date("ts") == date)
            #expect(try row.double("n") == 12.5)

            let empty = result[1]
            for column in result.columns.dropFirst() { #expect(try empty.isNull(column)) }
            #expect(try empty.string("s") == nil)
            #expect(try empty.int64("i") == nil)
            #expect(try empty.date("ts") == nil)

            #expect(throws: PostgresError.self) { try row.int64("s") }
            #expect(throws: PostgresError.self) { try row.string("missing") }
        }
    }

    @Test("round-trips quotes, backslashes, unicode and arrays as parameters, never as SQL")
    func parameterEscaping() async throws {
        let client = PostgresClient(configuration: PostgresTestDatabase.configuration(poolSize: 1))
        let hostile = ["it's", #"back\slash"#, #"\x00"#, "'; DROP TABLE users; --", "emoji 🚀 and ünïcödé", #"{"a","b"}"#]
        for text in hostile {
            let result = try await client.query("SELECT $1::text AS v, length($1::text) AS n", [.text(text)])
            #expect(try result[0].string("v") == text)
            #expect(try result[0].int("n") == text.count)
        }
        let array = try await client.query(
            "SELECT $1::text[] = ARRAY[\(hostile.indices.map { "$\($0 + 2)::text" }.joined(separator: ","))] AS same, cardinality($1::text[]) AS n",
            [.textArray(hostile)] + hostile.map { .text($0) })
        #expect(try array[0].bool("same") == true)
        #expect(try array[0].int("n") == hostile.count)
        let withNull = try await client.query("SELECT $1::text[] IS NULL, ($1::text[])[2] IS NULL", [.textArray(["a", nil])])
        #expect(try withNull[0].bool(0) == false && withNull[0].bool(1) == true)

        await #expect {
            _ = try await client.query("SELECT $1::text", [.text("nul\u{0}inside")])
        } throws: { error in
            (error as? PostgresError)?.code == .invalidParameter
        }
        await client.close()
    }

    @Test("reports server errors with SQLSTATE, withholding data-exception messages")
    func serverErrors() async throws {
        let client = PostgresClient(configuration: PostgresTestDatabase.configuration(poolSize: 1))
        await #expect {
            _ = try await client.query("SELECT $1::int", [.text("secret-value")])
        } throws: { error in
            let error = error as! PostgresError
            return error.code == .server && error.sqlState == "22P02" && !error.isRetriable
                && !error.description.contains("secret-value")
        }
        await #expect {
            _ = try await client.query("SELECT * FROM table_that_does_not_exist")
        } throws: { error in
            let error = error as! PostgresError
            return error.sqlState == "42P01" && error.description.contains("does not exist")
        }
        // The connection is still usable after errors.
        #expect(try await client.query("SELECT 1")[0].int(0) == 1)
        await client.close()
    }

    @Test("tableExists is false for a missing table, quoted or schema-qualified, and true once it is created")
    func tableExists() async throws {
        try await PostgresTestDatabase.withTable("exists", "id int PRIMARY KEY") { client, table in
            #expect(try await client.tableExists(table))
            #expect(try await client.tableExists("public.\(table)"))
            let missing = try PostgresIdentifier.quoted(PostgresTestDatabase.uniqueTableName("missing"))
            #expect(try await client.tableExists(missing) == false)
            #expect(try await client.tableExists("no_such_schema_\(UUID().uuidString.prefix(8).lowercased()).\(missing)") == false)
        }
    }

    @Test("commits a transaction on success and rolls it back on error")
    func transactions() async throws {
        try await PostgresTestDatabase.withTable("tx", "id int PRIMARY KEY") { client, table in
            let value = try await client.withTransaction { tx in
                _ = try await tx.query("INSERT INTO \(table) VALUES (1), (2)")
                let pid1 = try await tx.query("SELECT pg_backend_pid()")[0].int(0)
                let pid2 = try await tx.query("SELECT pg_backend_pid()")[0].int(0)
                #expect(pid1 == pid2)
                return "done"
            }
            #expect(value == "done")

            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await client.withTransaction { tx in
                    _ = try await tx.query("INSERT INTO \(table) VALUES (3)")
                    throw Abort()
                }
            }
            // A failed statement whose error is swallowed still makes COMMIT roll back: reported as an error.
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { tx in
                    _ = try await tx.query("INSERT INTO \(table) VALUES (4)")
                    _ = try? await tx.query("INSERT INTO \(table) VALUES (1)")
                }
            }
            let ids = try await client.query("SELECT id FROM \(table) ORDER BY id").map { try $0.int(0) }
            #expect(ids == [1, 2])

            let escaped = try await client.withTransaction { tx in tx }
            await #expect {
                _ = try await escaped.query("SELECT 1")
            } throws: { ($0 as? PostgresError)?.code == .transactionClosed }
        }
    }

    @Test("upserts a batch with in-batch duplicate keys, last version winning")
    func upsertCollapsesDuplicates() async throws {
        try await PostgresTestDatabase.withTable(
            "upsert_dup", "k text PRIMARY KEY, body text, version int8"
        ) { client, table in
            let spec = try PostgresUpsert(
                table: table, columns: ["k", "body", "version"], conflictColumns: ["k"], versionColumn: "version")
            let written = try await client.upsert(
                spec, rows: [["a", "a2", 2], ["b", "b1", 1], ["a", "a1", 1], ["a", "a3", 3], ["b", "b1bis", 1]])
            #expect(written == 2)
            let rows = try await client.query("SELECT k, body FROM \(table) ORDER BY k")
            #expect(try rows.map { try [$0.string(0), $0.string(1)] } == [["a", "a3"], ["b", "b1bis"]])

            let unversioned = try PostgresUpsert(table: table, columns: ["k", "body"], conflictColumns: ["k"])
            #expect(try await client.upsert(unversioned, rows: [["c", "c1"], ["c", "c2"]]) == 1)
            #expect(try await client.query("SELECT body FROM \(table) WHERE k = 'c'")[0].string(0) == "c2")
        }
    }

    @Test("never lets an older version overwrite a newer row")
    func newerWins() async throws {
        try await PostgresTestDatabase.withTable(
            "upsert_newer", "k text PRIMARY KEY, body text, version int8"
        ) { client, table in
            let spec = try PostgresUpsert(
                table: table, columns: ["k", "body", "version"], conflictColumns: ["k"], versionColumn: "version")
            #expect(try await client.upsert(spec, rows: [["a", "v5", 5], ["b", "v1", 1]]) == 2)
            #expect(try await client.upsert(spec, rows: [["a", "v4", 4], ["b", "v2", 2]]) == 1)
            let rows = try await client.query("SELECT k, body, version FROM \(table) ORDER BY k")
            #expect(try rows[0].string("body") == "v5" && rows[0].int64("version") == 5)
            #expect(try rows[1].string("body") == "v2" && rows[1].int64("version") == 2)
        }
    }

    @Test("skips writes of identical content, leaving xmin unchanged")
    func noNeedlessWrites() async throws {
        try await PostgresTestDatabase.withTable(
            "upsert_same", "k text PRIMARY KEY, body jsonb, version int8, received_at timestamptz"
        ) { client, table in
            let spec = try PostgresUpsert(
                table: table, columns: ["k", "body", "version", "received_at"], conflictColumns: ["k"],
                versionColumn: "version", compareColumns: ["body", "version"])
            let first: [[PostgresValue]] = [["a", .json(#"{"x": 1}"#), 1, .timestamp(Date())]]
            #expect(try await client.upsert(spec, rows: first) == 1)
            let xmin = try await client.query("SELECT xmin::text FROM \(table) WHERE k = 'a'")[0].string(0)

            // Same content (jsonb compares semantically), newer received_at: not a write.
            let again: [[PostgresValue]] = [["a", .json(#"{ "x" : 1 }"#), 1, .timestamp(Date().addingTimeInterval(5))]]
            #expect(try await client.upsert(spec, rows: again) == 0)
            #expect(try await client.query("SELECT xmin::text FROM \(table) WHERE k = 'a'")[0].string(0) == xmin)

            let changed: [[PostgresValue]] = [["a", .json(#"{"x": 2}"#), 1, .timestamp(Date())]]
            #expect(try await client.upsert(spec, rows: changed) == 1)
            #expect(try await client.query("SELECT xmin::text FROM \(table) WHERE k = 'a'")[0].string(0) != xmin)
        }
    }

    @Test("splits batches over the parameter limit into chunks inside one transaction")
    func chunking() async throws {
        try await PostgresTestDatabase.withTable(
            "upsert_chunks", (0..<10).map { "c\($0) \($0 == 0 ? "int8 PRIMARY KEY" : "text")" }.joined(separator: ",")
        ) { client, table in
            let spec = try PostgresUpsert(table: table, columns: (0..<10).map { "c\($0)" }, conflictColumns: ["c0"])
            let count = spec.maximumRowsPerStatement * 2 + 17  // 65,535 / 10 = 6,553 rows per statement → 3 chunks
            let rows: [[PostgresValue]] = (0..<count).map { i in [.int(Int64(i))] + (1..<10).map { .text("v\(i)-\($0)") } }
            #expect(try await client.upsert(spec, rows: rows) == count)
            #expect(try await client.query("SELECT count(*) FROM \(table)")[0].int(0) == count)

            // A failure in the last chunk rolls back the earlier ones.
            var bad = rows.map { row in [row[0]] + row.dropFirst().map { _ in PostgresValue.text("changed") } }
            bad[count - 1][0] = .text("not-a-number")
            await #expect(throws: PostgresError.self) { _ = try await client.upsert(spec, rows: bad) }
            #expect(try await client.query("SELECT count(*) FROM \(table) WHERE c1 = 'changed'")[0].int(0) == 0)
        }
    }

    @Test("finds existing keys and inserts only new ones")
    func existingKeysAndInsertIgnoringConflicts() async throws {
        try await PostgresTestDatabase.withTable(
            "seen", "source text, delivery_id text, seen_at timestamptz DEFAULT now(), PRIMARY KEY (source, delivery_id)"
        ) { client, table in
            let spec = try PostgresUpsert(
                table: table, columns: ["source", "delivery_id"], conflictColumns: ["source", "delivery_id"],
                updateColumns: [])
            let first = try await client.insertIgnoringConflicts(spec, rows: [["gh", "1"], ["gh", "2"], ["gh", "1"]])
            #expect(Set(try first.map { try [$0.string(0)!, $0.string(1)!] }) == [["gh", "1"], ["gh", "2"]])
            let second = try await client.insertIgnoringConflicts(spec, rows: [["gh", "2"], ["gh", "3"], ["it's", "4"]])
            #expect(Set(try second.map { try [$0.string(0)!, $0.string(1)!] }) == [["gh", "3"], ["it's", "4"]])

            let existing = try await client.existingKeys(
                in: table, keyColumns: ["source", "delivery_id"],
                among: [["gh", "1"], ["gh", "9"], ["it's", "4"], [#"back\slash"#, "x"]])
            #expect(existing == [["gh", "1"], ["it's", "4"]])
            #expect(try await client.existingKeys(in: table, keyColumns: ["source", "delivery_id"], among: []).isEmpty)
        }
    }

    @Test("reconnects transparently after pg_terminate_backend")
    func reconnects() async throws {
        let client = PostgresClient(configuration: PostgresTestDatabase.configuration(poolSize: 1))
        let killer = PostgresClient(configuration: PostgresTestDatabase.configuration(poolSize: 1))
        let pid = try #require(try await client.query("SELECT pg_backend_pid()")[0].int(0))
        #expect(try await killer.query("SELECT pg_terminate_backend($1::int)", [.int(Int64(pid))])[0].bool(0) == true)

        // Idempotent: retried once on a fresh connection.
        let newPID = try await client.query("SELECT pg_backend_pid()", retryOnConnectionLoss: true)[0].int(0)
        #expect(newPID != nil && newPID != pid)

        // Not idempotent: reported as a retriable connection loss, and the next call reconnects.
        _ = try await killer.query("SELECT pg_terminate_backend($1::int)", [.int(Int64(newPID!))])
        await #expect {
            _ = try await client.query("SELECT 1")
        } throws: { error in
            let error = error as! PostgresError
            return error.code == .connectionLost && error.isRetriable
        }
        #expect(try await client.query("SELECT 1")[0].int(0) == 1)
        await killer.close()
        await client.close()
    }

    @Test("serves many concurrent queries through a small pool")
    func concurrency() async throws {
        let client = PostgresClient(configuration: PostgresTestDatabase.configuration(poolSize: 4))
        let pids = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
            for i in 0..<200 {
                group.addTask {
                    let row = try await client.query("SELECT $1::int8 * 2, pg_backend_pid()", [.int(Int64(i))])[0]
                    return (i, try row.int(0)!, try row.int(1)!)
                }
            }
            var pids = Set<Int>()
            for try await (i, doubled, pid) in group {
                #expect(doubled == i * 2)
                pids.insert(pid)
            }
            return pids
        }
        #expect(pids.count <= 4 && pids.count >= 1)
        await client.close()
        await #expect {
            _ = try await client.query("SELECT 1")
        } throws: { ($0 as? PostgresError)?.code == .clientClosed }
    }

    @Test("ends a wait for a connection with CancellationError when the task is cancelled")
    func waitingIsCancellable() async throws {
        let client = PostgresClient(configuration: PostgresTestDatabase.configuration(poolSize: 1))
        let (inside, insideContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await client.withTransaction { _ in
                insideContinuation.yield()
                for await _ in release { break }
            }
        }
        for await _ in inside { break }  // the only connection is now leased
        let waiter = Task { try await client.query("SELECT 1") }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        releaseContinuation.yield()
        try await holder.value
        #expect(try await client.query("SELECT 1")[0].int(0) == 1)
        await client.close()
    }

    @Test("close waits for an in-flight transaction to commit")
    func closeWaitsForTransaction() async throws {
        let table = PostgresTestDatabase.uniqueTableName("close")
        let client = PostgresClient(configuration: PostgresTestDatabase.configuration(poolSize: 1))
        let observer = PostgresClient(configuration: PostgresTestDatabase.configuration(poolSize: 1))
        _ = try await observer.query("CREATE TABLE \(table) (id int)")
        let (inside, insideContinuation) = AsyncStream<Void>.makeStream()
        let transaction = Task {
            try await client.withTransaction { tx in
                insideContinuation.yield()
                _ = try await tx.query("SELECT pg_sleep(0.2)")
                _ = try await tx.query("INSERT INTO \(table) VALUES (1)")
            }
        }
        for await _ in inside { break }
        await client.close()  // returns only after the transaction released its connection
        try await transaction.value
        #expect(try await observer.query("SELECT count(*) FROM \(table)")[0].int(0) == 1)
        _ = try await observer.query("DROP TABLE \(table)")
        await observer.close()
    }

    @Test("reports a statement timeout as a non-retriable server error")
    func statementTimeout() async throws {
        var configuration = PostgresTestDatabase.configuration(poolSize: 1)
        configuration.statementTimeout = .milliseconds(50)
        let client = PostgresClient(configuration: configuration)
        await #expect {
            _ = try await client.query("SELECT pg_sleep(2)")
        } throws: { error in
            let error = error as! PostgresError
            return error.sqlState == "57014" && !error.isRetriable
        }
        await client.close()
    }

    @Test("frees every connection object after close")
    func freedAfterClose() async throws {
        let client = PostgresClient(configuration: PostgresTestDatabase.configuration(poolSize: 2))
        try await client.checkConnections()
        var references: [PostgresConnectionWorker.WeakConnection] = []
        for worker in client.pool.workers { references.append(await worker.weakConnectionForTesting()) }
        #expect(references.count == 2 && references.allSatisfy(\.isAlive))
        await client.close()
        #expect(references.allSatisfy { !$0.isAlive })
    }

    @Test("fails to connect with a retriable error naming the operation")
    func connectionFailure() async throws {
        let client = PostgresClient(
            configuration: PostgresConfiguration(url: "postgresql://inlet@127.0.0.1:1/inlet", poolSize: 1))
        await #expect {
            _ = try await client.query("SELECT 1")
        } throws: { error in
            let error = error as! PostgresError
            return error.code == .connectionFailed && error.isRetriable && error.operation == "connect"
        }
        await client.close()
    }
}
