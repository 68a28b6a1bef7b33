import Testing
@testable import InletCrypto

@Suite("ECDSAP256PublicKey")
struct ECDSAP256PublicKeyTests {
    /// RFC 6979 §A.2.5: the P-256 key pair, message "sample", SHA-256; the public key as DER SubjectPublicKeyInfo
    /// and (r, s) as a DER ECDSA-Sig-Value.
    static let rfc6979PublicKey = "3059301306072a8648ce3d020106082a8648ce3d0301070342000460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
    static let rfc6979Signature = "3046022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716022100f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"
    /// A secp256k1 SubjectPublicKeyInfo: a valid EC key on the wrong curve.
    static let secp256k1PublicKey = "3056301006072a8648ce3d020106052b8104000a03420004cf4a9e55dff4be33b07e3b76da570cdf48e17172479a3e600e6c463c81e8833c1379a30bcac3226778e62a51c04ef8b11eaa8fe8dd5add72cd07b3de1d353e18"

    @Test("the RFC 6979 P-256/SHA-256 signature of 'sample' verifies")
    func verifiesRFC6979() throws {
        let key = try ECDSAP256PublicKey(derRepresentation: bytes(Self.rfc6979PublicKey))
        #expect(try key.isValidSignature(bytes(Self.rfc6979Signature), for: ascii("sample")))
    }

    @Test("a message fed in parts verifies like the concatenation")
    func verifiesConcatenatedParts() throws {
        let key = try ECDSAP256PublicKey(derRepresentation: bytes(Self.rfc6979PublicKey))
        let first = ascii("sam"), second = ascii("ple")
        let valid = try first.withUnsafeBytes { a in
            try second.withUnsafeBytes { b in try key.isValidSignature(bytes(Self.rfc6979Signature), forConcatenationOf: [a, b]) }
        }
        #expect(valid)
    }

    @Test("a changed message, a flipped signature bit, a truncated or oversized signature does not verify")
    func rejectsTampering() throws {
        let key = try ECDSAP256PublicKey(derRepresentation: bytes(Self.rfc6979PublicKey))
        let signature = bytes(Self.rfc6979Signature)
        #expect(try !key.isValidSignature(signature, for: ascii("samplf")))
        var flipped = signature
        flipped[40] ^= 0x01
        #expect(try !key.isValidSignature(flipped, for: ascii("sample")))
        #expect(try !key.isValidSignature(Array(signature.dropLast()), for: ascii("sample")))
        #expect(try !key.isValidSignature(signature + [0], for: ascii("sample")))
        #expect(try !key.isValidSignature([UInt8](), for: ascii("sample")))
        #expect(try !key.isValidSignature([UInt8](repeating: 0x30, count: 200), for: ascii("sample")))
    }

    @Test("keys that are not one P-256 SubjectPublicKeyInfo are rejected with invalidKey",
          arguments: [secp256k1PublicKey, String(rfc6979PublicKey.dropLast(2)), rfc6979PublicKey + "00", "", "3000",
                      // An Ed25519 SubjectPublicKeyInfo.
                      "302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                      // The P-256 key with its point moved off the curve (last byte of y changed).
                      String(rfc6979PublicKey.dropLast(2)) + "23"])
    func rejectsOtherKeys(der: String) {
        #expect {
            try ECDSAP256PublicKey(derRepresentation: bytes(der))
        } throws: { error in
            (error as? CryptoError)?.code == .invalidKey
        }
    }

    @Test("a generated key signs, and its exported public key verifies only its own signatures")
    func signsAndVerifiesGeneratedKeys() throws {
        let signer = try ECDSAP256PrivateKey.generate()
        let other = try ECDSAP256PrivateKey.generate()
        let message = ascii("1600112502{\"event\":\"delivered\"}")
        let signature = try signer.signature(for: message)
        #expect(signature.count <= ECDSAP256PublicKey.maximumSignatureByteCount)
        let der = try signer.publicKeyDERRepresentation()
        #expect(der.count == 91)
        #expect(try ECDSAP256PublicKey(derRepresentation: der).isValidSignature(signature, for: message))
        #expect(try !other.publicKey().isValidSignature(signature, for: message))
    }

    @Test("the EVP_PKEY owners are freed with the keys")
    func handlesAreFreed() throws {
        weak var weakPublic: ECDSAP256PublicKey?
        weak var weakPrivate: ECDSAP256PrivateKey?
        do {
            let privateKey = try ECDSAP256PrivateKey.generate()
            let publicKey = try privateKey.publicKey()
            _ = try publicKey.isValidSignature(privateKey.signature(for: ascii("x")), for: ascii("x"))
            weakPublic = publicKey
            weakPrivate = privateKey
        }
        #expect(weakPublic == nil)
        #expect(weakPrivate == nil)
    }
}
