/// An insertion-ordered CEL map with CEL key semantics: keys are `int`, `uint`, `string` or `bool`, and numeric keys
/// are found by equal value across kinds (`m[1]`, `m[1u]` and `m[1.0]` find the same entry).
///
/// Look-ups scan a compact array of 32-bit key hashes, which beats hashing into a dictionary for the small maps
/// (JSON objects) CEL usually sees, and costs nothing to build while parsing JSON.
public struct CELMap: Sendable, Sequence {

    final class Storage: Sendable {
        let keys: [CELValue]
        let values: [CELValue]
        let hashes: [UInt32]
        init(keys: [CELValue], values: [CELValue], hashes: [UInt32]) {
            self.keys = keys
            self.values = values
            self.hashes = hashes
        }
    }


    let storage: Storage

    /// An empty map.
    public init() { storage = CELMap.empty }

    private static let empty = Storage(keys: [], values: [], hashes: [])

    /// Builds a map from entries; a later duplicate key replaces the earlier value.
    /// Throws when a key is not an `int`, `uint`, `string` or `bool`.
    public init(_ entries: some Sequence<(CELValue, CELValue)>) throws(CELError) {
        var builder = Builder()
        for (key, value) in entries {
            try builder.insert(key, value, replacing: true)
        }
        self = builder.build()
    }

    init(storage: Storage) { self.storage = storage }

    /// Accumulates entries; used by the JSON reader and map literals.
    public struct Builder {
        var keys: [CELValue] = []
        var values: [CELValue] = []
        var hashes: [UInt32] = []

        public init(capacity: Int = 0) {
            keys.reserveCapacity(capacity)
            values.reserveCapacity(capacity)
            hashes.reserveCapacity(capacity)
        }

        /// Inserts an entry. With `replacing` false a duplicate key throws (CEL map literals reject them).
        public mutating func insert(_ key: CELValue, _ value: CELValue, replacing: Bool) throws(CELError) {
            guard let hash = CELMap.hash(key), key.kind != .double else {
                throw CELError(.evaluation, "unsupported key type: \(key.typeName)")
            }
            if let index = CELMap.find(key, hash: hash, keys: keys, hashes: hashes) {
                guard replacing else { throw CELError(.evaluation, "Failed with repeated key") }
                values[index] = value
                return
            }
            keys.append(key)
            values.append(value)
            hashes.append(hash)
        }

        /// Appends a string-keyed entry whose hash the caller computed with ``CELMap/hashString(_:)``;
        /// replaces an existing entry with the same key.
        mutating func insertString(_ key: String, hash: UInt32, _ value: CELValue) {
            let keyValue = CELValue.string(key)
            if let index = CELMap.find(keyValue, hash: hash, keys: keys, hashes: hashes) {
                values[index] = value
                return
            }
            keys.append(keyValue)
            values.append(value)
            hashes.append(hash)
        }

        public func build() -> CELMap {
            CELMap(storage: Storage(keys: keys, values: values, hashes: hashes))
        }
    }

    /// The number of entries.
    public var count: Int { storage.keys.count }
    public var isEmpty: Bool { storage.keys.isEmpty }
    /// Keys in insertion order.
    public var keys: [CELValue] { storage.keys }
    /// Values in insertion order.
    public var values: [CELValue] { storage.values }

    /// The value for a key with CEL key semantics, or `nil`.
    public subscript(key: CELValue) -> CELValue? {
        guard let hash = CELMap.hash(key),
              let index = CELMap.find(key, hash: hash, keys: storage.keys, hashes: storage.hashes)
        else { return nil }
        return storage.values[index]
    }

    /// The value for a string key, or `nil`.
    public subscript(key: String) -> CELValue? {
        value(forString: key, hash: CELMap.hashString(key))
    }

    /// Fast path for field selection: `hash` was computed at compile time with ``hashString(_:)``.
    @inline(__always)
    func value(forString key: String, hash: UInt32) -> CELValue? {
        let hashes = storage.hashes
        let keys = storage.keys
        var index = 0
        let count = hashes.count
        while index < count {
            if hashes[index] == hash, case .string(let candidate) = keys[index], candidate == key {
                return storage.values[index]
            }
            index += 1
        }
        return nil
    }

    public func makeIterator() -> Zip2Sequence<[CELValue], [CELValue]>.Iterator {
        zip(storage.keys, storage.values).makeIterator()
    }

    static func find(_ key: CELValue, hash: UInt32, keys: [CELValue], hashes: [UInt32]) -> Int? {
        var index = 0
        let count = hashes.count
        while index < count {
            if hashes[index] == hash, keys[index].celEquals(key) { return index }
            index += 1
        }
        return nil
    }

    /// FNV-1a over UTF-8, the hash of string keys.

    static func hashString(_ string: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        var copy = string
        copy.withUTF8 { buffer in
            for byte in buffer {
                hash = (hash ^ UInt32(byte)) &* 16_777_619
            }
        }
        return hash
    }

    @inline(__always)
    static func hashInteger(_ value: UInt64) -> UInt32 {
        var x = value &+ 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        x ^= x >> 31
        return UInt32(truncatingIfNeeded: x)
    }

    /// The hash of a key; equal keys (1, 1u, 1.0) hash equally. `nil` for values that can never be keys.
    static func hash(_ key: CELValue) -> UInt32? {
        switch key {
        case .string(let s): return hashString(s)
        case .int(let i): return hashInteger(UInt64(bitPattern: i))
        case .uint(let u): return hashInteger(u)
        case .bool(let b): return b ? 0x7F4A_7C15 : 0x1CE4_E5B9
        case .double(let d):
            if d.isNaN || d.isInfinite || d.rounded(.towardZero) != d { return nil }
            if d >= -9223372036854775808.0, d < 9223372036854775808.0 {
                return hashInteger(UInt64(bitPattern: Int64(d)))
            }
            if d >= 0, d < 18446744073709551616.0 { return hashInteger(UInt64(d)) }
            return nil
        default: return nil
        }
    }
}
