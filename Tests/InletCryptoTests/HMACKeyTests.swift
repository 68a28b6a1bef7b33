import Testing
@testable import InletCrypto

@Suite("HMACKey")
struct HMACKeyTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var key: [UInt8]
        var data: [UInt8]
        var sha256: String
        var sha512: String
        var testDescription: String { name }
    }

    // RFC 4231 §4 (test case 5, truncated output, is omitted: we never truncate).
    static let rfc4231: [Vector] = [
        Vector(name: "RFC 4231 case 1", key: [UInt8](repeating: 0x0b, count: 20), data: ascii("Hi There"),
               sha256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
               sha512: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
        Vector(name: "RFC 4231 case 2", key: ascii("Jefe"), data: ascii("what do ya want for nothing?"),
               sha256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
               sha512: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
        Vector(name: "RFC 4231 case 3", key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
               sha256: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
               sha512: "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"),
        Vector(name: "RFC 4231 case 4", key: bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"), data: [UInt8](repeating: 0xcd, count: 50),
               sha256: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
               sha512: "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"),
        Vector(name: "RFC 4231 case 6", key: [UInt8](repeating: 0xaa, count: 131), data: ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
               sha256: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
               sha512: "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"),
        Vector(name: "RFC 4231 case 7", key: [UInt8](repeating: 0xaa, count: 131),
               data: ascii("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
               sha256: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
               sha512: "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"),
    ]

    @Test("HMAC-SHA256 matches RFC 4231", arguments: rfc4231)
    func sha256MatchesRFC4231(_ vector: Vector) throws {
        let key = try HMACKey(algorithm: .sha256, key: vector.key)
        #expect(Hex.encode(try key.authenticationCode(for: vector.data)) == vector.sha256)
    }

    @Test("HMAC-SHA512 matches RFC 4231", arguments: rfc4231)
    func sha512MatchesRFC4231(_ vector: Vector) throws {
        let key = try HMACKey(algorithm: .sha512, key: vector.key)
        #expect(Hex.encode(try key.authenticationCode(for: vector.data)) == vector.sha512)
    }

    @Test("HMAC-SHA1 matches RFC 2202", arguments: [
        ([UInt8](repeating: 0x0b, count: 20), ascii("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00"),
        (ascii("Jefe"), ascii("what do ya want for nothing?"), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
        ([UInt8](repeating: 0xaa, count: 80), ascii("Test Using Larger Than Block-Size Key - Hash Key First"), "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
    ])
    func sha1MatchesRFC2202(key: [UInt8], data: [UInt8], expected: String) throws {
        let key = try HMACKey(algorithm: .sha1, key: key)
        #expect(Hex.encode(try key.authenticationCode(for: data)) == expected)
    }

    @Test("signing byte ranges in sequence equals signing their concatenation")
    func incrementalEqualsConcatenated() throws {
        let key = try HMACKey(algorithm: .sha256, key: ascii("whsec-test-secret"))
        let body = [UInt8](repeating: 0x41, count: 10_000)
        let concatenated = try key.authenticationCode(for: ascii("msg_1.1700000000.") + body)
        let incremental = try key.authenticationCode { mac in
            mac.update("msg_1")
            mac.update(".")
            mac.update("1700000000")
            mac.update(".")
            mac.update(body)
        }
        #expect(incremental == concatenated)
    }

    @Test("Standard Webhooks signature of the spec's example matches, fed in parts")
    func standardWebhooksExample() throws {
        // From the Standard Webhooks reference libraries' tests.
        let secret = try Base64.decode(String("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".dropFirst("whsec_".count)))
        let key = try HMACKey(algorithm: .sha256, key: secret)
        let code = try key.authenticationCode { mac in
            mac.update("msg_p5jXN8AQM9LWM0D4loKWxJek")
            mac.update(".")
            mac.update("1614265330")
            mac.update(".")
            mac.update(ascii(#"{"test": 2432232314}"#))
        }
        #expect("v1," + Base64.encode(code) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("a reused pooled context starts fresh for the next message")
    func pooledContextIsReinitialised() throws {
        let key = try HMACKey(algorithm: .sha256, key: ascii("Jefe"))
        let first = try key.authenticationCode(for: ascii("what do ya want for nothing?"))
        #expect(key.idleContextCount == 1)
        // A computation abandoned midway must not leak state into the next one.
        do {
            var abandoned = try key.makeComputation()
            abandoned.update(ascii("garbage"))
        }
        let second = try key.authenticationCode(for: ascii("what do ya want for nothing?"))
        #expect(first == second)
        #expect(Hex.encode(second) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("an empty key and empty message give the known HMAC-SHA256")
    func emptyKeyAndMessage() throws {
        let key = try HMACKey(algorithm: .sha256, key: [UInt8]())
        #expect(Hex.encode(try key.authenticationCode(for: [UInt8]())) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test("concurrent signers on one key all get the right code")
    func concurrentSigningIsCorrect() async throws {
        let key = try HMACKey(algorithm: .sha256, key: [UInt8](repeating: 0x0b, count: 20))
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<200 {
                group.addTask { Hex.encode(try key.authenticationCode(for: ascii("Hi There"))) }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(results.count == 200)
        #expect(Set(results) == ["b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"])
        #expect(key.idleContextCount <= HMACKey.maximumIdleContexts)
    }

    @Test("verification accepts the right code and rejects a flipped bit or a truncated code")
    func verification() throws {
        let key = try HMACKey(algorithm: .sha256, key: ascii("Jefe"))
        let data = ascii("what do ya want for nothing?")
        var code = try key.authenticationCode(for: data)
        #expect(try key.isValidAuthenticationCode(code, for: data))
        #expect(try !key.isValidAuthenticationCode(Array(code.dropLast()), for: data))
        code[31] ^= 1
        #expect(try !key.isValidAuthenticationCode(code, for: data))
    }

    @Test("the key, its template and pooled contexts are freed when the last reference goes")
    func handlesAreFreed() throws {
        weak var weakKey: HMACKey?
        weak var weakContext: MACContext?
        do {
            let key = try HMACKey(algorithm: .sha512, key: ascii("k"))
            var computation = try key.makeComputation()
            computation.update(ascii("x"))
            _ = try computation.finalize()
            weakKey = key
            weakContext = try key.makeComputationContextForTesting()
        }
        #expect(weakKey == nil)
        #expect(weakContext == nil)
    }
}

extension HMACKey {
    /// Checks out a context and returns it to the pool, handing the caller a reference to watch.
    func makeComputationContextForTesting() throws -> MACContext {
        let computation = try makeComputation()
        return computation.contextForTesting
    }
}
