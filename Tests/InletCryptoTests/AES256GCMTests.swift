import Testing
@testable import InletCrypto

@Suite("AES256GCM")
struct AES256GCMTests {
    // "The Galois/Counter Mode of Operation" (McGrew & Viega, the NIST GCM submission), test case 16.
    let key = bytes("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    let nonce = bytes("cafebabefacedbaddecaf888")
    let plaintext = bytes("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
    let aad = bytes("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    let ciphertext = bytes("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662")
    let tag = bytes("76fc6ece0f4e1768cddf8853bb2d551b")

    @Test("sealing matches GCM test case 16")
    func sealMatchesVector() throws {
        let box = try AES256GCM.seal(plaintext, using: AES256GCMKey(rawRepresentation: key), nonce: nonce, authenticating: aad)
        #expect(box.ciphertext == ciphertext)
        #expect(box.tag == tag)
    }

    @Test("opening GCM test case 16 returns the plaintext")
    func openMatchesVector() throws {
        let box = try AES256GCM.SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag)
        #expect(try AES256GCM.open(box, using: AES256GCMKey(rawRepresentation: key), authenticating: aad) == plaintext)
    }

    @Test("GCM test case 13: empty plaintext, zero key and nonce")
    func emptyPlaintextVector() throws {
        let box = try AES256GCM.seal([UInt8](), using: AES256GCMKey(rawRepresentation: [UInt8](repeating: 0, count: 32)), nonce: [UInt8](repeating: 0, count: 12))
        #expect(box.ciphertext.isEmpty)
        #expect(Hex.encode(box.tag) == "530f8afbc74536b9a963b4f1c4cb738b")
    }

    @Test("a tampered ciphertext, tag or associated data fails with authenticationFailure")
    func rejectsTampering() throws {
        let key = try AES256GCMKey.random()
        let box = try AES256GCM.seal(ascii("secret at rest"), using: key, authenticating: ascii("row-1"))
        #expect(try AES256GCM.open(AES256GCM.SealedBox(combined: box.combined), using: key, authenticating: ascii("row-1")) == ascii("secret at rest"))
        var badCiphertext = box
        badCiphertext.ciphertext[0] ^= 1
        var badTag = box
        badTag.tag[15] ^= 1
        for (candidate, aad) in [(badCiphertext, ascii("row-1")), (badTag, ascii("row-1")), (box, ascii("row-2"))] {
            #expect {
                try AES256GCM.open(candidate, using: key, authenticating: aad)
            } throws: { error in
                (error as? CryptoError)?.code == .authenticationFailure
            }
        }
        #expect(throws: CryptoError.self) { try AES256GCM.open(box, using: AES256GCMKey.random(), authenticating: ascii("row-1")) }
    }

    @Test("random nonces differ between seals")
    func randomNonces() throws {
        let key = try AES256GCMKey.random()
        let a = try AES256GCM.seal(ascii("x"), using: key)
        let b = try AES256GCM.seal(ascii("x"), using: key)
        #expect(a.nonce != b.nonce)
        #expect(a.nonce.count == 12)
    }

    @Test("wrong key or nonce sizes are rejected")
    func rejectsWrongSizes() throws {
        #expect(throws: CryptoError.self) { try AES256GCMKey(rawRepresentation: [UInt8](repeating: 0, count: 16)) }
        #expect(throws: CryptoError.self) { try AES256GCM.seal(ascii("x"), using: AES256GCMKey.random(), nonce: [0, 1, 2]) }
        #expect(throws: CryptoError.self) { try AES256GCM.SealedBox(combined: [UInt8](repeating: 0, count: 27)) }
    }

    @Test("the key's storage owner is freed with the key")
    func keyIsFreed() throws {
        weak var weakKey: AES256GCMKey?
        do {
            let key = try AES256GCMKey.random()
            _ = try AES256GCM.seal(ascii("x"), using: key)
            weakKey = key
        }
        #expect(weakKey == nil)
    }
}
