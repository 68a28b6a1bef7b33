import Foundation
import InletCore
import InletCrypto

/// Where `inlet integrations add` and `rotate-secret` take a webhook secret from: a file, standard input, or a
/// generator. Never a command-line argument, which would end up in shell history and `ps` output.
public enum SecretInput {
    /// Reads a secret from a file (for example one written by a secret manager). One trailing line break is
    /// dropped, as editors and `echo` add one.
    public static func read(file path: String) throws(IntegrationsError) -> WebhookSecret {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IntegrationsError(.invalidSecret, "cannot read the secret file \(path); check the path and its permissions",
                                    operation: "read secret")
        }
        return try parse(data, origin: path)
    }

    /// Reads a secret from standard input until end of file.
    public static func readStandardInput() throws(IntegrationsError) -> WebhookSecret {
        try parse(FileHandle.standardInput.readDataToEndOfFile(), origin: "standard input")
    }

    /// The secret in `data`: UTF-8, one line; trailing `\n` or `\r\n` removed.
    public static func parse(_ data: Data, origin: String) throws(IntegrationsError) -> WebhookSecret {
        guard var text = String(data: data, encoding: .utf8) else {
            throw IntegrationsError(.invalidSecret, "the secret in \(origin) is not UTF-8 text", operation: "read secret")
        }
        // "\r\n" is a single Character in Swift, so removeLast() drops either line ending whole.
        if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
        do throws(IntegrationsError) {
            return try WebhookSecret(text)
        } catch {
            throw IntegrationsError(error.code, "\(origin): \(error.reason)", operation: error.operation)
        }
    }

    /// A new random secret of 256 bits in the form the scheme expects: `whsec_` and base64 for Standard Webhooks,
    /// 64 hex digits for every other shared-secret scheme (safe in any header or provider form).
    /// - Throws: ``IntegrationsError`` `.invalidSecret` for schemes verified with the provider's public key
    ///   (SendGrid, Discord): there is nothing to generate; pass the provider's key with `--secret-file`.
    public static func generate(for scheme: SignatureScheme) throws(IntegrationsError) -> WebhookSecret {
        switch scheme {
        case .sendgrid, .discord:
            throw IntegrationsError(.invalidSecret, """
                definitions using '\(scheme.rawValue)' verify with the provider's public key, which cannot be generated; \
                pass it with --secret-file or --secret-stdin
                """, operation: "generate secret")
        default:
            break
        }
        let bytes: [UInt8]
        do {
            bytes = try SecureRandom.bytes(count: 32)
        } catch {
            throw IntegrationsError(.cryptoFailure, "\(error)", operation: "generate secret")
        }
        return try WebhookSecret(scheme == .standardWebhooks ? "whsec_" + Base64.encode(bytes) : Hex.encode(bytes))
    }
}
