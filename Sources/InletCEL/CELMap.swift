/// An insertion-ordered CEL map with CEL key semantics: keys are `int`, `uint`, `string` or `bool`, and numeric keys
/// are found by equal value across kinds (`m[1]`, `m[1u]` and `m[1.0]` find the same entry).
///
/// Look-ups scan a compact array of 32-bit key hashes, which beats hashing into a dictionary for the small maps
/// (JSON objects) CEL usually sees, and costs nothing to build while parsing JSON.
public struct CELMap: Sendable, Sequence {
    /// One entry; the hash sits next to the key so a look-up walks one array.
    struct Entry {
        var hash: UInt32
        var key: CELValue
        var value: CELValue
    }

    final class Storage: Sendable {
        let entries: [Entry]
        init(entries: [Entry]) { self.entries = entries }
    }

    let storage: Storage

    /// An empty map.
    public init() { storage = CELMap.empty }

    private static let empty = Storage(entries: [])

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

    /// Wraps entries whose keys are known to be distinct strings with correct hashes (the JSON reader).
    init(uniqueEntries entries: [Entry]) { storage = Storage(entries: entries) }

    /// Accumulates entries; used by map literals and comprehensions.
    public struct Builder {
        var entries: [Entry] = []

        public init(capacity: Int = 0) {
            entries.reserveCapacity(capacity)
        }

        /// Inserts an entry. With `replacing` false a duplicate key throws (CEL map literals reject them).
        public mutating func insert(_ key: CELValue, _ value: CELValue, replacing: Bool) throws(CELError) {
            guard let hash = CELMap.hash(key), key.kind != .double else {
                throw CELError(.evaluation, "unsupported key type: \(key.typeName)")
            }
            if let index = CELMap.find(key, hash: hash, entries: entries) {
                guard replacing else { throw CELError(.evaluation, "Failed with repeated key") }
                entries[index].value = value
                return
            }
            entries.append(Entry(hash: hash, key: key, value: value))
        }

        public func build() -> CELMap {
            CELMap(storage: Storage(entries: entries))
        }
    }

    /// The number of entries.
    public var count: Int { storage.entries.count }
    public var isEmpty: Bool { storage.entries.isEmpty }
    /// Keys in insertion order.
    public var keys: [CELValue] { storage.entries.map(\.key) }
    /// Values in insertion order.
    public var values: [CELValue] { storage.entries.map(\.value) }

    /// The value for a key with CEL key semantics, or `nil`.
    public subscript(key: CELValue) -> CELValue? {
        guard let hash = CELMap.hash(key), let index = CELMap.find(key, hash: hash, entries: storage.entries) else {
            return nil
        }
        return storage.entries[index].value
    }

    /// The value for a string key, or `nil`.
    public subscript(key: String) -> CELValue? {
        value(forString: key, hash: CELMap.hashString(key))
    }

    /// Fast path for field selection: `hash` was computed at compile time with ``hashString(_:)``.
    @inline(__always)
    func value(forString key: String, hash: UInt32) -> CELValue? {
        // Index-based so that entries are not copied (retained) while scanning hashes.
        storage.entries.withUnsafeBufferPointer { entries in
            var index = 0
            let count = entries.count
            while index < count {
                if entries[index].hash == hash, case .string(let candidate) = entries[index].key, candidate.celEquals(key) {
                    return entries[index].value
                }
                index += 1
            }
            return nil
        }
    }

    public struct Iterator: IteratorProtocol {
        let entries: [Entry]
        var index = 0
        public mutating func next() -> (CELValue, CELValue)? {
            guard index < entries.count else { return nil }
            defer { index += 1 }
            return (entries[index].key, entries[index].value)
        }
    }

    public func makeIterator() -> Iterator { Iterator(entries: storage.entries) }

    static func find(_ key: CELValue, hash: UInt32, entries: [Entry]) -> Int? {
        entries.withUnsafeBufferPointer { buffer in
            var index = 0
            let count = buffer.count
            while index < count {
                if buffer[index].hash == hash, buffer[index].key.celEquals(key) { return index }
                index += 1
            }
            return nil
        }
    }

    /// The hash of string keys: O(1) in the key length (length, first and last eight bytes), so that the JSON reader
    /// and field selection pay almost nothing for it; collisions only cost a string comparison.
    static func hashString(_ string: String) -> UInt32 {
        var copy = string
        return copy.withUTF8 { hashBytes($0) }
    }

    @inline(__always)
    static func hashBytes(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let count = bytes.count
        var a: UInt64 = 0
        var b: UInt64 = 0
        if count >= 8, let base = bytes.baseAddress {
            a = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
            b = UnsafeRawPointer(base + count - 8).loadUnaligned(as: UInt64.self)
        } else {
            for index in 0..<count { a = a << 8 | UInt64(bytes[index]) }
        }
        var x = a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ UInt64(count)) &* 0xC2B2_AE3D_27D4_EB4F
        x ^= x >> 29
        x = x &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 32
        return UInt32(truncatingIfNeeded: x)
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
