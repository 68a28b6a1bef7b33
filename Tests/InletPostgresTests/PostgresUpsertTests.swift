import Testing

@testable import InletPostgres

@Suite("PostgresUpsert SQL generation")
struct PostgresUpsertTests {
    @Test("generates a guarded multi-row upsert with quoted identifiers")
    func generatesGuardedUpsert() throws {
        let spec = try PostgresUpsert(
            table: "public.events", columns: ["id", "body", "version"], conflictColumns: ["id"],
            versionColumn: "version")
        #expect(
            spec.sql(rowCount: 2) == """
                INSERT INTO "public"."events" AS "target" ("id","body","version") VALUES ($1,$2,$3),($4,$5,$6) \
                ON CONFLICT ("id") DO UPDATE SET "body" = excluded."body", "version" = excluded."version" \
                WHERE ("target"."version" IS NULL OR excluded."version" >= "target"."version") \
                AND ROW("target"."body","target"."version") IS DISTINCT FROM ROW(excluded."body",excluded."version")
                """)
    }

    @Test("uses a strict comparison when equal versions may not overwrite")
    func strictVersionGuard() throws {
        let spec = try PostgresUpsert(
            table: "t", columns: ["k", "v"], conflictColumns: ["k"], versionColumn: "v", acceptsEqualVersion: false,
            compareColumns: [])
        #expect(spec.sql(rowCount: 1).hasSuffix(#"WHERE ("target"."v" IS NULL OR excluded."v" > "target"."v")"#))
    }

    @Test("emits DO NOTHING and RETURNING for insert-ignoring-conflicts")
    func doNothingWithReturning() throws {
        let spec = try PostgresUpsert(table: "t", columns: ["a", "b"], conflictColumns: ["a", "b"], updateColumns: [])
        #expect(
            spec.sql(rowCount: 1, returningConflictColumns: true)
                == #"INSERT INTO "t" AS "target" ("a","b") VALUES ($1,$2) ON CONFLICT ("a","b") DO NOTHING RETURNING "target"."a","target"."b""#
        )
    }

    @Test("quotes hostile identifiers so they cannot end the name")
    func quotesHostileIdentifiers() throws {
        let spec = try PostgresUpsert(
            table: "t", columns: [#"k"; DROP TABLE t; --"#, "v"], conflictColumns: [#"k"; DROP TABLE t; --"#])
        #expect(spec.sql(rowCount: 1).contains(#"("k""; DROP TABLE t; --","v")"#))
    }

    @Test("rejects empty, overlong and control-character identifiers")
    func rejectsBadIdentifiers() {
        for name in ["", String(repeating: "a", count: 64), "a\u{0}b", "a\nb", "a.b.c"] {
            #expect(throws: PostgresError.self) {
                _ = try PostgresUpsert(table: name, columns: ["k"], conflictColumns: ["k"])
            }
        }
    }

    @Test("rejects conflict, version and compare columns that are not inserted")
    func rejectsUnknownColumns() {
        #expect(throws: PostgresError.self) { try PostgresUpsert(table: "t", columns: ["a"], conflictColumns: ["b"]) }
        #expect(throws: PostgresError.self) {
            try PostgresUpsert(table: "t", columns: ["a"], conflictColumns: ["a"], versionColumn: "v")
        }
        #expect(throws: PostgresError.self) {
            try PostgresUpsert(table: "t", columns: ["a", "b"], conflictColumns: ["a"], compareColumns: ["c"])
        }
        #expect(throws: PostgresError.self) {
            try PostgresUpsert(table: "t", columns: ["a", "a"], conflictColumns: ["a"])
        }
    }

    @Test("keeps rows within the 65,535-parameter limit")
    func rowsPerStatementRespectLimit() throws {
        let spec = try PostgresUpsert(
            table: "t", columns: (0..<10).map { "c\($0)" }, conflictColumns: ["c0"])
        #expect(spec.maximumRowsPerStatement == 6553)
        #expect(spec.maximumRowsPerStatement * spec.columns.count <= 65_535)
    }

    @Test("collapses duplicate keys to the last row when there is no version")
    func collapsesByPosition() throws {
        let spec = try PostgresUpsert(table: "t", columns: ["k", "v"], conflictColumns: ["k"])
        let rows: [[PostgresValue]] = [["a", 1], ["b", 2], ["a", 3], [nil, 4], [nil, 5]]
        #expect(spec.collapsingDuplicateKeys(rows) == [["a", 3], ["b", 2], [nil, 4], [nil, 5]])
    }

    @Test("collapses duplicate keys to the highest version, later row on ties")
    func collapsesByVersion() throws {
        let spec = try PostgresUpsert(
            table: "t", columns: ["k", "body", "version"], conflictColumns: ["k"], versionColumn: "version")
        let rows: [[PostgresValue]] = [
            ["a", "a5", 5], ["a", "a3", 3], ["b", "b1", 1], ["b", "b1-again", 1], ["c", "c-null", nil], ["c", "c0", 0],
        ]
        #expect(
            spec.collapsingDuplicateKeys(rows) == [["a", "a5", 5], ["b", "b1-again", 1], ["c", "c0", 0]])
    }
}

@Suite("PostgresKeyLookup SQL generation")
struct PostgresKeyLookupTests {
    @Test("uses unnest over one text array per key column")
    func compositeKeys() throws {
        let (sql, binds) = try PostgresKeyLookup.statement(
            table: "seen", keyColumns: ["source", "delivery_id"], keys: [["gh", "1"], ["gh", "2"]])
        #expect(
            sql
                == #"SELECT "source","delivery_id" FROM "seen" WHERE ("source","delivery_id") IN (SELECT * FROM unnest($1::text[],$2::text[]))"#
        )
        #expect(binds == [.textArray(["gh", "gh"]), .textArray(["1", "2"])])
    }

    @Test("uses = ANY for a single key column")
    func singleKey() throws {
        let (sql, _) = try PostgresKeyLookup.statement(table: "seen", keyColumns: ["id"], keys: [["x"]])
        #expect(sql == #"SELECT "id" FROM "seen" WHERE "id" = ANY($1::text[])"#)
    }

    @Test("rejects keys of the wrong width")
    func wrongWidth() {
        #expect(throws: PostgresError.self) {
            _ = try PostgresKeyLookup.statement(table: "seen", keyColumns: ["a", "b"], keys: [["only-one"]])
        }
    }
}
