import Foundation
import Testing
@testable import InletCrypto

/// Importing ECDSA P-256 private keys written by the `openssl` command line (fixtures in
/// ECDSAP256PrivateKeyImportFixtures.swift, and fresh keys when `openssl` is on PATH).
@Suite("ECDSAP256PrivateKey import")
struct ECDSAP256PrivateKeyImportTests {
    typealias Keys = ECDSAP256ImportThrowawayKeys

    static let message = ascii("1600112502[{\"event\":\"delivered\",\"email\":\"someone@example.com\"}]")

    /// The base64 lines of the text's last block, joined: the test's own PEM decoding, independent of `PEMReader`.
    static func base64Body(_ pem: String) -> String {
        let lines = pem.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let begin = lines.lastIndex { $0.hasPrefix("-----BEGIN ") }!
        return lines[(begin + 1)...].prefix { !$0.hasPrefix("-----END ") }.filter { !$0.contains(":") && !$0.isEmpty }.joined()
    }

    static func der(_ pem: String) -> [UInt8] { try! Base64.decode(base64Body(pem)) }

    /// Signs `message` with `key` and checks the signature against the openssl-made public key (base64 DER), and
    /// that the key's own exported public key is that same DER.
    static func expectSignsFor(publicKey base64: String, _ key: ECDSAP256PrivateKey) throws {
        let opensslPublicKey = try ECDSAP256PublicKey(derRepresentation: Base64.decode(base64))
        let signature = try key.signature(for: message)
        #expect(try opensslPublicKey.isValidSignature(signature, for: message))
        #expect(try !opensslPublicKey.isValidSignature(signature, for: ascii("another message")))
        #expect(try Base64.encode(key.publicKeyDERRepresentation()) == base64)
    }

    /// The import's error for `pem`, which must be a `CryptoError`.
    static func importError(_ pem: String) -> CryptoError? {
        do {
            _ = try ECDSAP256PrivateKey(pemRepresentation: pem)
            return nil
        } catch {
            return error as? CryptoError
        }
    }

    // MARK: Accepted

    @Test("a PKCS#8 PEM from `openssl genpkey` signs what openssl's public key verifies")
    func importsPKCS8PEM() throws {
        try Self.expectSignsFor(publicKey: Keys.p256PKCS8PublicKey, ECDSAP256PrivateKey(pemRepresentation: Keys.p256PKCS8))
    }

    @Test("a SEC1 PEM from `openssl ec` signs what openssl's public key verifies, with or without an EC PARAMETERS block",
          arguments: [Keys.p256SEC1, Keys.p256SEC1WithParameters])
    func importsSEC1PEM(pem: String) throws {
        try Self.expectSignsFor(publicKey: Keys.p256SEC1PublicKey, ECDSAP256PrivateKey(pemRepresentation: pem))
    }

    @Test("the DER inside a PKCS#8 or SEC1 PEM imports as DER")
    func importsDER() throws {
        try Self.expectSignsFor(publicKey: Keys.p256PKCS8PublicKey, ECDSAP256PrivateKey(derRepresentation: Self.der(Keys.p256PKCS8)))
        try Self.expectSignsFor(publicKey: Keys.p256SEC1PublicKey, ECDSAP256PrivateKey(derRepresentation: Self.der(Keys.p256SEC1)))
    }

    @Test("CRLF line endings, indentation and text around the block are accepted")
    func toleratesLayout() throws {
        let crlf = Keys.p256PKCS8.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
        try Self.expectSignsFor(publicKey: Keys.p256PKCS8PublicKey, ECDSAP256PrivateKey(pemRepresentation: crlf))
        let wrapped = "Bag Attributes\n    friendlyName: sendgrid-test\nKey Attributes: <No Attributes>\n"
            + Keys.p256SEC1.split(separator: "\n").map { "  \($0)  " }.joined(separator: "\n") + "\n\ntrailing notes\n"
        try Self.expectSignsFor(publicKey: Keys.p256SEC1PublicKey, ECDSAP256PrivateKey(pemRepresentation: wrapped))
    }

    @Test("an imported key is a fresh signer: two signatures of one message differ and both verify")
    func signaturesAreRandomised() throws {
        let key = try ECDSAP256PrivateKey(pemRepresentation: Keys.p256PKCS8)
        let first = try key.signature(for: Self.message), second = try key.signature(for: Self.message)
        #expect(first != second)
        #expect(try key.publicKey().isValidSignature(first, for: Self.message))
        #expect(try key.publicKey().isValidSignature(second, for: Self.message))
    }

    // MARK: Refused

    @Test("keys on other curves are refused, naming the curve",
          arguments: [(Keys.p384PKCS8, "secp384r1"), (Keys.p384SEC1, "secp384r1"), (Keys.secp256k1SEC1, "secp256k1")])
    func refusesOtherCurves(pem: String, curve: String) throws {
        let error = try #require(Self.importError(pem))
        #expect(error.code == .invalidKey)
        #expect(error.reason.contains(curve))
        #expect(error.reason.contains("prime256v1"))
        #expect(error.reason.contains("openssl ecparam -name prime256v1"))
    }

