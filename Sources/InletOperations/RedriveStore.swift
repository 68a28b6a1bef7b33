import InletKafka
import InletPostgres

/// Remembers which dead letters were sent back (`inlet_redrives`), so a second redrive does not send them again.
///
/// Table (created if missing by ``prepare()``): `inlet_redrives (dlq_topic, dlq_partition, dlq_offset,
/// fingerprint, redrive_id, stage, error_code, target_topic, target_partition, target_offset, claimed_at, sent_at)`,
/// primary key `(dlq_topic, dlq_partition, dlq_offset, fingerprint)`. The fingerprint (original coordinates and
/// dead-letter time, ``DeadLetterEntry/fingerprint``) keeps a dead letter that reuses the coordinates of an older
/// one (a topic recreated after a Tansu restart) from being mistaken for it.
///
/// A redrive *claims* its dead letters (insert; a row another redrive holds is not claimed), produces them, then
/// *confirms* them with where they landed. A claim without confirmation means the redrive died between the two:
/// the record may or may not have been sent; ``DeadLetterRedriver`` reports such claims and re-sends them only when
/// asked (`--retry-unconfirmed`).
public struct RedriveStore: Sendable {
    let client: PostgresClient
    let tables: OperationsTables

    public init(client: PostgresClient, tables: OperationsTables = OperationsTables()) {
        self.client = client
        self.tables = tables
    }

    /// Where a dead letter stands.
    public enum State: Sendable, Hashable {
        /// Sent back by redrive `redriveID`, landing at `target`.
        case sent(redriveID: String)
        /// Claimed by `redriveID` but never confirmed.
        case unconfirmed(redriveID: String)
    }

    /// Creates the table if missing; safe to run every time.
    public func prepare() async throws {
        let redrives = try tables.redrives
        if try await tables.exists(redrives, client: client) { return }
        _ = try await client.query("""
            CREATE TABLE IF NOT EXISTS \(redrives) (
              dlq_topic text NOT NULL,
              dlq_partition integer NOT NULL,
              dlq_offset bigint NOT NULL,
              fingerprint text NOT NULL,
              redrive_id text NOT NULL,
              stage text NOT NULL,
              error_code text,
              target_topic text NOT NULL,
              target_partition integer,
              target_offset bigint,
              claimed_at timestamptz NOT NULL DEFAULT now(),
              sent_at timestamptz,
              PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset, fingerprint))
            """, retryOnConnectionLoss: true)
    }

    /// The recorded state of each of `entries` that has one.
    public func states(of entries: [DeadLetterEntry]) async throws -> [DeadLetterID: State] {
        guard !entries.isEmpty else { return [:] }
        let rows = try await client.query("""
            SELECT r.dlq_topic, r.dlq_partition, r.dlq_offset, r.redrive_id, r.sent_at IS NOT NULL AS sent
            FROM \(try tables.redrives) r
            JOIN unnest($1::text[], $2::int8[], $3::int8[], $4::text[]) AS k(topic, part, off, fp)
              ON r.dlq_topic = k.topic AND r.dlq_partition = k.part AND r.dlq_offset = k.off AND r.fingerprint = k.fp
            """, Self.keyArrays(entries), retryOnConnectionLoss: true)
        var states: [DeadLetterID: State] = [:]
        for row in rows {
            let id = DeadLetterID(topic: try row.string("dlq_topic") ?? "", partition: Int32(try row.int("dlq_partition") ?? 0),
                                  offset: try row.int64("dlq_offset") ?? 0)
            let redrive = try row.string("redrive_id") ?? ""
            states[id] = try row.bool("sent") == true ? .sent(redriveID: redrive) : .unconfirmed(redriveID: redrive)
        }
        return states
    }

