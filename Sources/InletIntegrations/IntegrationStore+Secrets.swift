import Foundation
import InletPostgres

/// What ``IntegrationStore/rotateSecret(of:to:overlap:sealer:now:)`` did.
public struct SecretRotation: Sendable, Hashable {
    /// The new, current secret.
    public var newSecret: SecretRecord
    /// The earlier secrets that still verify, each until its `notAfter`.
    public var keptSecrets: [SecretRecord]
    /// Secrets deleted because their time had passed (including the earlier ones when the overlap was 0).
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
    /// Makes `secret` the integration's current secret at once; its earlier secrets keep verifying until
    /// `overlap`'s deadline (an earlier `not_after` is kept, never extended). Secrets whose time has passed are deleted.
    /// - Throws: ``IntegrationsError`` `.integrationNotFound`, `.invalidTime` for a deadline in the past.
    public func rotateSecret(of id: String, to secret: WebhookSecret, overlap: SecretOverlap = .standard, sealer: SecretSealer,
                             now: Date = Date()) async throws -> SecretRotation {
        let operation = "rotate secret of \(id)"
        let deadline = try overlap.deadline(from: now)
        let integrations = try tables.integrations
        let secrets = try tables.secrets
        let (newSecretID, removed) = try await write(operation) { transaction in
            let numbered = try await transaction.query("""
                UPDATE \(integrations) SET next_secret_number = next_secret_number + 1 WHERE id = $1
                RETURNING next_secret_number - 1
                """, [.text(id)])
            guard let number = try numbered.first?.int(0) else { throw Self.notFound(id, operation: operation) }
            try await insertSecret(secret, number: number, integrationID: id, notAfter: nil, sealer: sealer, transaction)
            _ = try await transaction.query("""
                UPDATE \(secrets) SET not_after = $3
                WHERE integration_id = $1 AND secret_id <> $2 AND (not_after IS NULL OR not_after > $3)
                """, [.text(id), .text(SecretRecord.id(number: number)), .timestamp(deadline)])
            let removed = try await transaction.query(
                "DELETE FROM \(secrets) WHERE integration_id = $1 AND not_after <= $2 RETURNING secret_id",
                [.text(id), .timestamp(now)]
            ).map { try $0.string(0) ?? "" }
            return (SecretRecord.id(number: number), removed)
        }
        let record = try await record(id: id)
        guard let newest = record.secrets.first(where: { $0.id == newSecretID }) else { throw Self.notFound(id, operation: operation) }
        return SecretRotation(newSecret: newest, keptSecrets: record.secrets.filter { $0.id != newSecretID },
                              removedSecretIDs: removed.sorted())
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
