import Foundation
import Testing
@testable import InletDeliverer

@Suite("BodyPacker")
struct BodyPackerTests {
    /// Checks every invariant of a packing: bodies within the limit, batch bodies are JSON arrays of exactly their
    /// elements, chunks concatenate to their element, every element appears once and in order, batches are greedy.
    func checkInvariants(_ elements: [[UInt8]], _ packer: BodyPacker) throws {
        let bodies = packer.pack(elements)
        var next = 0
        var pendingChunks: [UInt8] = []
        for (position, body) in bodies.enumerated() {
            #expect(body.bytes.count <= packer.maxBodyBytes, "body \(position) has \(body.bytes.count) bytes")
            #expect(body.elements.lowerBound == next)
            if let chunk = body.chunk {
                #expect(body.elements.count == 1)
                pendingChunks += body.bytes
                if chunk.index == chunk.count {
                    #expect(pendingChunks == elements[next])
                    #expect(elements[next].count + 2 > packer.maxBodyBytes, "a chunked element must not fit a body")
                    #expect(chunk.count == (elements[next].count + packer.maxBodyBytes - 1) / packer.maxBodyBytes)
                    pendingChunks = []
                    next += 1
                }
                continue
            }
            let expected = [UInt8]("[".utf8) + Array(elements[body.elements].joined(separator: [UInt8(ascii: ",")])) + [UInt8]("]".utf8)
            #expect(body.bytes == expected)
            let parsed = try JSONSerialization.jsonObject(with: Data(body.bytes)) as? [Any]
            #expect(parsed?.count == body.elements.count)
            #expect(body.elements.count <= packer.maxElementsPerBody)
            // Greedy: the next element, if it is not chunked, would not have fit.
            if body.elements.upperBound < elements.count, position + 1 < bodies.count, bodies[position + 1].chunk == nil {
                let nextSize = elements[body.elements.upperBound].count
                #expect(body.bytes.count + 1 + nextSize > packer.maxBodyBytes || body.elements.count == packer.maxElementsPerBody)
            }
            next = body.elements.upperBound
        }
        #expect(next == elements.count)
    }

    @Test("random element sizes never exceed the limit and keep every element once, in order")
    func randomSizesRespectTheLimit() throws {
        var generator = SeededGenerator(seed: 42)
        for round in 0..<60 {
            let limit = [64, 100, 1000, 4096, BodyPacker.hardLimitBytes][round % 5]
            let packer = try BodyPacker(maxBodyBytes: limit, maxElementsPerBody: [1000, 3][round % 2])
            let count = Int.random(in: 0...40, using: &generator)
            let elements = (0..<count).map { _ in
                DelivererFixtures.element(size: Int.random(in: 8...(limit * 2), using: &generator))
            }
            try checkInvariants(elements, packer)
        }
    }

    @Test("elements that fill a body exactly to the limit share one body")
    func exactlyAtTheLimitIsOneBody() throws {
        let packer = try BodyPacker(maxBodyBytes: 1000)
        // [a,b] = 2 + 1 + a + b = 1000
        let elements = [DelivererFixtures.element(size: 500), DelivererFixtures.element(size: 497)]
        let bodies = packer.pack(elements)
        #expect(bodies.count == 1)
        #expect(bodies[0].bytes.count == 1000)
        try checkInvariants(elements, packer)
    }

    @Test("one byte over the limit starts a second body")
    func oneOverTheLimitIsTwoBodies() throws {
        let packer = try BodyPacker(maxBodyBytes: 1000)
        let elements = [DelivererFixtures.element(size: 500), DelivererFixtures.element(size: 498)]
        let bodies = packer.pack(elements)
        #expect(bodies.map(\.bytes.count) == [502, 500])
        #expect(bodies.allSatisfy { $0.chunk == nil })
    }

    @Test("a single element of limit − 2 bytes is one body of exactly the limit; limit − 1 is chunked")
    func singleElementBoundary() throws {
        let packer = try BodyPacker(maxBodyBytes: BodyPacker.hardLimitBytes)
        let fits = packer.pack([DelivererFixtures.element(size: BodyPacker.hardLimitBytes - 2)])
        #expect(fits.count == 1)
        #expect(fits[0].chunk == nil)
        #expect(fits[0].bytes.count == BodyPacker.hardLimitBytes)

        let tooBig = packer.pack([DelivererFixtures.element(size: BodyPacker.hardLimitBytes - 1)])
        #expect(tooBig.count == 1)
        #expect(tooBig[0].chunk == BodyPacker.Chunk(index: 1, count: 1))

        let limitPlusOne = DelivererFixtures.element(size: BodyPacker.hardLimitBytes + 1)
        let split = packer.pack([limitPlusOne])
        #expect(split.map(\.bytes.count) == [BodyPacker.hardLimitBytes, 1])
        #expect(split.map(\.chunk?.description) == ["1/2", "2/2"])
    }

    @Test("a 1 MB record is split into 300,000-byte pieces that concatenate to the element")
    func oneMegabyteRecordIsChunked() throws {
        let packer = try BodyPacker()
        var generator = SeededGenerator(seed: 7)
        let big = DelivererFixtures.element(size: 1_000_000, fill: UInt8.random(in: 97...122, using: &generator))
        let small = DelivererFixtures.element(size: 100)
        let bodies = packer.pack([small, big, small])
        #expect(bodies.map(\.bytes.count) == [102, 300_000, 300_000, 300_000, 100_000, 102])
        #expect(bodies[1...4].map { $0.chunk?.description } == ["1/4", "2/4", "3/4", "4/4"])
        #expect(Array(bodies[1...4].map(\.bytes).joined()) == big)
        try checkInvariants([small, big, small], packer)
    }

    @Test("the element-count cap closes a body early")
    func elementCountCap() throws {
        let packer = try BodyPacker(maxBodyBytes: 10_000, maxElementsPerBody: 2)
        let bodies = packer.pack((0..<5).map { _ in DelivererFixtures.element(size: 10) })
        #expect(bodies.map(\.elements.count) == [2, 2, 1])
    }

    @Test("limits above 300,000 bytes or below the minimum are refused")
    func limitsAreBounded() {
        #expect(throws: DelivererError.self) { try BodyPacker(maxBodyBytes: BodyPacker.hardLimitBytes + 1) }
        #expect(throws: DelivererError.self) { try BodyPacker(maxBodyBytes: 8) }
        #expect(throws: DelivererError.self) { try BodyPacker(maxElementsPerBody: 0) }
    }

    @Test("Inlet-Chunk header values parse only as i/n with 1 ≤ i ≤ n")
    func chunkHeaderParsing() {
        #expect(BodyPacker.Chunk(headerValue: "2/4") == BodyPacker.Chunk(index: 2, count: 4))
        for bad in ["0/4", "5/4", "2/", "/4", "a/b", "2-4", "2/4/1", "+1/2", ""] {
            #expect(BodyPacker.Chunk(headerValue: bad) == nil, "\(bad)")
        }
    }
}
