/// An insertion-ordered CEL map with CEL key semantics: keys are `int`, `uint`, `string` or `bool`, and numeric keys
/// are found by equal value across kinds (`m[1]`, `m[1u]` and `m[1.0]` find the same entry).
///
/// Look-ups scan a compact array of 32-bit key hashes, which beats hashing into a dictionary for the small maps
/// (JSON objects) CEL usually sees, and costs nothing to build while parsing JSON.
///
/// `@unchecked Sendable`: the entries live in a `ManagedBuffer` subclass, which the standard library declares
/// non-`Sendable`; a map's storage is never written once the map exists (builders copy a storage they share), so
/// maps are safe to share between threads.
public struct CELMap: @unchecked Sendable, Sequence {
    /// One entry; the hash sits next to the key so a look-up walks one array.
    struct Entry {
        var hash: UInt32
        var key: CELValue
        var value: CELValue
    }

    /// The entries, allocated in one block after their count: one allocation per map, and no array to look up
    /// generic metadata for.
    ///
    /// Entries are only written while the map is built, by its one owner; once a `CELMap` wraps the storage it is
    /// never written again.
    final class Storage: ManagedBuffer<Int, Entry> {
        /// Room for `capacity` entries, none yet.
        static func make(capacity: Int) -> Storage {
            unsafeDowncast(Storage.create(minimumCapacity: capacity) { _ in 0 }, to: Storage.self)
        }

        /// Moves `count` entries from `source` (left uninitialised) into a new storage.
        static func make(moving source: UnsafeMutablePointer<Entry>, count: Int) -> Storage {
            let storage = make(capacity: count)
            storage.withUnsafeMutablePointers { header, entries in
                entries.moveInitialize(from: source, count: count)
                header.pointee = count
            }
            return storage
        }

        deinit {
            _ = withUnsafeMutablePointers { header, entries in entries.deinitialize(count: header.pointee) }
        }

        /// Appends while building; the storage was made with room for it.
        @inline(__always)
        func append(_ entry: Entry) {
            withUnsafeMutablePointers { header, entries in
                (entries + header.pointee).initialize(to: entry)
                header.pointee += 1
            }
        }

        @inline(__always)
        var count: Int { withUnsafeMutablePointerToHeader { $0.pointee } }

        /// Reads the entries in place; the buffer is valid only inside `body`.
        @inline(__always)
        func withEntries<R>(_ body: (UnsafeBufferPointer<Entry>) -> R) -> R {
            withUnsafeMutablePointers { header, entries in body(UnsafeBufferPointer(start: entries, count: header.pointee)) }
        }
    }

    let storage: Storage

    /// An empty map.
    public init() { self = CELMap.empty }

    private static let empty = CELMap(storage: .make(capacity: 0))

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

    /// Wraps entries whose keys are known to be distinct with correct hashes (the JSON reader).
    init(uniqueEntries entries: [Entry]) {
        let storage = Storage.make(capacity: entries.count)
        for entry in entries { storage.append(entry) }
        self.storage = storage
    }

    /// One entry by position (insertion order).
    @inline(__always)
    func entry(at index: Int) -> Entry { storage.withEntries { $0[index] } }

    /// Accumulates entries; used by map literals and comprehensions.
    ///
    /// Entries go straight into a map storage, so ``build()`` costs nothing; inserting after a `build()` copies the
    /// storage first (the built map never changes).
    public struct Builder {
        var storage: Storage
        var capacity: Int

        public init(capacity: Int = 0) {
            self.capacity = Swift.max(capacity, 4)
            storage = .make(capacity: self.capacity)
        }

        /// Inserts an entry. With `replacing` false a duplicate key throws (CEL map literals reject them).
        public mutating func insert(_ key: CELValue, _ value: CELValue, replacing: Bool) throws(CELError) {
            guard let hash = CELMap.hash(key), key.kind != .double else {
                throw CELError(.evaluation, "unsupported key type: \(key.typeName)")
            }
            if let index = storage.withEntries({ CELMap.find(key, hash: hash, entries: $0) }) {
                guard replacing else { throw CELError(.evaluation, "Failed with repeated key") }
                reserve(0)
                storage.withUnsafeMutablePointerToElements { $0[index].value = value }
                return
            }
            reserve(1)
            storage.append(Entry(hash: hash, key: key, value: value))
        }

        /// Makes the storage this builder's own, with room for `extra` more entries.
        private mutating func reserve(_ extra: Int) {
            let count = storage.count
            let unique = isKnownUniquelyReferenced(&storage)
            guard !unique || count + extra > capacity else { return }
            if count + extra > capacity { capacity = Swift.max(capacity * 2, count + extra) }
            let copy = Storage.make(capacity: capacity)
            storage.withEntries { entries in for entry in entries { copy.append(entry) } }
            storage = copy
        }

        public func build() -> CELMap {
            CELMap(storage: storage)
        }
    }

    /// The number of entries.
    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }
    /// Keys in insertion order.
    public var keys: [CELValue] { storage.withEntries { $0.map(\.key) } }
    /// Values in insertion order.
    public var values: [CELValue] { storage.withEntries { $0.map(\.value) } }

    /// The value for a key with CEL key semantics, or `nil`.
    public subscript(key: CELValue) -> CELValue? {
        guard let hash = CELMap.hash(key) else { return nil }
        return storage.withEntries { entries in
            CELMap.find(key, hash: hash, entries: entries).map { entries[$0].value }
        }
    }

    /// The value for a string key, or `nil`.
    public subscript(key: String) -> CELValue? {
        value(forString: key, hash: CELMap.hashString(key))
    }

    /// Fast path for field selection: `hash` was computed at compile time with ``hashString(_:)``.
    @inline(__always)
    func value(forString key: String, hash: UInt32) -> CELValue? {
        // Index-based so that entries are not copied (retained) while scanning hashes.
        storage.withEntries { entries in
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
        let map: CELMap
        var index = 0
        public mutating func next() -> (CELValue, CELValue)? {
            guard index < map.count else { return nil }
            defer { index += 1 }
            let entry = map.entry(at: index)
            return (entry.key, entry.value)
        }
    }

    public func makeIterator() -> Iterator { Iterator(map: self) }

    static func find(_ key: CELValue, hash: UInt32, entries: UnsafeBufferPointer<Entry>) -> Int? {
        var index = 0
        let count = entries.count
        while index < count {
            if entries[index].hash == hash, entries[index].key.celEquals(key) { return index }
            index += 1
        }
        return nil
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
