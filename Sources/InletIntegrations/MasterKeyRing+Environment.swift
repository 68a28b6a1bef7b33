import Foundation
import InletCore
import InletCrypto

extension MasterKeyRing {
    /// Every environment variable ``init(environment:)`` reads.
    public enum EnvironmentKey {
        /// The current master key: base64 of 32 bytes, or `id:base64`.
        public static let key = "INLET_SECRET_KEY"
        /// A file of master keys, one `id:base64` (or bare base64) per line; the first is current.
        public static let keyFile = "INLET_SECRET_KEY_FILE"
        /// Earlier master keys that still open secrets: comma-separated `id:base64` or base64.
        public static let previousKeys = "INLET_SECRET_KEY_PREVIOUS"
    }

    /// Reads the master keys:
    /// - `INLET_SECRET_KEY` (base64 of 32 bytes, or `id:base64`) **or** `INLET_SECRET_KEY_FILE` (a path; each
    ///   non-empty line not starting with `#` is `id:base64` or base64; the first is current, the rest previous);
    /// - plus `INLET_SECRET_KEY_PREVIOUS`: comma-separated earlier keys (`id:base64` or base64), only for opening.
    ///
    /// A key without an id gets one derived from it (``MasterKey``).
    /// - Throws: ``IntegrationsError`` `.missingMasterKey` naming the variables to set, or `.invalidMasterKey`
    ///   naming the variable (and line) that is wrong. No error repeats key material.
    public init(environment: EnvironmentReader, readFile: (String) -> Data? = { FileManager.default.contents(atPath: $0) })
        throws(IntegrationsError)
    {
        typealias Key = EnvironmentKey
        let inline = environment.string(Key.key)
        let path = environment.string(Key.keyFile)
        var keys: [MasterKey]
        switch (inline, path) {
        case (.some, .some):
            throw IntegrationsError(.invalidMasterKey, "both \(Key.key) and \(Key.keyFile) are set; set only one of them",
                                    operation: "load master keys")
        case (nil, nil):
            throw IntegrationsError(.missingMasterKey, """
                no master key to seal and open integration secrets: set \(Key.key) to base64 of 32 random bytes \
                (`openssl rand -base64 32`) or \(Key.keyFile) to a file holding one `id:base64` line per key, \
                the current key first (see docs/integrations.md)
                """, operation: "load master keys")
        case (let text?, nil):
            keys = [try Self.parseEntry(text.trimmingCharacters(in: .whitespacesAndNewlines), origin: Key.key)]
        case (nil, let path?):
            guard let data = readFile(path) else {
                throw IntegrationsError(.invalidMasterKey, "\(Key.keyFile) names \(path), which cannot be read; check the path and its permissions",
                                        operation: "load master keys")
            }
            keys = try Self.parseFile(String(decoding: data, as: UTF8.self), origin: "\(Key.keyFile) (\(path))")
        }
        if let text = environment.string(Key.previousKeys) {
            for (index, entry) in text.split(separator: ",").enumerated() {
                let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty else { continue }
                keys.append(try Self.parseEntry(trimmed, origin: "\(Key.previousKeys) entry \(index + 1)"))
            }
        }
        try self.init(current: keys[0], previous: Array(keys.dropFirst()))
    }

    /// The keys of a key file, in order; at least one.
    static func parseFile(_ text: String, origin: String) throws(IntegrationsError) -> [MasterKey] {
        var keys: [MasterKey] = []
        // `isNewline` also splits "\r\n", which Swift treats as one Character.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            keys.append(try parseEntry(trimmed, origin: "\(origin) line \(index + 1)"))
        }
        guard !keys.isEmpty else {
            throw IntegrationsError(.invalidMasterKey, "\(origin) holds no key; write one `id:base64` line per key, the current key first",
                                    operation: "load master keys")
        }
        return keys
    }

    /// `id:base64` or `base64` (base64 never contains `:`).
    static func parseEntry(_ text: String, origin: String) throws(IntegrationsError) -> MasterKey {
        var id: String?
        var encoded = Substring(text)
        if let colon = text.firstIndex(of: ":") {
            id = String(text[..<colon])
            encoded = text[text.index(after: colon)...]
        }
        let bytes: [UInt8]
        do {
            bytes = try Base64.decode(String(encoded))
        } catch {
            // The decoder's reason gives an offset, never the text.
            throw IntegrationsError(.invalidMasterKey, "\(origin) is not base64 (\(error.decodingProblem)); make a key with `openssl rand -base64 32`",
                                    operation: "load master keys")
        }
        return try MasterKey(id: id, rawRepresentation: bytes, origin: origin)
    }
}

extension Error {
    /// `CryptoError.reason` when this is one, else a generic phrase: never the input.
    fileprivate var decodingProblem: String { (self as? CryptoError)?.reason ?? "malformed" }
}
