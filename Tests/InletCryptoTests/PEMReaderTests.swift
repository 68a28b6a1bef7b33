import Testing
@testable import InletCrypto

@Suite("PEMReader")
struct PEMReaderTests {
    static func body(_ reader: PEMReader, _ block: PEMReader.Block) throws -> [UInt8] {
        try reader.withBody(of: block) { Array($0) }
    }

    @Test("blocks come out in order with their labels, lines and decoded bodies; text between them is ignored")
    func readsBlocks() throws {
        let reader = PEMReader("""
            intro text
            -----BEGIN EC PARAMETERS-----
            BggqhkjOPQMBBw==
            -----END EC PARAMETERS-----
            between
            -----BEGIN PUBLIC KEY-----
            AAEC
            AwQF
            -----END PUBLIC KEY-----
            """)
        let blocks = try reader.blocks()
        #expect(blocks.map(\.label) == ["EC PARAMETERS", "PUBLIC KEY"])
        #expect(blocks.map(\.line) == [2, 6])
        #expect(blocks.map(\.isEncrypted) == [false, false])
        #expect(try Self.body(reader, blocks[0]) == bytes("06082a8648ce3d030107"))
        #expect(try Self.body(reader, blocks[1]) == [0, 1, 2, 3, 4, 5])
    }

    @Test("RFC 1421 headers are not body; Proc-Type ENCRYPTED marks the block")
    func readsHeaders() throws {
        let reader = PEMReader("-----BEGIN EC PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\nDEK-Info: AES-256-CBC,00\r\n\r\nAAEC\r\n-----END EC PRIVATE KEY-----\r\n")
        let block = try #require(try reader.blocks().first)
        #expect(block.isEncrypted)
        #expect(try Self.body(reader, block) == [0, 1, 2])
    }

    @Test("a BEGIN without END, an END without BEGIN, mismatched labels and empty bodies are refused", arguments: [
        ("-----BEGIN A-----\nAAEC\n", "has no END line"),
        ("-----BEGIN A-----\nAAEC\n-----BEGIN B-----\nAAEC\n-----END B-----\n", "has no END line before the next BEGIN"),
        ("AAEC\n-----END A-----\n", "never began"),
        ("-----BEGIN A-----\nAAEC\n-----END B-----\n", "ends with an END 'B' line"),
        ("-----BEGIN A-----\n\n-----END A-----\n", "is empty"),
        // An END and a BEGIN run together on one line are neither.
        ("-----BEGIN A-----\nAAEC\n-----END A----------BEGIN B-----\nAAEC\n-----END B-----\n", "block at line 1 ends with an END 'B' line"),
    ])
    func refusesMalformedFraming(text: String, expected: String) throws {
        let error = try #require(throws: CryptoError.self) { try PEMReader(text).blocks() }
        #expect(error.code == .invalidEncoding)
        #expect(error.reason.contains(expected))
    }

    @Test("a body that is not base64 is refused without quoting it", arguments: ["AA*C", "AAE", "AAEC AAEC", "AA=C"])
    func refusesBadBase64(line: String) throws {
        let reader = PEMReader("-----BEGIN SECRET-----\n\(line)\n-----END SECRET-----\n")
        let block = try #require(try reader.blocks().first)
        let error = try #require(throws: CryptoError.self) { try reader.withBody(of: block) { _ in } }
        #expect(error.code == .invalidEncoding)
        #expect(error.reason.contains("'SECRET' block at line 1 is not valid base64"))
        #expect(!error.description.contains(line))
    }

    @Test("an absurdly long label is not echoed")
    func doesNotEchoLongLabels() throws {
        let label = String(repeating: "K", count: 200)
        let error = try #require(throws: CryptoError.self) { try PEMReader("-----BEGIN \(label)-----\nAAEC\n").blocks() }
        #expect(!error.description.contains(label))
        #expect(error.reason.contains("200-character label"))
    }
}
