/// Packs elements (one per record, in order) into request bodies of at most ``maxBodyBytes`` bytes.
///
/// A batch body is the JSON array `[e1,e2,…]`: 2 bytes of brackets plus the elements plus one comma between each
/// two, counted exactly. Elements are taken greedily in order; a body is closed when the next element would push it
/// over the limit or when it holds ``maxElementsPerBody`` elements.
///
/// An element that cannot fit in a body on its own (`element + 2 > maxBodyBytes`) is not wrapped in an array: its
/// bytes are cut into `n = ⌈element / maxBodyBytes⌉` pieces of at most `maxBodyBytes` bytes, each sent as its own
/// request with `Inlet-Chunk: i/n`; concatenating pieces 1…n gives back the element (see ``ChunkReassembler``).
///
/// Pure and deterministic: the same elements and limits always give the same bodies.
public struct BodyPacker: Sendable {
    /// The largest body the deliverer ever sends; configuration can lower it, never raise it.
    public static let hardLimitBytes = 300_000
    /// The smallest configurable limit (small limits are for tests; every limit still works).
    public static let minimumLimitBytes = 16

    public let maxBodyBytes: Int
    public let maxElementsPerBody: Int

    /// - Throws: ``DelivererError`` `.invalidConfiguration` unless `maxBodyBytes` is in
    ///   ``minimumLimitBytes``...``hardLimitBytes`` and `maxElementsPerBody` is at least 1.
    public init(maxBodyBytes: Int = BodyPacker.hardLimitBytes, maxElementsPerBody: Int = 1000) throws(DelivererError) {
        guard (Self.minimumLimitBytes...Self.hardLimitBytes).contains(maxBodyBytes) else {
            throw DelivererError(.invalidConfiguration, "the body limit \(maxBodyBytes) must be in \(Self.minimumLimitBytes)...\(Self.hardLimitBytes) bytes")
        }
        guard maxElementsPerBody >= 1 else {
            throw DelivererError(.invalidConfiguration, "at most \(maxElementsPerBody) records per body: must be at least 1")
        }
        self.maxBodyBytes = maxBodyBytes
        self.maxElementsPerBody = maxElementsPerBody
    }

    /// Which part of a split element a chunk request carries.
    public struct Chunk: Sendable, Hashable, CustomStringConvertible {
        /// 1-based.
        public var index: Int
        public var count: Int

        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }

        /// The `Inlet-Chunk` header value, `i/n`.
        public var description: String { "\(index)/\(count)" }

        /// Parses an `Inlet-Chunk` header value; nil unless it is `i/n` with `1 <= i <= n`.
        public init?(headerValue: String) {
            let parts = headerValue.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
                  let index = Int(parts[0]), let count = Int(parts[1]), index >= 1, index <= count
            else { return nil }
            self.init(index: index, count: count)
        }
    }

    /// One request body.
    public struct Body: Sendable {
        /// Indices of the packed elements it carries (one for a chunk).
        public var elements: Range<Int>
        /// Set when the body is one piece of a split element.
        public var chunk: Chunk?
        public var bytes: [UInt8]
    }

    /// The bodies for `elements`, in order. Every element is in exactly one batch body or in the chunks of one split.
    public func pack(_ elements: [[UInt8]]) -> [Body] {
        var bodies: [Body] = []
        var start = 0
        var size = 2  // "[" and "]"
        var index = 0

        func closeBatch(upTo end: Int) {
            guard end > start else { return }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(size)
            bytes.append(UInt8(ascii: "["))
            for position in start..<end {
                if position > start { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: elements[position])
            }
            bytes.append(UInt8(ascii: "]"))
            bodies.append(Body(elements: start..<end, chunk: nil, bytes: bytes))
        }

        while index < elements.count {
            let element = elements[index]
            if element.count + 2 > maxBodyBytes {
                closeBatch(upTo: index)
                bodies.append(contentsOf: split(element, at: index))
                index += 1
                start = index
                size = 2
                continue
            }
            let added = element.count + (index > start ? 1 : 0)
            if size + added > maxBodyBytes || index - start == maxElementsPerBody {
                closeBatch(upTo: index)
                start = index
                size = 2 + element.count
            } else {
                size += added
            }
            index += 1
        }
        closeBatch(upTo: elements.count)
        return bodies
    }

    private func split(_ element: [UInt8], at index: Int) -> [Body] {
        let count = (element.count + maxBodyBytes - 1) / maxBodyBytes
        return (0..<count).map { piece in
            let lower = piece * maxBodyBytes
            let upper = min(element.count, lower + maxBodyBytes)
            return Body(elements: index..<index + 1, chunk: Chunk(index: piece + 1, count: count),
                        bytes: Array(element[lower..<upper]))
        }
    }
}
