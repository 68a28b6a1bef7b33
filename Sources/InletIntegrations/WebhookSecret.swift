import InletCrypto

/// A webhook secret in plain text, as the provider or the integrations file writes it (`whsec_…` for Standard
/// Webhooks, any string for GitHub).
///
/// Its `description`, `debugDescription` and mirror are redacted, so printing, logging, `dump` or string
/// interpolation of the value (or of anything holding it) never shows it. Read ``value`` only to hand it to a
/// verifier.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Longest secret accepted, bytes: far above any provider's secret or PEM public key.
    public static let maximumByteCount = 8192

    /// The secret itself.
    public let value: String

    /// - Throws: ``IntegrationsError`` `.invalidSecret` for an empty secret, one longer than 8192 bytes, or one with
    ///   control characters (which no header or signing scheme can carry); the error never quotes the secret.
    public init(_ value: String) throws(IntegrationsError) {
        guard !value.isEmpty else {
            throw IntegrationsError(.invalidSecret, "the secret is empty", operation: "read secret")
        }
        guard value.utf8.count <= Self.maximumByteCount else {
            throw IntegrationsError(.invalidSecret, "the secret is longer than \(Self.maximumByteCount) bytes", operation: "read secret")
        }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw IntegrationsError(.invalidSecret, "the secret contains control characters (a line break inside it?); a secret is one line of text",
                                    operation: "read secret")
        }
        self.value = value
    }

    /// A value known to pass the checks of ``init(_:)`` (a literal).
    init(checked value: String) {
        self.value = value
    }

    /// Compared in constant time, like every secret.
    public static func == (lhs: WebhookSecret, rhs: WebhookSecret) -> Bool {
        ConstantTime.isEqual(Array(lhs.value.utf8), Array(rhs.value.utf8))
    }

    public var description: String { "WebhookSecret(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
