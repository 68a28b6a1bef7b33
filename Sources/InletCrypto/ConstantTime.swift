import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Comparison whose running time does not depend on where two byte strings differ.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes.
    ///
    /// The contents are compared with OpenSSL's `CRYPTO_memcmp`, which touches every byte. The *lengths* are compared
    /// first and unequal lengths return `false` at once: the length of a MAC or signature is public, so this leak is
    /// accepted. Two empty inputs are equal.
    public static func isEqual(_ a: some ContiguousBytes, _ b: some ContiguousBytes) -> Bool {
        a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in
                guard a.count == b.count else { return false }
                guard a.count > 0 else { return true }
                return CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
            }
        }
    }
}
