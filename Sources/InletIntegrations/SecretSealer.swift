import InletCrypto

/// A webhook secret as stored: AES-256-GCM ciphertext with its tag, the random nonce, and the id of the master key
/// that sealed it. Holds no plain text, so it may be described; its description still shows only sizes and the key id.
public struct SealedSecret: Sendable, Hashable, CustomStringConvertible {
    /// `ciphertext ‖ 16-byte tag`.
    public var ciphertext: [UInt8]
    /// 12 random bytes, new for every seal.
    public var nonce: [UInt8]
    public var keyID: String

    public init(ciphertext: [UInt8], nonce: [UInt8], keyID: String) {
        self.ciphertext = ciphertext
        self.nonce = nonce
        self.keyID = keyID
    }

    public var description: String { "SealedSecret(key: \(keyID), \(ciphertext.count) bytes)" }
}

/// Seals and opens webhook secrets with the master keys, binding each ciphertext to where it is stored.
///
/// The associated data authenticated with every secret is a fixed label followed by the integration id, the secret
/// id and the key id, each length-prefixed. So a ciphertext copied to another integration or another secret id, or
/// relabelled with another key id, fails to open instead of silently verifying someone else's webhooks.
public struct SecretSealer: Sendable {
    public let keys: MasterKeyRing

    public init(keys: MasterKeyRing) {
        self.keys = keys
    }

    /// Seals `secret` under the current master key with a fresh random nonce.
    public func seal(_ secret: WebhookSecret, integrationID: String, secretID: String) throws(IntegrationsError) -> SealedSecret {
        let key = keys.current
        do {
            let box = try AES256GCM.seal(Array(secret.value.utf8), using: key.key,
                                         authenticating: Self.associatedData(integrationID: integrationID, secretID: secretID, keyID: key.id))
            return SealedSecret(ciphertext: box.ciphertext + box.tag, nonce: box.nonce, keyID: key.id)
        } catch {
            throw IntegrationsError(.cryptoFailure, "sealing failed: \(error)", operation: "seal secret \(integrationID)/\(secretID)")
        }
    }

    /// Opens a secret stored for `integrationID`/`secretID`.
    /// - Throws: ``IntegrationsError`` `.unknownMasterKey` when its key id is not configured (naming the variable to
    ///   set), `.secretDoesNotDecrypt` when it does not authenticate.
    public func open(_ sealed: SealedSecret, integrationID: String, secretID: String) throws(IntegrationsError) -> WebhookSecret {
        let operation = "open secret \(integrationID)/\(secretID)"
        guard let key = keys.key(id: sealed.keyID) else {
            throw IntegrationsError(.unknownMasterKey, """
                it was sealed with master key '\(sealed.keyID)', which this process does not have (it has \
                \(keys.ids.map { "'\($0)'" }.joined(separator: ", "))); add that key to \
                \(MasterKeyRing.EnvironmentKey.previousKeys) or to the \(MasterKeyRing.EnvironmentKey.keyFile) file, \
                then run `inlet integrations rekey`
                """, operation: operation)
        }
        let plaintext: [UInt8]
        do {
            guard sealed.ciphertext.count >= AES256GCM.tagByteCount else { throw SealedSecretTooShort() }
            let box = try AES256GCM.SealedBox(nonce: sealed.nonce, ciphertext: Array(sealed.ciphertext.dropLast(AES256GCM.tagByteCount)),
                                              tag: Array(sealed.ciphertext.suffix(AES256GCM.tagByteCount)))
            plaintext = try AES256GCM.open(box, using: key.key,
                                           authenticating: Self.associatedData(integrationID: integrationID, secretID: secretID, keyID: sealed.keyID))
        } catch {
            throw IntegrationsError(.secretDoesNotDecrypt, """
                it does not authenticate under master key '\(sealed.keyID)': the configured key with that id is not the \
                one that sealed it, or the row was altered or copied from another integration or secret id; \
                check the key, or set a new secret with `inlet integrations rotate-secret`
                """, operation: operation)
        }
        guard let text = String(validating: plaintext, as: UTF8.self) else {
            throw IntegrationsError(.secretDoesNotDecrypt, "it opened but is not UTF-8 text", operation: operation)
        }
        return try WebhookSecret(text)
    }

    private struct SealedSecretTooShort: Error {}

    private static let label = Array("inlet integration secret v1".utf8)

    /// `label ‖ 0x00 ‖ (len ‖ integration id) ‖ (len ‖ secret id) ‖ (len ‖ key id)`, lengths as 4-byte big-endian.
    static func associatedData(integrationID: String, secretID: String, keyID: String) -> [UInt8] {
        var data = label
        data.append(0)
        for part in [integrationID, secretID, keyID] {
            let bytes = Array(part.utf8)
            let count = UInt32(bytes.count)
            data += [UInt8(truncatingIfNeeded: count >> 24), UInt8(truncatingIfNeeded: count >> 16),
                     UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)]
            data += bytes
        }
        return data
    }
}