    @Test("a P-256 key with its curve parameters spelled out is refused with how to name the curve")
    func refusesExplicitParameters() throws {
        let error = try #require(Self.importError(Keys.p256SEC1ExplicitParameters))
        #expect(error.code == .invalidKey)
        #expect(error.reason.contains("-param_enc named_curve"))
    }

    @Test("keys that are not EC keys are refused, naming their type",
          arguments: [(Keys.ed25519PKCS8, "ED25519"), (Keys.rsa512PKCS8, "RSA")])
    func refusesOtherAlgorithms(pem: String, type: String) throws {
        let error = try #require(Self.importError(pem))
        #expect(error.code == .invalidKey)
        #expect(error.reason.contains("type is \(type), not EC"))
        #expect(throws: CryptoError.self) { try ECDSAP256PrivateKey(derRepresentation: Self.der(pem)) }
    }

    @Test("encrypted keys are refused with how to decrypt them", arguments: [Keys.p256EncryptedPKCS8, Keys.p256EncryptedSEC1])
    func refusesEncryptedKeys(pem: String) throws {
        let error = try #require(Self.importError(pem))
        #expect(error.code == .invalidKey)
        #expect(error.reason.contains("encrypted"))
        #expect(error.reason.contains("openssl pkey -in"))
    }

    @Test("a public key, an RSA PRIVATE KEY block or a certificate is refused, naming the label")
    func refusesOtherBlocks() throws {
        let publicKey = "-----BEGIN PUBLIC KEY-----\n\(Keys.p256PKCS8PublicKey)\n-----END PUBLIC KEY-----\n"
        for (pem, label) in [(publicKey, "'PUBLIC KEY'"),
                             (Keys.rsa512PKCS8.replacingOccurrences(of: "PRIVATE KEY", with: "RSA PRIVATE KEY"), "'RSA PRIVATE KEY'"),
                             (Keys.p256PKCS8.replacingOccurrences(of: "PRIVATE KEY", with: "CERTIFICATE"), "'CERTIFICATE'")] {
            let error = try #require(Self.importError(pem))
            #expect(error.code == .invalidKey)
            #expect(error.reason.contains(label))
        }
    }

    @Test("a text with two private keys, or none, is refused")
    func refusesWrongBlockCounts() throws {
        let two = try #require(Self.importError(Keys.p256PKCS8 + "\n" + Keys.p256SEC1))
        #expect(two.code == .invalidKey)
        #expect(two.reason.contains("found 2 blocks"))
        let none = try #require(Self.importError("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"))
        #expect(none.code == .invalidKey)
        #expect(none.reason.contains("found no PEM block"))
    }

    @Test("garbage is refused as PEM and as DER", arguments: [
        "", "hello", "-----BEGIN PRIVATE KEY-----\nAAAA\n",                       // no END line
        "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",              // empty body
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n", // base64 of text
        "-----BEGIN PRIVATE KEY-----\nMIGH*gEAMBMG\n-----END PRIVATE KEY-----\n", // not base64
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END EC PRIVATE KEY-----\n",  // END label differs
    ])
    func refusesGarbage(pem: String) {
        #expect(throws: CryptoError.self) { try ECDSAP256PrivateKey(pemRepresentation: pem) }
        #expect(throws: CryptoError.self) { try ECDSAP256PrivateKey(derRepresentation: Array(pem.utf8)) }
    }

