import InletCrypto
import Synchronization

/// Verifies Mailgun webhooks: the JSON body carries `"signature": {"timestamp", "token", "signature"}`, where
/// `signature` is the hex HMAC-SHA256 of `timestamp ‖ token` keyed by the domain's HTTP webhook signing key (UTF-8).
/// Docs: https://documentation.mailgun.com/docs/mailgun/user-manual/tracking-messages/#securing-webhooks
///
/// As Mailgun recommends, the timestamp must be recent and each token is accepted once: tokens of authentic requests
/// are remembered until their timestamp leaves the tolerance window (after which the timestamp check refuses them
/// anyway), and a second request with the same token is ``SignatureRejection/Reason/replayed``. The memory is
/// bounded by ``Options/replayCacheCapacity``; when it is full the oldest token is forgotten first.
/// Copies of a verifier share one cache; a new verifier starts with an empty one.
public struct MailgunVerifier: WebhookVerifier {
    /// How deliveries are checked beyond the keys.
    public struct Options: Sendable {
        /// Largest accepted difference between the signed timestamp and the receiver's clock, either way; also how
        /// long tokens are remembered. Default: 300 seconds.
        public var toleranceSeconds: Int64
        /// Most tokens remembered at once (about 100 bytes each). Default: 100,000, enough for 330 deliveries a
        /// second sustained over a 5-minute window.
        public var replayCacheCapacity: Int
        /// Largest body parsed. Default: 1 MiB.
        public var maximumBodyBytes: Int
        /// Deepest nesting of arrays and objects accepted. Default: 32.
        public var maximumDepth: Int

        public init(toleranceSeconds: Int64 = 300, replayCacheCapacity: Int = 100_000, maximumBodyBytes: Int = 1 << 20, maximumDepth: Int = 32) {
            self.toleranceSeconds = toleranceSeconds
            self.replayCacheCapacity = replayCacheCapacity
            self.maximumBodyBytes = maximumBodyBytes
            self.maximumDepth = maximumDepth
        }
    }

    /// Mailgun's tokens are 50 characters; anything much longer is refused rather than remembered.
    static let maximumTokenLength = 256

    private let keys: [HMACKey]
    private let options: Options
    private let parser: BoundedJSONParser
    private let replayCache: MailgunReplayCache

    /// - Parameter signingKeys: the domain's HTTP webhook signing keys, several during rotation (any may match).
    /// - Throws: ``SignatureError`` `.invalidSecret` when there is none, one is empty, or an option is not
    ///   positive; `.cryptoFailure`.
    public init(signingKeys: [String], options: Options = Options()) throws(SignatureError) {
        guard !signingKeys.isEmpty, signingKeys.allSatisfy({ !$0.isEmpty }) else {
            throw SignatureError(.invalidSecret, "a Mailgun integration needs at least one non-empty HTTP webhook signing key (Mailgun → Sending → Webhooks)")
        }
        guard options.toleranceSeconds > 0, options.replayCacheCapacity > 0, options.maximumBodyBytes > 0, options.maximumDepth > 0 else {
            throw SignatureError(.invalidSecret, "Mailgun options must be positive: toleranceSeconds, replayCacheCapacity, maximumBodyBytes, maximumDepth")
        }
        self.keys = try signingKeys.map { key throws(SignatureError) in try HMACKey.signing(.sha256, key: Array(key.utf8)) }
        self.options = options
        self.parser = BoundedJSONParser(maximumBytes: options.maximumBodyBytes, maximumDepth: options.maximumDepth)
        self.replayCache = MailgunReplayCache(capacity: options.replayCacheCapacity)
    }

    /// The hex `signature` Mailgun puts beside `timestamp` and `token` (for tests and tools that imitate Mailgun).
    public static func signature(timestamp: String, token: String, signingKey: String) throws(SignatureError) -> String {
        let key = try HMACKey.signing(.sha256, key: Array(signingKey.utf8))
        return Hex.encode(try authenticationCode(timestamp: timestamp, token: token, key: key))
    }

