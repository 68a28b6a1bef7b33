import InletCrypto

/// One AES-256 master key that seals webhook secrets at rest, with the id stored beside every ciphertext it seals.
///
/// The id is not secret. When the operator gives none, it is derived from the key: `k-` and the first 8 bytes of
/// SHA-256 over a fixed label and the key, in hex. So the same key always gets the same id on every machine, two
/// different keys (practically) never share one, and a wrong key shows up as an *unknown* key id instead of a
/// decryption failure. 64 bits of a hash of a random 256-bit key reveal nothing usable about it.
public struct MasterKey: Sendable, CustomStringConvertible {
    /// `[A-Za-z0-9._-]`, 1 to 64 characters.
    public let id: String
    let key: AES256GCMKey
    /// The derived id, whether or not the operator named the key: two entries with the same fingerprint are the same
    /// key, which the key ring refuses.
    let fingerprint: String

    /// - Parameters:
    ///   - id: the operator's name for the key, or nil to derive one from the key.
    ///   - rawRepresentation: exactly 32 bytes.
    ///   - origin: where the key came from, for errors (e.g. `"INLET_SECRET_KEY"`, `"/etc/inlet/keys line 2"`).
    public init(id: String?, rawRepresentation: [UInt8], origin: String) throws(IntegrationsError) {
        guard rawRepresentation.count == AES256GCMKey.byteCount else {
            throw IntegrationsError(
                .invalidMasterKey,
                "\(origin) must be base64 of exactly \(AES256GCMKey.byteCount) bytes but decodes to \(rawRepresentation.count); make one with `openssl rand -base64 32`",
                operation: "load master key")
        }
        fingerprint = try Self.derivedID(for: rawRepresentation)
        if let id {
            guard Self.isValidID(id) else {
                throw IntegrationsError(.invalidMasterKey, "\(origin): a key id must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'",
                                        operation: "load master key")
            }
            self.id = id
        } else {
            self.id = fingerprint
        }
        do {
            key = try AES256GCMKey(rawRepresentation: rawRepresentation)
        } catch {
            throw IntegrationsError(.cryptoFailure, "\(origin): \(error)", operation: "load master key")
        }
    }

    /// A new random key (tests; operators make theirs with `openssl rand -base64 32`).
    public static func random(id: String? = nil) throws(IntegrationsError) -> MasterKey {
        let bytes: [UInt8]
        do {
            bytes = try SecureRandom.bytes(count: AES256GCMKey.byteCount)
        } catch {
            throw IntegrationsError(.cryptoFailure, "\(error)", operation: "generate master key")
        }
        return try MasterKey(id: id, rawRepresentation: bytes, origin: "generated key")
    }

    /// The key's id only; the key itself is never described.
    public var description: String { "MasterKey(id: \(id))" }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// Domain separation: this hash is used for nothing else.
    private static let idLabel = Array("inlet master key id v1\u{0}".utf8)

    static func derivedID(for rawRepresentation: [UInt8]) throws(IntegrationsError) -> String {
        do {
            let digest = try SHA256.hash(idLabel + rawRepresentation)
            return "k-" + Hex.encode(digest.prefix(8))
        } catch {
            throw IntegrationsError(.cryptoFailure, "\(error)", operation: "derive master key id")
        }
    }
}
