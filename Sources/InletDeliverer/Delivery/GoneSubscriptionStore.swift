import InletPostgres

/// Where gone marks (``GoneSubscriptionMark``) outlive the process and reach the other replicas: read when the
/// deliverer starts and every ``DelivererConfiguration/goneMarksRefreshInterval`` after, written when a subscriber
/// answers 410. ``PostgresGoneSubscriptionStore`` in production; tests may use any.
public protocol GoneSubscriptionStore: Sendable {
    /// Every stored mark.
    func loadMarks() async throws -> [GoneSubscriptionMark]
    /// Stores `mark` (a mark for the same subscription and URL hash already stored is kept).
    func save(_ mark: GoneSubscriptionMark) async throws
    /// Releases what the store holds (connections); called once the deliverer has stopped.
    func shutdown() async
}

/// Gone marks in PostgreSQL, table `inlet_gone_subscriptions` (in the connection's default schema, or in `schema`):
/// one row per subscription ID and URL hash, with when and what the subscriber answered. The URL itself is not
/// stored (it may carry a token); a subscription whose URL changed has no row for its new hash, so it is served.
///
/// `inlet subscriptions list` reads the rows, `inlet subscriptions enable ID` deletes a subscription's rows.
public struct PostgresGoneSubscriptionStore: GoneSubscriptionStore {
    public static let tableName = "inlet_gone_subscriptions"

    public let client: PostgresClient
    /// The schema, or nil for the connection's `search_path` (normally `public`).
    public let schema: String?
    /// Whether ``shutdown()`` closes ``client`` (true when the store was given the client to own).
    private let ownsClient: Bool

    public init(client: PostgresClient, schema: String? = nil, ownsClient: Bool = false) {
        self.client = client
        self.schema = schema
        self.ownsClient = ownsClient
    }

    /// The quoted, schema-qualified table name.
    var table: String {
        get throws(PostgresError) {
            guard let schema else { return try PostgresIdentifier.quoted(Self.tableName) }
            return try PostgresIdentifier.quoted(schema) + "." + PostgresIdentifier.quoted(Self.tableName)
        }
    }

    /// Creates the table when it does not exist (checked first: `CREATE TABLE IF NOT EXISTS` would make libpq print
    /// a notice on every start).
    public func prepare() async throws {
        let table = try table
        if try await client.tableExists(table) { return }
        _ = try await client.query("""
            CREATE TABLE IF NOT EXISTS \(table) (
              subscription_id text NOT NULL,
              url_hash text NOT NULL,
              marked_at timestamptz NOT NULL,
              status_line text NOT NULL,
              PRIMARY KEY (subscription_id, url_hash))
            """, retryOnConnectionLoss: true)
    }

    public func loadMarks() async throws -> [GoneSubscriptionMark] {
        try await prepare()
        let rows = try await client.query("""
            SELECT subscription_id, url_hash,
                   to_char(marked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), status_line
            FROM \(try table) ORDER BY subscription_id, marked_at
            """, retryOnConnectionLoss: true)
        var marks: [GoneSubscriptionMark] = []
        for row in rows {
            marks.append(GoneSubscriptionMark(subscriptionID: try row.string(0) ?? "", urlHash: try row.string(1) ?? "",
                                              markedAt: try row.string(2) ?? "", statusLine: try row.string(3) ?? ""))
        }
        return marks
    }

    public func save(_ mark: GoneSubscriptionMark) async throws {
        try await prepare()
        _ = try await client.query("""
            INSERT INTO \(try table) (subscription_id, url_hash, marked_at, status_line)
            VALUES ($1, $2, $3::timestamptz, $4) ON CONFLICT (subscription_id, url_hash) DO NOTHING
            """, [.text(mark.subscriptionID), .text(mark.urlHash), .text(mark.markedAt), .text(mark.statusLine)],
            retryOnConnectionLoss: true)
    }

    /// Deletes every mark of `subscriptionID` (whatever its URL): running deliverers serve it again after their next
    /// read of the marks (``DelivererConfiguration/goneMarksRefreshInterval``).
    /// - Returns: how many marks were deleted.
    @discardableResult
    public func removeMarks(subscriptionID: String) async throws -> Int {
        try await prepare()
        let rows = try await client.query("DELETE FROM \(try table) WHERE subscription_id = $1 RETURNING 1",
                                          [.text(subscriptionID)], retryOnConnectionLoss: true)
        return rows.count
    }

    public func shutdown() async {
        if ownsClient { await client.close() }
    }
}
