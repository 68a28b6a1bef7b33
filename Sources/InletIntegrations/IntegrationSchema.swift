import InletPostgres

/// Creates and upgrades the integration tables, one numbered migration at a time.
///
/// Tables (version 1):
/// - `inlet_integration_catalog`: a single row holding `schema_version`, and `version`, a counter that triggers bump
///   after every statement writing to the two tables below (through the CLI or by hand). Readers poll it; writers
///   lock it first, so changes are counted in commit order.
/// - `inlet_integrations (id, definition, settings jsonb, filter, status, next_secret_number, created_at,
///   updated_at, revision)`: one row per integration, no secret material (`settings`: ``IntegrationSettings``). A row trigger bumps `revision` and sets
///   `updated_at` on every update.
/// - `inlet_integration_secrets (integration_id → inlet_integrations ON DELETE CASCADE, secret_id, kind, ciphertext,
///   nonce, key_id, created_at, not_after)`: one row per secret (`kind` `secret`, or `signing_token` for GitLab),
///   sealed with AES-256-GCM (see ``SecretSealer``); `not_after` NULL means no end.
///
/// ``migrate()`` is cheap when the tables are current (one lookup, one single-row read), and safe to run from many
/// processes at once: migrations run in a transaction under an advisory lock.
struct IntegrationSchema: Sendable {
    /// The version this code reads and writes.
    static let latestVersion = 1

    let client: PostgresClient
    let tables: IntegrationTables

    func migrate() async throws {
        try await IntegrationsError.mappingDatabaseErrors("prepare integration tables") {
            if let version = try await installedVersion({ try await client.query($0, $1, retryOnConnectionLoss: true) }),
               try check(version) { return }
            let catalog = try tables.catalog
            do {
                try await client.withTransaction { transaction in
                    // Every process upgrading the same tables queues here; the later one usually finds them done.
                    _ = try await transaction.query("SELECT pg_advisory_xact_lock(hashtext($1))", [.text(catalog)])
                    let installed = try await installedVersion({ try await transaction.query($0, $1) }) ?? 0
                    if try check(installed) { return }
                    for version in (installed + 1)...Self.latestVersion {
                        for statement in try migration(version) { _ = try await transaction.query(statement) }
                        _ = try await transaction.query("UPDATE \(catalog) SET schema_version = $1", [.int(Int64(version))])
                    }
                }
            } catch let error as PostgresError where Self.alreadyCreated.contains(error.sqlState ?? "") {
                // The catalog lookup inside the transaction can predate the other process's commit (an advisory lock
                // does not refresh it), so its CREATE fails; the tables are there now.
                guard let version = try await installedVersion({ try await client.query($0, $1, retryOnConnectionLoss: true) }),
                      try check(version) else { throw error }
            }
        }
    }

    /// `duplicate_table`, `duplicate_object`, `duplicate_function`, `unique_violation`.
    private static let alreadyCreated: Set<String> = ["42P07", "42710", "42723", "23505"]

    /// The installed schema version, nil when the tables do not exist yet. (Checked before creating anything, because
    /// `CREATE TABLE IF NOT EXISTS` makes libpq print a notice on every command.)
    private func installedVersion(
        _ query: (String, [PostgresValue]) async throws -> PostgresResult
    ) async throws -> Int? {
        let catalog = try tables.catalog
        let exists = try await query("SELECT to_regclass($1) IS NOT NULL", [.text(catalog)])
        guard try exists.first?.bool(0) == true else { return nil }
        return try await query("SELECT schema_version FROM \(catalog)", []).first?.int(0) ?? 0
    }

    /// Whether `version` is current; throws when it is newer than this code.
    private func check(_ version: Int) throws(IntegrationsError) -> Bool {
        guard version <= Self.latestVersion else {
            throw IntegrationsError(.schemaTooNew, """
                the integration tables are at schema version \(version), newer than this Inlet understands \
                (\(Self.latestVersion)); run a newer Inlet
                """, operation: "prepare integration tables")
        }
        return version == Self.latestVersion
    }

    private func migration(_ version: Int) throws -> [String] {
        let catalog = try tables.catalog
        let integrations = try tables.integrations
        let secrets = try tables.secrets
        let touch = try tables.touchFunction
        let bump = try tables.bumpFunction
        switch version {
        case 1:
            return [
                """
                CREATE TABLE \(catalog) (
                  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                  schema_version integer NOT NULL,
                  version bigint NOT NULL DEFAULT 0,
                  changed_at timestamptz NOT NULL DEFAULT now())
                """,
                "INSERT INTO \(catalog) (schema_version) VALUES (0)",
                """
                CREATE TABLE \(integrations) (
                  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,128}$'),
                  definition text NOT NULL CHECK (definition ~ '^[a-z0-9_-]{1,64}$'),
                  settings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
                  filter text CHECK (filter <> ''),
                  status text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
                  next_secret_number integer NOT NULL DEFAULT 1 CHECK (next_secret_number > 0),
                  created_at timestamptz NOT NULL DEFAULT now(),
                  updated_at timestamptz NOT NULL DEFAULT now(),
                  revision bigint NOT NULL DEFAULT 1)
                """,
                """
                CREATE TABLE \(secrets) (
                  integration_id text NOT NULL REFERENCES \(integrations) (id) ON DELETE CASCADE,
                  secret_id text NOT NULL CHECK (secret_id ~ '^[a-z0-9_-]{1,64}$'),
                  kind text NOT NULL DEFAULT 'secret' CHECK (kind IN ('secret', 'signing_token')),
                  ciphertext bytea NOT NULL CHECK (octet_length(ciphertext) > 16),
                  nonce bytea NOT NULL CHECK (octet_length(nonce) = 12),
                  key_id text NOT NULL,
                  created_at timestamptz NOT NULL DEFAULT now(),
                  not_after timestamptz,
                  PRIMARY KEY (integration_id, secret_id))
                """,
                // `rekey` looks for secrets sealed under any key but the current one.
                "CREATE INDEX ON \(secrets) (key_id)",
                """
                CREATE FUNCTION \(touch)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.revision := OLD.revision + 1;
                  NEW.updated_at := now();
                  RETURN NEW;
                END $$
                """,
                "CREATE TRIGGER inlet_integrations_touch BEFORE UPDATE ON \(integrations) FOR EACH ROW EXECUTE FUNCTION \(touch)()",
                """
                CREATE FUNCTION \(bump)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  UPDATE \(catalog) SET version = version + 1, changed_at = now();
                  RETURN NULL;
                END $$
                """,
                """
                CREATE TRIGGER inlet_integrations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(integrations)
                FOR EACH STATEMENT EXECUTE FUNCTION \(bump)()
                """,
                """
                CREATE TRIGGER inlet_integration_secrets_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(secrets)
                FOR EACH STATEMENT EXECUTE FUNCTION \(bump)()
                """,
            ]
        default:
            preconditionFailure("no migration to schema version \(version)")
        }
    }
}
