import Testing
@testable import InletDeliverer

@Suite("ChunkReassembler")
struct ChunkReassemblerTests {
    let packer = try! BodyPacker(maxBodyBytes: 100)

    func pieces(_ element: [UInt8]) -> [BodyPacker.Body] { packer.pack([element]) }

    @Test("pieces in order give back the element once")
    func inOrder() throws {
        let element = DelivererFixtures.element(size: 350)
        var reassembler = ChunkReassembler()
        var outcomes: [ChunkReassembler.Outcome] = []
        for piece in pieces(element) {
            outcomes.append(try reassembler.accept(batchID: "b1", chunk: piece.chunk!, body: piece.bytes))
        }
        #expect(outcomes.dropLast() == [.incomplete(received: 1, count: 4), .incomplete(received: 2, count: 4), .incomplete(received: 3, count: 4)])
        #expect(outcomes.last == .complete(element))
        #expect(reassembler.pendingCount == 0)
    }

    @Test("pieces out of order and repeated still complete exactly once; late repeats are duplicates")
    func outOfOrderAndRepeated() throws {
        let element = DelivererFixtures.element(size: 250)
        let parts = pieces(element)
        var reassembler = ChunkReassembler()
        var completions = 0
        for index in [2, 0, 2, 1, 0] {
            let outcome = try reassembler.accept(batchID: "b2", chunk: parts[index].chunk!, body: parts[index].bytes)
            if case .complete(let bytes) = outcome {
                completions += 1
                #expect(bytes == element)
            }
        }
        #expect(completions == 1)
        #expect(try reassembler.accept(batchID: "b2", chunk: parts[0].chunk!, body: parts[0].bytes) == .duplicateOfCompleted)
    }

    @Test("a piece that disagrees about the count or repeats with other bytes is refused")
    func inconsistentPiecesAreRefused() throws {
        var reassembler = ChunkReassembler()
        _ = try reassembler.accept(batchID: "b3", chunk: .init(index: 1, count: 3), body: [1, 2])
        #expect(throws: DelivererError.self) {
            try reassembler.accept(batchID: "b3", chunk: .init(index: 2, count: 4), body: [3])
        }
        _ = try reassembler.accept(batchID: "b4", chunk: .init(index: 1, count: 2), body: [1, 2])
        #expect(throws: DelivererError.self) {
            try reassembler.accept(batchID: "b4", chunk: .init(index: 1, count: 2), body: [9, 9])
        }
        #expect(throws: DelivererError.self) {
            try reassembler.accept(batchID: "b5", chunk: .init(index: 3, count: 2), body: [1])
        }
    }

    @Test("assemblies beyond the size cap are refused and the pending count is bounded")
    func limits() throws {
        var reassembler = ChunkReassembler(maxElementBytes: 10, maxPendingAssemblies: 2)
        _ = try reassembler.accept(batchID: "big", chunk: .init(index: 1, count: 2), body: Array(repeating: 1, count: 8))
        #expect(throws: DelivererError.self) {
            try reassembler.accept(batchID: "big", chunk: .init(index: 2, count: 2), body: Array(repeating: 1, count: 8))
        }
        for id in ["a", "b", "c", "d"] {
            _ = try reassembler.accept(batchID: id, chunk: .init(index: 1, count: 2), body: [1])
        }
        #expect(reassembler.pendingCount == 2)
    }
}
