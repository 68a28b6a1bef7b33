import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// The hash function behind an HMAC.
public enum HMACAlgorithm: Sendable, Hashable {
    case sha1
    case sha256
    case sha512

    /// Length of the authentication code in bytes (20, 32, 64).
    public var byteCount: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha512: 64
        }
    }

    var openSSLDigestName: String {
        switch self {
        case .sha1: "SHA1"
        case .sha256: "SHA256"
        case .sha512: "SHA512"
        }
    }
}

/// An HMAC key, ready to sign or verify from any number of tasks at once.
///
/// The key is set into one OpenSSL `EVP_MAC_CTX` once (the template); each computation borrows a context from a
/// small per-key pool (duplicated from the template with `EVP_MAC_CTX_dup` when the pool is empty) and returns it
/// re-initialised, so the hot path performs no algorithm fetch and no key schedule, and concurrent signers never
/// share a context. Prefer one `HMACKey` per secret for the life of the secret.
///
/// - Important: The raw key bytes are copied into OpenSSL and not kept by Swift; OpenSSL frees its copies when the
///   key and its pooled contexts are deinitialised.
public final class HMACKey: Sendable {
    /// The hash function this key uses.
    public let algorithm: HMACAlgorithm

    /// Contexts are handed out under the lock and used outside it, by one computation at a time.
    /// `MACContext` is not Sendable; the Mutex is what makes moving it between threads safe.
    private let state: Mutex<State>

    private struct State: ~Copyable {
        /// Keyed, never used for a computation; only duplicated (under the lock).
        let template: MACContext
        /// Ready-to-use contexts (initialised with the key, no data absorbed).
        var idle: [MACContext] = []
    }

    /// Most idle contexts kept per key. More concurrent computations still work; the extra contexts are freed.
    static let maximumIdleContexts = 8

    /// Creates a key for `algorithm` from raw secret bytes (any length, including empty, as RFC 2104 allows).
    /// - Throws: `CryptoError` with `.openSSLFailure` if OpenSSL cannot set up the context.
    public init(algorithm: HMACAlgorithm, key: some ContiguousBytes) throws {
        self.algorithm = algorithm
        let mac = try FetchedAlgorithm.require(FetchedAlgorithm.hmac, "HMAC")
        guard let pointer = EVP_MAC_CTX_new(mac) else { throw CryptoError.openSSL("EVP_MAC_CTX_new") }
        let template = MACContext(pointer)
        let ok = key.withUnsafeBytes { raw in
            inlet_hmac_init(pointer, algorithm.openSSLDigestName, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        guard ok == 1 else { throw CryptoError.openSSL("HMAC init", reason: "OpenSSL could not initialise HMAC-\(algorithm.openSSLDigestName)") }
        self.state = Mutex(State(template: template))
    }

    /// Starts an incremental computation: feed it byte ranges in order, then `finalize()`.
    ///
    /// Use this to sign `"id.timestamp.body"` without concatenating the body:
    /// ```swift
    /// var mac = try key.makeComputation()
    /// mac.update(id); mac.update("."); mac.update(timestamp); mac.update("."); mac.update(body)
    /// let code = try mac.finalize()
    /// ```
    public func makeComputation() throws -> HMACComputation {
        HMACComputation(key: self, context: try checkOut())
    }

    /// The authentication code of `data`.
    public func authenticationCode(for data: some ContiguousBytes) throws -> [UInt8] {
        var computation = try makeComputation()
        computation.update(data)
        return try computation.finalize()
    }

    /// The authentication code of several byte ranges fed in order, as if concatenated.
    public func authenticationCode(_ feed: (inout HMACComputation) throws -> Void) throws -> [UInt8] {
        var computation = try makeComputation()
        try feed(&computation)
        return try computation.finalize()
    }

    /// Whether `code` is the authentication code of `data`, compared in constant time (see `ConstantTime`).
    public func isValidAuthenticationCode(_ code: some ContiguousBytes, for data: some ContiguousBytes) throws -> Bool {
        ConstantTime.isEqual(try authenticationCode(for: data), code)
    }

    // MARK: Context pool

    private func checkOut() throws -> MACContext {
        let result: MACContext? = state.withLock { state in
            if let context = state.idle.popLast() { return context }
            return EVP_MAC_CTX_dup(state.template.pointer).map(MACContext.init)
        }
        guard let result else { throw CryptoError.openSSL("EVP_MAC_CTX_dup") }
        return result
    }

    /// Re-initialises `context` outside the lock and keeps it if the pool has room; a context that cannot be
    /// re-initialised is dropped (and freed) rather than reused in an unknown state.
    fileprivate func checkIn(_ context: MACContext) {
        guard inlet_hmac_reinit(context.pointer) == 1 else {
            ERR_clear_error()
            return
        }
        state.withLock { state in
            if state.idle.count < Self.maximumIdleContexts { state.idle.append(context) }
        }
    }

    /// For tests: how many contexts sit idle in the pool.
    var idleContextCount: Int { state.withLock { $0.idle.count } }
}

/// One HMAC computation in progress. Not copyable; returns its context to the key's pool when it ends,
/// whether or not `finalize()` was called.
public struct HMACComputation: ~Copyable {
    private let key: HMACKey
    private let context: MACContext
    private var failure: CryptoError?

    fileprivate init(key: HMACKey, context: MACContext) {
        self.key = key
        self.context = context
    }

    deinit { key.checkIn(context) }

    /// For tests: the context this computation holds.
    var contextForTesting: MACContext { context }

    /// Absorbs `bytes`. A failure is remembered and thrown by `finalize()`.
    public mutating func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { update(raw: $0) }
    }

    /// Absorbs the UTF-8 bytes of `string`.
    public mutating func update(_ string: String) {
        var string = string
        string.withUTF8 { update(raw: UnsafeRawBufferPointer($0)) }
    }

    /// Absorbs the bytes of `buffer`.
    public mutating func update(raw buffer: UnsafeRawBufferPointer) {
        guard failure == nil, let base = buffer.baseAddress, buffer.count > 0 else { return }
        if EVP_MAC_update(context.pointer, base.assumingMemoryBound(to: UInt8.self), buffer.count) != 1 {
            failure = CryptoError.openSSL("EVP_MAC_update")
        }
    }

    /// The authentication code of everything absorbed.
    public consuming func finalize() throws -> [UInt8] {
        if let failure { throw failure }
        let size = key.algorithm.byteCount
        var ok: Int32 = 0
        let code = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var written = 0
            ok = EVP_MAC_final(context.pointer, buffer.baseAddress, &written, size)
            count = ok == 1 ? written : 0
        }
        guard ok == 1, code.count == size else { throw CryptoError.openSSL("EVP_MAC_final") }
        return code
    }
}
