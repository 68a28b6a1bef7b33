import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SHA-256 digests (`EVP_Digest` with a digest fetched once per process).
public enum SHA256 {
    /// Digest length in bytes.
    public static let byteCount = 32

    /// The SHA-256 digest of `data`.
    public static func hash(_ data: some ContiguousBytes) throws -> [UInt8] {
        let md = try FetchedAlgorithm.require(FetchedAlgorithm.sha256, "SHA256")
        var ok: Int32 = 0
        let digest = data.withUnsafeBytes { input in
            [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, count in
                var written: UInt32 = 0
                // EVP_Digest rejects a NULL data pointer only when count > 0; an empty input may have none.
                ok = EVP_Digest(input.baseAddress, input.count, buffer.baseAddress, &written, md, nil)
                count = ok == 1 ? Int(written) : 0
            }
        }
        guard ok == 1, digest.count == byteCount else { throw CryptoError.openSSL("EVP_Digest(SHA256)") }
        return digest
    }
}