    /// Claims `entries` for `redriveID`; returns the IDs actually claimed (not held by any redrive before).
    /// - Parameter takingOver: IDs of unconfirmed claims this redrive takes over (re-sends).
    public func claim(
        _ entries: [DeadLetterEntry], redriveID: String, stage: String, targetTopic: String,
        takingOver: Set<DeadLetterID> = []
    ) async throws -> Set<DeadLetterID> {
        guard !entries.isEmpty else { return [] }
        let table = try tables.redrives
        return try await client.withTransaction { transaction in
            var claimed = Set<DeadLetterID>()
            let rows = try await transaction.query("""
                INSERT INTO \(table) (dlq_topic, dlq_partition, dlq_offset, fingerprint, redrive_id, stage, error_code, target_topic)
                SELECT k.topic, k.part, k.off, k.fp, $5, $6, k.code, $7
                FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $8::text[]) AS k(topic, part, off, fp, code)
                ON CONFLICT DO NOTHING
                RETURNING dlq_topic, dlq_partition, dlq_offset
                """, Self.keyArrays(entries) + [.text(redriveID), .text(stage), .text(targetTopic),
                                                .textArray(entries.map { $0.deadLetter?.errorCode })])
            for row in rows {
                claimed.insert(DeadLetterID(topic: try row.string(0) ?? "", partition: Int32(try row.int(1) ?? 0), offset: try row.int64(2) ?? 0))
            }
            let retaken = entries.filter { takingOver.contains($0.id) }
            if !retaken.isEmpty {
                let rows = try await transaction.query("""
                    UPDATE \(table) r SET redrive_id = $5, claimed_at = now()
                    FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[]) AS k(topic, part, off, fp)
                    WHERE r.dlq_topic = k.topic AND r.dlq_partition = k.part AND r.dlq_offset = k.off
                      AND r.fingerprint = k.fp AND r.sent_at IS NULL
                    RETURNING r.dlq_topic, r.dlq_partition, r.dlq_offset
                    """, Self.keyArrays(retaken) + [.text(redriveID)])
                for row in rows {
                    claimed.insert(DeadLetterID(topic: try row.string(0) ?? "", partition: Int32(try row.int(1) ?? 0), offset: try row.int64(2) ?? 0))
                }
            }
            return claimed
        }
    }

    /// Records where each claimed dead letter landed.
    public func confirm(_ sent: [(entry: DeadLetterEntry, report: KafkaDeliveryReport)], redriveID: String) async throws {
        guard !sent.isEmpty else { return }
        _ = try await client.query("""
            UPDATE \(try tables.redrives) r SET target_partition = k.tpart, target_offset = k.toff, sent_at = now()
            FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $6::int8[], $7::int8[]) AS k(topic, part, off, fp, tpart, toff)
            WHERE r.dlq_topic = k.topic AND r.dlq_partition = k.part AND r.dlq_offset = k.off AND r.fingerprint = k.fp
              AND r.redrive_id = $5
            """, Self.keyArrays(sent.map(\.entry)) + [
                .text(redriveID), .int64Array(sent.map { Int64($0.report.partition) }), .int64Array(sent.map { $0.report.offset }),
            ], retryOnConnectionLoss: true)
    }

    /// Drops this redrive's claims that were never confirmed (their records were not sent), so a later redrive
    /// sends them.
    public func release(unconfirmedOf redriveID: String) async throws {
        _ = try await client.query("DELETE FROM \(try tables.redrives) WHERE redrive_id = $1 AND sent_at IS NULL",
                                   [.text(redriveID)], retryOnConnectionLoss: true)
    }

    /// How many dead letters redrive `redriveID` sent.
    public func sentCount(of redriveID: String) async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM \(try tables.redrives) WHERE redrive_id = $1 AND sent_at IS NOT NULL",
                                          [.text(redriveID)], retryOnConnectionLoss: true)
        return try rows.first?.int(0) ?? 0
    }

    private static func keyArrays(_ entries: [DeadLetterEntry]) -> [PostgresValue] {
        [
            .textArray(entries.map(\.id.topic)), .int64Array(entries.map { Int64($0.id.partition) }),
            .int64Array(entries.map(\.id.offset)), .textArray(entries.map(\.fingerprint)),
        ]
    }
}
