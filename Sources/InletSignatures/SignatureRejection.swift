/// Why a request did not verify: a stable ``Reason`` and a message for the sender.
///
/// Stages map the reason to their own vocabulary (the receiver to its `signature_*` rejection codes, the sink to a
/// 401). - Important: Messages never contain secrets, expected signatures or payload bytes.
public struct SignatureRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable reason; raw values are `snake_case` and never change meaning.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// A header the scheme needs is absent or empty.
        case signatureMissing = "signature_missing"
        /// A signature or timestamp header is present but cannot be parsed.
        case signatureMalformed = "signature_malformed"
        /// No signature matches the body under any of the keys.
        case signatureMismatch = "signature_mismatch"
        /// The signed timestamp is outside the tolerance (replay protection).
        case timestampOutOfTolerance = "timestamp_out_of_tolerance"
        /// The signed token or nonce was already seen within its window (schemes with a replay cache, e.g. Mailgun).
        case replayed = "replayed"
    }

    public var reason: Reason
    /// What went wrong and what the sender can do, for humans; may change between versions.
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}
