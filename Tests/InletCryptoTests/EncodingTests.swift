import Testing
@testable import InletCrypto

@Suite("Base64")
struct Base64Tests {
    // RFC 4648 §10.
    static let rfc4648: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test("encoding matches RFC 4648 §10", arguments: rfc4648)
    func encodesRFC4648(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(ascii(plain)) == encoded)
    }

    @Test("decoding inverts RFC 4648 §10, padded and unpadded", arguments: rfc4648)
    func decodesRFC4648(_ plain: String, _ encoded: String) throws {
        #expect(try Base64.decode(encoded) == ascii(plain))
        let unpadded = String(encoded.prefix { $0 != "=" })
        #expect(try Base64.decode(unpadded) == ascii(plain))
    }

    @Test("base64url uses - and _ and omits padding by default")
    func urlAlphabet() throws {
        let data: [UInt8] = [0xfb, 0xff, 0xbf, 0xfe]
        #expect(Base64.encode(data) == "+/+//g==")
        #expect(Base64.encode(data, alphabet: .url) == "-_-__g")
        #expect(try Base64.decode("-_-__g", alphabet: .url) == data)
        #expect(throws: CryptoError.self) { try Base64.decode("-_-__g", alphabet: .standard) }
        #expect(throws: CryptoError.self) { try Base64.decode("+/+//g==", alphabet: .url) }
    }

    @Test("every byte value and length round-trips in both alphabets")
    func roundTrip() throws {
        let all = (0...255).map(UInt8.init)
        for length in [0, 1, 2, 3, 4, 5, 63, 64, 65, 256] {
            let data = Array((all + all).prefix(length))
            for alphabet in [Base64.Alphabet.standard, .url] {
                #expect(try Base64.decode(Base64.encode(data, alphabet: alphabet), alphabet: alphabet) == data)
            }
        }
    }

    @Test("malformed input is rejected with invalidEncoding", arguments: [
        "Zg=", "Zg===", "Z", "Zm9v=", "Zm9vY", "Zm 9v", "Zm9v\n", "Z=g=", "Zh==", "Zm9=", "Zm9v!A==", "====",
    ])
    func rejectsMalformed(_ input: String) {
        #expect {
            try Base64.decode(input)
        } throws: { error in
            (error as? CryptoError)?.code == .invalidEncoding
        }
    }

    @Test("padding policy: required rejects unpadded, forbidden rejects padded")
    func paddingPolicy() throws {
        #expect(throws: CryptoError.self) { try Base64.decode("Zg", padding: .required) }
        #expect(throws: CryptoError.self) { try Base64.decode("Zg==", padding: .forbidden) }
        #expect(try Base64.decode("Zg==", padding: .required) == ascii("f"))
        #expect(try Base64.decode("Zg", padding: .forbidden) == ascii("f"))
    }

    @Test("the error names the offset, not the input")
    func errorDoesNotEchoInput() {
        do {
            _ = try Base64.decode("c2VjcmV0$Zm9vAAA")
            Issue.record("expected an error")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("offset 8"))
            #expect(!text.contains("c2VjcmV0"))
        }
    }
}

@Suite("Hex")
struct HexTests {
    @Test("encodes lowercase and decodes either case")
    func roundTrip() throws {
        #expect(Hex.encode([0x00, 0x01, 0xab, 0xff]) == "0001abff")
        #expect(try Hex.decode("0001ABff") == [0x00, 0x01, 0xab, 0xff])
        #expect(try Hex.decode("") == [])
        let all = (0...255).map(UInt8.init)
        #expect(try Hex.decode(Hex.encode(all)) == all)
    }

    @Test("odd length and non-hex digits are rejected", arguments: ["0", "abc", "0g", "zz", " 00", "0x00"])
    func rejectsMalformed(_ input: String) {
        #expect(throws: CryptoError.self) { try Hex.decode(input) }
    }
}

@Suite("ConstantTime")
struct ConstantTimeTests {
    @Test("equal bytes compare equal, any difference or length mismatch does not")
    func comparison() {
        let a: [UInt8] = [1, 2, 3, 4]
        #expect(ConstantTime.isEqual(a, [1, 2, 3, 4] as [UInt8]))
        #expect(!ConstantTime.isEqual(a, [1, 2, 3, 5] as [UInt8]))
        #expect(!ConstantTime.isEqual(a, [0, 2, 3, 4] as [UInt8]))
        #expect(!ConstantTime.isEqual(a, [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.isEqual(a, [1, 2, 3, 4, 0] as [UInt8]))
        #expect(ConstantTime.isEqual([UInt8](), [UInt8]()))
        #expect(!ConstantTime.isEqual([UInt8](), [0] as [UInt8]))
    }
}

@Suite("SHA256")
struct SHA256Tests {
    @Test("digests match FIPS 180-2 examples")
    func knownDigests() throws {
        #expect(Hex.encode(try SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(try SHA256.hash(ascii("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(try SHA256.hash(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}

@Suite("SecureRandom")
struct SecureRandomTests {
    @Test("returns the requested count and does not repeat")
    func randomBytes() throws {
        let a = try SecureRandom.bytes(count: 32)
        let b = try SecureRandom.bytes(count: 32)
        #expect(a.count == 32)
        #expect(a != b)
        #expect(try SecureRandom.bytes(count: 0).isEmpty)
    }
}
