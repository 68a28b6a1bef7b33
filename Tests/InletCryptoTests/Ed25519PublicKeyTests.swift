import Testing
@testable import InletCrypto

@Suite("Ed25519PublicKey")
struct Ed25519PublicKeyTests {
    // RFC 8032 §7.1, tests 1–3 and the SHA(abc) test.
    static let rfc8032: [(publicKey: String, message: String, signature: String)] = [
        ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        ("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        ("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
        ("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
         "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
         "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"),
    ]

    @Test("RFC 8032 signatures verify", arguments: rfc8032)
    func verifiesRFC8032(_ vector: (publicKey: String, message: String, signature: String)) throws {
        let key = try Ed25519PublicKey(rawRepresentation: bytes(vector.publicKey))
        #expect(try key.isValidSignature(bytes(vector.signature), for: bytes(vector.message)))
    }

    @Test("a changed message, a changed signature or a short signature does not verify")
    func rejectsTampering() throws {
        let vector = Self.rfc8032[2]
        let key = try Ed25519PublicKey(rawRepresentation: bytes(vector.publicKey))
        var signature = bytes(vector.signature)
        #expect(try !key.isValidSignature(signature, for: bytes("af83")))
        #expect(try !key.isValidSignature(Array(signature.dropLast()), for: bytes(vector.message)))
        signature[0] ^= 0x01
        #expect(try !key.isValidSignature(signature, for: bytes(vector.message)))
    }

    @Test("a key of the wrong length is rejected with invalidKey")
    func rejectsWrongLength() {
        #expect {
            try Ed25519PublicKey(rawRepresentation: [UInt8](repeating: 1, count: 31))
        } throws: { error in
            (error as? CryptoError)?.code == .invalidKey
        }
    }

    @Test("the EVP_PKEY owner is freed with the key")
    func handleIsFreed() throws {
        weak var weakKey: Ed25519PublicKey?
        do {
            let key = try Ed25519PublicKey(rawRepresentation: bytes(Self.rfc8032[0].publicKey))
            _ = try key.isValidSignature(bytes(Self.rfc8032[0].signature), for: [UInt8]())
            weakKey = key
        }
        #expect(weakKey == nil)
    }
}
