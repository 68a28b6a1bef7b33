/// The master keys a process knows: the current one seals every new secret, the previous ones only open secrets
/// sealed before a key rotation (until `inlet integrations rekey` has re-sealed them under the current key).
public struct MasterKeyRing: Sendable, CustomStringConvertible {
    /// Seals new secrets; also opens.
    public let current: MasterKey
    /// Only open; most recent first.
    public let previous: [MasterKey]

    /// - Throws: ``IntegrationsError`` `.invalidMasterKey` when two entries share an id or are the same key.
    public init(current: MasterKey, previous: [MasterKey] = []) throws(IntegrationsError) {
        var ids: Set<String> = []
        var fingerprints: [String: String] = [:]
        for key in [current] + previous {
            guard ids.insert(key.id).inserted else {
                throw IntegrationsError(.invalidMasterKey, "the key id '\(key.id)' is configured twice; give every master key its own id",
                                        operation: "load master keys")
            }
            if let other = fingerprints.updateValue(key.id, forKey: key.fingerprint) {
                throw IntegrationsError(.invalidMasterKey, "the keys '\(other)' and '\(key.id)' are the same key; list each key once",
                                        operation: "load master keys")
            }
        }
        self.current = current
        self.previous = previous
    }

    /// The key that sealed a secret tagged `id`, if configured.
    public func key(id: String) -> MasterKey? {
        current.id == id ? current : previous.first { $0.id == id }
    }

    /// Every configured key id, the current one first.
    public var ids: [String] { [current.id] + previous.map(\.id) }

    public var description: String { "MasterKeyRing(current: \(current.id), previous: \(previous.map(\.id)))" }
}