    private static func authenticationCode(timestamp: String, token: String, key: HMACKey) throws(SignatureError) -> [UInt8] {
        do {
            return try key.authenticationCode { mac in
                mac.update(timestamp)
                mac.update(token)
            }
        } catch {
            throw SignatureError(.cryptoFailure, "HMAC-SHA256 failed", underlying: error)
        }
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        let document: BoundedJSONValue
        do {
            document = try parser.parse(request.body)
        } catch {
            return SignatureRejection(.signatureMalformed, "a Mailgun webhook body must be a JSON object with a 'signature' object; \(error.description)")
        }
        guard let block = document["signature"], case .object = block else {
            return SignatureRejection(.signatureMissing, "the body has no 'signature' object; Mailgun webhooks carry {\"signature\": {\"timestamp\", \"token\", \"signature\"}}")
        }
        guard let timestampText = Self.text(block["timestamp"]), let token = block["token"]?.stringValue,
              let signatureText = block["signature"]?.stringValue
        else {
            return SignatureRejection(.signatureMissing, "the body's 'signature' object must have string fields 'timestamp', 'token' and 'signature'")
        }
        guard let seconds = SignedUnixTimestamp.parse(timestampText) else {
            return SignatureRejection(.signatureMalformed, "signature.timestamp in the body must be Unix time in whole seconds")
        }
        guard !token.isEmpty, token.utf8.count <= Self.maximumTokenLength else {
            return SignatureRejection(.signatureMalformed, "signature.token in the body must be 1 to \(Self.maximumTokenLength) characters")
        }
        guard signatureText.utf8.count == 2 * HMACAlgorithm.sha256.byteCount, let signature = try? Hex.decode(signatureText) else {
            return SignatureRejection(.signatureMalformed, "signature.signature in the body must be 64 hex digits (HMAC-SHA256)")
        }
        if let stale = SignedUnixTimestamp.check(seconds, now: request.now, toleranceSeconds: options.toleranceSeconds, header: "signature.timestamp in the body") {
            return stale
        }
        var authentic = false
        for key in keys {
            // An OpenSSL failure cannot be told from a mismatch by the sender; it is counted as one.
            guard let expected = try? Self.authenticationCode(timestamp: timestampText, token: token, key: key) else { continue }
            if ConstantTime.isEqual(expected, signature) { authentic = true }
        }
        guard authentic else {
            return SignatureRejection(.signatureMismatch, "signature.signature does not match signature.timestamp and signature.token under any of the integration's Mailgun signing keys")
        }
        // Only authentic tokens are remembered, so forged requests cannot fill the cache.
        guard replayCache.admit(token, expiresAt: seconds + options.toleranceSeconds, now: request.now) else {
            return SignatureRejection(.replayed, "signature.token was already used by an earlier request within the last \(options.toleranceSeconds) seconds; Mailgun never reuses a token")
        }
        return nil
    }

    /// A timestamp Mailgun writes as a string; a bare JSON integer is accepted too.
    private static func text(_ value: BoundedJSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case .number(let text)?: text
        default: nil
        }
    }
}

/// The tokens of authentic Mailgun requests, each until its expiry: thread-safe, bounded.
final class MailgunReplayCache: Sendable {
    private let state: Mutex<MailgunTokenLedger>

    init(capacity: Int) {
        state = Mutex(MailgunTokenLedger(capacity: capacity))
    }

    /// Remembers `token` until `expiresAt` and returns true, or returns false when it is already remembered.
    func admit(_ token: String, expiresAt: Int64, now: Int64) -> Bool {
        state.withLock { $0.admit(token, expiresAt: expiresAt, now: now) }
    }

    /// For tests: how many tokens are remembered.
    var count: Int { state.withLock { $0.count } }
}

/// The replay cache's state: tokens with their expiry, and their insertion order for pruning and eviction.
/// No I/O and no locking; ``MailgunReplayCache`` holds it behind a `Mutex`.
struct MailgunTokenLedger: Sendable {
    let capacity: Int
    private var expiries: [String: Int64] = [:]
    /// Insertion order; entries whose token was since forgotten or re-admitted are skipped when reached.
    private var order: [(token: String, expiresAt: Int64)] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { expiries.count }

    mutating func admit(_ token: String, expiresAt: Int64, now: Int64) -> Bool {
        pruneExpired(now: now)
        if let expiry = expiries[token], expiry >= now { return false }
        while expiries.count >= capacity { evictOldest() }
        expiries[token] = expiresAt
        order.append((token, expiresAt))
        return true
    }

    /// Forgets tokens from the front of the insertion order while they have expired. Expiries follow arrival
    /// order closely (timestamps are within the tolerance of the clock), so this removes nearly all of them.
    private mutating func pruneExpired(now: Int64) {
        while head < order.count, order[head].expiresAt < now {
            forget(order[head])
            head += 1
        }
        compact()
    }

    private mutating func evictOldest() {
        while head < order.count {
            let entry = order[head]
            head += 1
            if forget(entry) { break }
        }
        compact()
    }

    /// Removes `entry`'s token when the map still holds this very entry; returns whether it did.
    @discardableResult
    private mutating func forget(_ entry: (token: String, expiresAt: Int64)) -> Bool {
        guard expiries[entry.token] == entry.expiresAt else { return false }
        expiries[entry.token] = nil
        return true
    }

    /// Drops consumed entries once they are the larger half, so `order` stays within twice the live entries.
    private mutating func compact() {
        if head > 64, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
