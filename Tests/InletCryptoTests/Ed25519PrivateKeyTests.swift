import Testing
@testable import InletCrypto

@Suite("Ed25519PrivateKey")
struct Ed25519PrivateKeyTests {
    /// RFC 8032 §7.1 TEST 2 and TEST 3: seed, public key, message, signature.
    static let rfc8032: [(seed: String, publicKey: String, message: String, signature: String)] = [
        ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ]

    @Test("a seed gives RFC 8032's public key and signature", arguments: rfc8032)
    func signsRFC8032(_ vector: (seed: String, publicKey: String, message: String, signature: String)) throws {
        let key = try Ed25519PrivateKey(seed: bytes(vector.seed))
        #expect(try key.publicKeyRawRepresentation() == bytes(vector.publicKey))
        #expect(try key.signature(for: bytes(vector.message)) == bytes(vector.signature))
    }

    @Test("a generated key's signatures verify under its public key and no other")
    func generatedKeysSignAndVerify() throws {
        let key = try Ed25519PrivateKey.generate()
        let other = try Ed25519PrivateKey.generate()
        let message = ascii("msg_1.1614265330.{}")
        let signature = try key.signature(for: message)
        #expect(signature.count == Ed25519PublicKey.signatureByteCount)
        #expect(try key.publicKey().isValidSignature(signature, for: message))
        #expect(try !other.publicKey().isValidSignature(signature, for: message))
    }

    @Test("a seed of the wrong length is rejected with invalidKey")
    func rejectsWrongSeedLength() {
        #expect {
            try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 33))
        } throws: { error in
            (error as? CryptoError)?.code == .invalidKey
        }
    }

    @Test("the EVP_PKEY owner is freed with the key")
    func handleIsFreed() throws {
        weak var weakKey: Ed25519PrivateKey?
        do {
            let key = try Ed25519PrivateKey.generate()
            _ = try key.signature(for: ascii("x"))
            weakKey = key
        }
        #expect(weakKey == nil)
    }
}
