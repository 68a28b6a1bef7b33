#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The HMAC keys a verifier accepts at once: during secret rotation a sender signs with the old secret or the new one,
/// and either must verify.
///
/// Verification computes one authentication code per key (the signed bytes are fed once per key, never concatenated)
/// and compares it with every candidate the sender offered, in constant time (``ConstantTime``). It stops at the
/// first match: that a request verified is not a secret, only the expected code is.
///
/// A key ring is immutable and thread-safe; build it once per set of secrets (each ``HMACKey`` pools its OpenSSL
/// contexts) and share it.
public struct HMACKeyRing: Sendable {
    /// The keys, in the order they are tried (put the current secret first: it is the one that usually matches).
    public let keys: [HMACKey]

    public init(_ keys: [HMACKey]) {
        self.keys = keys
    }

    /// Keys for `algorithm`, one per secret, in order.
    /// - Throws: `CryptoError` with `.openSSLFailure` when OpenSSL cannot set a key up.
    public init(algorithm: HMACAlgorithm, secrets: [[UInt8]]) throws {
        self.keys = try secrets.map { try HMACKey(algorithm: algorithm, key: $0) }
    }

    /// Whether one of `candidates` is the authentication code, under one of the keys, of the bytes `feed` absorbs.
    ///
    /// `feed` is called once per key and must absorb the same bytes each time. An OpenSSL failure for a key counts as
    /// that key not matching: a sender cannot tell the two apart, and a broken key must never verify anything.
    public func authenticates(anyOf candidates: [[UInt8]], _ feed: (inout HMACComputation) -> Void) -> Bool {
        guard !candidates.isEmpty else { return false }
        for key in keys {
            guard let code = try? key.authenticationCode({ feed(&$0) }) else { continue }
            for candidate in candidates where ConstantTime.isEqual(code, candidate) { return true }
        }
        return false
    }

    /// Whether `candidate` is the authentication code of `data` under one of the keys.
    public func authenticates(_ candidate: [UInt8], for data: some ContiguousBytes) -> Bool {
        authenticates(anyOf: [candidate]) { $0.update(data) }
    }
}
