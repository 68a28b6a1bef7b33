import Testing
@testable import InletCrypto

@Suite("HMACKeyRing")
struct HMACKeyRingTests {
    // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
    static let jefeCode = bytes("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    static let message = ascii("what do ya want for nothing?")

    @Test func acceptsTheCodeOfAnyKeyInTheRing() throws {
        let current = try HMACKeyRing(algorithm: .sha256, secrets: [ascii("Jefe"), ascii("next")])
        let rotatedOut = try HMACKeyRing(algorithm: .sha256, secrets: [ascii("next"), ascii("Jefe")])
        #expect(current.authenticates(Self.jefeCode, for: Self.message))
        #expect(rotatedOut.authenticates(Self.jefeCode, for: Self.message))
    }

    @Test func rejectsACodeNoKeyProduces() throws {
        let ring = try HMACKeyRing(algorithm: .sha256, secrets: [ascii("other"), ascii("another")])
        #expect(!ring.authenticates(Self.jefeCode, for: Self.message))
    }

    @Test func acceptsWhenAnyCandidateMatches() throws {
        let ring = try HMACKeyRing(algorithm: .sha256, secrets: [ascii("Jefe")])
        let wrong = [UInt8](repeating: 0, count: 32)
        #expect(ring.authenticates(anyOf: [wrong, Self.jefeCode]) { $0.update(Self.message) })
        #expect(!ring.authenticates(anyOf: [wrong, Array(Self.jefeCode.dropLast())]) { $0.update(Self.message) })
    }

    @Test func feedsPiecesAsIfConcatenated() throws {
        let ring = try HMACKeyRing(algorithm: .sha256, secrets: [ascii("Jefe")])
        #expect(ring.authenticates(anyOf: [Self.jefeCode]) { mac in
            mac.update("what do ya ")
            mac.update(ascii("want for nothing?"))
        })
    }

    @Test func neverAuthenticatesWithoutKeysOrCandidates() throws {
        #expect(!HMACKeyRing([]).authenticates(Self.jefeCode, for: Self.message))
        let ring = try HMACKeyRing(algorithm: .sha256, secrets: [ascii("Jefe")])
        #expect(!ring.authenticates(anyOf: []) { $0.update(Self.message) })
    }

    @Test func usesTheRingsAlgorithm() throws {
        // RFC 2202 test case 2: HMAC-SHA1("Jefe", "what do ya want for nothing?").
        let ring = try HMACKeyRing(algorithm: .sha1, secrets: [ascii("Jefe")])
        #expect(ring.authenticates(bytes("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"), for: Self.message))
        #expect(!ring.authenticates(Self.jefeCode, for: Self.message))
    }
}