    @Test("truncated DER, trailing bytes, an empty or oversized buffer are refused with invalidKey")
    func refusesMalformedDER() throws {
        let der = Self.der(Keys.p256PKCS8)
        for bytes in [Array(der.dropLast()), der + [0], der + der, [], [UInt8](repeating: 0x30, count: 4096),
                      Self.der(Keys.p256SEC1).dropLast(10) + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]] {
            #expect {
                try ECDSAP256PrivateKey(derRepresentation: bytes)
            } throws: { error in
                (error as? CryptoError)?.code == .invalidKey
            }
        }
        let trailing = try #require(throws: CryptoError.self) { try ECDSAP256PrivateKey(derRepresentation: der + [0, 0]) }
        #expect(trailing.reason.contains("2 bytes follow the key"))
    }

    @Test("a SEC1 key carrying another key's public point is refused")
    func refusesMismatchedPair() throws {
        // SEC1 for P-256 ends with the 65-byte uncompressed public point; swap in the PKCS#8 fixture's point (the last
        // 65 bytes of its DER too).
        let sec1 = Self.der(Keys.p256SEC1)
        let otherPoint = Self.der(Keys.p256PKCS8).suffix(65)
        #expect(otherPoint.first == 0x04)
        let mismatched = Array(sec1.dropLast(65)) + otherPoint
        let error = try #require(throws: CryptoError.self) { try ECDSAP256PrivateKey(derRepresentation: mismatched) }
        #expect(error.code == .invalidKey)
        #expect(error.reason.contains("does not match its private scalar"))
        // The unchanged key imports: the refusal is about the swapped point, not the surgery's framing.
        _ = try ECDSAP256PrivateKey(derRepresentation: sec1)
    }

    @Test("no refusal's description contains key text, as base64 or hex")
    func errorsCarryNoKeyText() throws {
        let refused = [Keys.p256SEC1ExplicitParameters, Keys.p384PKCS8, Keys.p384SEC1, Keys.secp256k1SEC1, Keys.ed25519PKCS8, Keys.rsa512PKCS8,
                       Keys.p256EncryptedPKCS8, Keys.p256EncryptedSEC1, Keys.p256PKCS8 + Keys.p256SEC1,
                       Keys.p256PKCS8.replacingOccurrences(of: "MIGH", with: "M*GH"),
                       Keys.p256SEC1.replacingOccurrences(of: "EC PRIVATE KEY", with: "OPENSSH PRIVATE KEY")]
        for pem in refused {
            var descriptions = [try #require(Self.importError(pem)).description]
            if let der = try? Base64.decode(Self.base64Body(pem)) {
                do {
                    _ = try ECDSAP256PrivateKey(derRepresentation: der)
                } catch {
                    descriptions.append(String(describing: error))
                }
            }
            let base64 = Self.base64Body(pem).replacingOccurrences(of: "*", with: "")
            let hex = (try? Base64.decode(Self.base64Body(pem))).map { Hex.encode($0) } ?? ""
            for description in descriptions {
                for window in Self.windows(of: base64, length: 12) + Self.windows(of: hex, length: 12) {
                    #expect(!description.lowercased().contains(window.lowercased()), "\(description)")
                }
            }
        }
    }

    static func windows(of text: String, length: Int) -> [String] {
        let characters = Array(text)
        guard characters.count >= length else { return [] }
        return (0...(characters.count - length)).map { String(characters[$0..<($0 + length)]) }
    }

    @Test("the OpenSSL key behind an imported key is freed with it")
    func handleIsFreed() throws {
        weak var weakKey: ECDSAP256PrivateKey?
        do {
            let key = try ECDSAP256PrivateKey(pemRepresentation: Keys.p256SEC1)
            _ = try key.signature(for: Self.message)
            weakKey = key
        }
        #expect(weakKey == nil)
    }

    // MARK: Against the openssl command line

    /// `openssl` on PATH, if any.
    static let openssl: URL? = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .map { URL(fileURLWithPath: String($0)).appendingPathComponent("openssl") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    /// Runs openssl with `arguments` in `directory`; returns its exit status.
    @discardableResult
    static func run(_ arguments: [String], in directory: URL) throws -> Int32 {
        let process = Process()
        process.executableURL = openssl
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("fresh openssl keys, PKCS#8 and SEC1, sign what `openssl dgst -verify` accepts", .enabled(if: openssl != nil))
    func interoperatesWithOpenSSL() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-ecdsa-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try Self.run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "pkcs8.pem"], in: directory) == 0)
        #expect(try Self.run(["ec", "-in", "pkcs8.pem", "-out", "sec1.pem"], in: directory) == 0)
        #expect(try Self.run(["pkey", "-in", "pkcs8.pem", "-pubout", "-out", "public.pem"], in: directory) == 0)
        #expect(try Self.run(["pkey", "-in", "pkcs8.pem", "-pubout", "-outform", "DER", "-out", "public.der"], in: directory) == 0)
        try Data(Self.message).write(to: directory.appendingPathComponent("message"))
        let publicKeyDER = try [UInt8](Data(contentsOf: directory.appendingPathComponent("public.der")))

        for file in ["pkcs8.pem", "sec1.pem"] {
            let pem = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            #expect(pem.hasPrefix(file == "pkcs8.pem" ? "-----BEGIN PRIVATE KEY-----" : "-----BEGIN EC PRIVATE KEY-----"))
            let key = try ECDSAP256PrivateKey(pemRepresentation: pem)
            #expect(try key.publicKeyDERRepresentation() == publicKeyDER)
            let signature = try key.signature(for: Self.message)
            #expect(try ECDSAP256PublicKey(derRepresentation: publicKeyDER).isValidSignature(signature, for: Self.message))
            try Data(signature).write(to: directory.appendingPathComponent("signature"))
            #expect(try Self.run(["dgst", "-sha256", "-verify", "public.pem", "-signature", "signature", "message"], in: directory) == 0)
            // And openssl refuses it for another message: the check above can fail.
            try Data(ascii("another message")).write(to: directory.appendingPathComponent("other"))
            #expect(try Self.run(["dgst", "-sha256", "-verify", "public.pem", "-signature", "signature", "other"], in: directory) == 1)
        }
    }
}
