import InletCore

/// The bounds on a value a handshake echoes back to its sender: a length range and an allowed character set, both
/// far narrower than anything a browser or client could mistake for markup or script. A value outside them is
/// refused (``HandshakeRefusal``), never truncated or escaped into something else.
struct EchoedToken: Sendable {
    /// What the value is, for messages: "the Slack challenge".
    let what: String
    let maximumLength: Int
    let alphabet: Alphabet

    enum Alphabet: Sendable {
        /// `A–Z a–z 0–9 - _`: URL-safe base64 and UUID-like tokens.
        case base64URL
        /// ``base64URL`` plus `+ / = .`: standard base64 and dotted tokens.
        case base64
        /// Printable ASCII except `< > & " ' \` and backtick`: human-readable tokens such as Microsoft Graph's
        /// "Validation: Testing client application reachability …".
        case plainText

        func allows(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"):
                return true
            case UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "."):
                return self != .base64URL
            case 0x20...0x7E:
                return self == .plainText && !#"<>&"'\`"#.utf8.contains(byte)
            default:
                return false
            }
        }

        var description: String {
            switch self {
            case .base64URL: "letters, digits, '-' and '_'"
            case .base64: "letters, digits and '-_+/=.'"
            case .plainText: "printable ASCII without <>&\"'\\ or backticks"
            }
        }
    }

    /// - Returns: nil when `value` may be echoed, otherwise why not (never quoting it).
    func problem(with value: String?) -> String? {
        guard let value, !value.isEmpty else { return "\(what) is missing or empty" }
        guard value.utf8.count <= maximumLength, value.utf8.allSatisfy(alphabet.allows) else {
            return "\(what) must be 1–\(maximumLength) characters of \(alphabet.description); Inlet does not echo anything else"
        }
        return nil
    }
}
