import Foundation
import InletPostgres

/// What ``IntegrationStore/rotateSecret(of:kind:to:overlap:sealer:now:)`` did.
public struct SecretRotation: Sendable, Hashable {
    /// The new, current secret.
    public var newSecret: SecretRecord
    /// The earlier secrets of the same kind that still verify, each until its `notAfter`.
    public var keptSecrets: [SecretRecord]
    /// Secrets deleted: past their `not_after`, or all earlier ones of the kind when the overlap was 0.
    public var removedSecretIDs: [String]
}

/// What ``IntegrationStore/rekey(sealer:)`` did.
public struct RekeyReport: Sendable, Hashable {
    /// The key every secret is sealed with now.
    public var currentKeyID: String
    /// Secrets re-sealed, by the key they were sealed with before.
    public var resealedByPreviousKey: [String: Int]
    /// Secrets that were sealed with the current key already.
    public var alreadyCurrent: Int

    public var resealed: Int { resealedByPreviousKey.values.reduce(0, +) }
}

extension IntegrationStore {
    /// Makes `secret` the integration's current secret of `kind` at once. Its earlier secrets of that kind keep
    /// verifying until `overlap`'s deadline (an earlier `not_after` is kept, never extended), or are deleted at once
    /// when the overlap is 0; secrets past their `not_after` are deleted.
    /// - Parameter now: the time of the rotation; deadlines are whole seconds (`not_after` is inclusive).
    /// - Throws: ``IntegrationsError`` `.integrationNotFound`, `.invalidTime` for a deadline in the past,
    ///   `.invalidIntegration` when the definition takes no such secret (public-key schemes take none; only GitLab
    ///   takes signing tokens).
    public func rotateSecret(of id: String, kind: SecretKind = .secret, to secret: WebhookSecret, overlap: SecretOverlap = .standard,
                             sealer: SecretSealer, now: Date = Date()) async throws -> SecretRotation {
        let operation = "rotate \(kind == .secret ? "secret" : "signing token") of \(id)"
        let second = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let deadline = Date(timeIntervalSince1970: try overlap.deadline(from: now).timeIntervalSince1970.rounded(.down))
        let integrations = try tables.integrations
        let secrets = try tables.secrets
        let (newSecretID, removed) = try await write(operation) { transaction in
            guard var record = try await readRecords(transaction, id: id).records.first else {
                throw Self.notFound(id, operation: operation)
            }
            record.secrets.insert(SecretRecord(id: "new", kind: kind, keyID: "", createdAt: now, notAfter: nil), at: 0)
            try record.validate(definitions: definitions, operation: operation)
            let number = try await transaction.query("""
                UPDATE \(integrations) SET next_secret_number = next_secret_number + 1 WHERE id = $1
                RETURNING next_secret_number - 1
                """, [.text(id)]).first?.int(0) ?? 0
            let newSecretID = SecretRecord.id(number: number)
            try await insertSecret(SecretToSeal(kind: kind, value: secret, notAfter: nil), number: number, integrationID: id,
                                   sealer: sealer, transaction)
            var removed: [String] = []
            if deadline <= second {
                removed += try await transaction.query(
                    "DELETE FROM \(secrets) WHERE integration_id = $1 AND kind = $2 AND secret_id <> $3 RETURNING secret_id",
                    [.text(id), .text(kind.rawValue), .text(newSecretID)]
                ).map { try $0.string(0) ?? "" }
            } else {
                _ = try await transaction.query("""
                    UPDATE \(secrets) SET not_after = $4
                    WHERE integration_id = $1 AND kind = $2 AND secret_id <> $3 AND (not_after IS NULL OR not_after > $4)
                    """, [.text(id), .text(kind.rawValue), .text(newSecretID), .timestamp(deadline)])
            }
            // Past their last second: nothing verifies with them any more.
            removed += try await transaction.query(
                "DELETE FROM \(secrets) WHERE integration_id = $1 AND not_after < $2 RETURNING secret_id",
                [.text(id), .timestamp(second)]
            ).map { try $0.string(0) ?? "" }
            return (newSecretID, removed)
        }
        let record = try await record(id: id)
        guard let newest = record.secrets.first(where: { $0.id == newSecretID }) else { throw Self.notFound(id, operation: operation) }
        return SecretRotation(newSecret: newest, keptSecrets: record.secrets.filter { $0.id != newSecretID && $0.kind == kind },
                              removedSecretIDs: removed.sorted { ($0.count, $0) < ($1.count, $1) })
    }

    /// Re-seals every secret that is not sealed with the current master key, in one transaction: afterwards the
    /// previous keys can be dropped from the configuration.
    /// - Throws: ``IntegrationsError`` `.unknownMasterKey` / `.secretDoesNotDecrypt` naming the first secret that does
    ///   not open (nothing is changed then).
    public func rekey(sealer: SecretSealer) async throws -> RekeyReport {
        let secrets = try tables.secrets
        let current = sealer.keys.current.id
        return try await write("rekey integration secrets") { transaction in
            let stale = try await transaction.query("""
                SELECT integration_id, secret_id, ciphertext, nonce, key_id FROM \(secrets)
                WHERE key_id <> $1 ORDER BY integration_id, secret_id FOR UPDATE
                """, [.text(current)])
            var report = RekeyReport(currentKeyID: current, resealedByPreviousKey: [:], alreadyCurrent: 0)
            for row in stale {
                let integrationID = try row.string("integration_id") ?? ""
                let secretID = try row.string("secret_id") ?? ""
                let sealed = SealedSecret(ciphertext: try row.bytes("ciphertext") ?? [], nonce: try row.bytes("nonce") ?? [],
                                          keyID: try row.string("key_id") ?? "")
                let secret = try sealer.open(sealed, integrationID: integrationID, secretID: secretID)
                let resealed = try sealer.seal(secret, integrationID: integrationID, secretID: secretID)
                _ = try await transaction.query("""
                    UPDATE \(secrets) SET ciphertext = $3, nonce = $4, key_id = $5 WHERE integration_id = $1 AND secret_id = $2
                    """, [.text(integrationID), .text(secretID), .bytes(resealed.ciphertext), .bytes(resealed.nonce),
                          .text(resealed.keyID)])
                report.resealedByPreviousKey[sealed.keyID, default: 0] += 1
            }
            let counted = try await transaction.query("SELECT count(*) FROM \(secrets) WHERE key_id = $1", [.text(current)])
            report.alreadyCurrent = (try counted.first?.int(0) ?? 0) - report.resealed
            return report
        }
    }
}
