import InletCore

/// The receiver's whole answer to a handshake: status, content type, body and extra headers. It is written as is
/// and nothing is forwarded to Kafka.
public struct HandshakeResponse: Sendable, Equatable {
    public var status: Int
    /// nil for responses without a body (204).
    public var contentType: String?
    public var body: [UInt8]
    /// Headers besides `Content-Type`; every handshake answer carries `X-Content-Type-Options: nosniff` and
    /// `Cache-Control: no-store`.
    public var headers: [Header]

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(status: Int, contentType: String?, body: [UInt8], headers: [Header] = HandshakeResponse.standardHeaders) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// Never sniff an echoed value as HTML or script, never cache a challenge answer.
    public static let standardHeaders = [Header("X-Content-Type-Options", "nosniff"), Header("Cache-Control", "no-store")]

    /// 200 `text/plain; charset=utf-8`.
    static func text(_ text: String) -> HandshakeResponse {
        HandshakeResponse(status: 200, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    /// 200 `application/json` with a flat object of string members, in order.
    static func json(_ members: KeyValuePairs<String, String>) -> HandshakeResponse {
        let text = "{" + members.map { JSONText.string($0.key) + ":" + JSONText.string($0.value) }.joined(separator: ",") + "}"
        return HandshakeResponse(status: 200, contentType: "application/json", body: Array(text.utf8))
    }

    /// 200 `application/json` with `body` as given.
    static func json(raw body: String) -> HandshakeResponse {
        HandshakeResponse(status: 200, contentType: "application/json", body: Array(body.utf8))
    }
}

/// A request recognised as a handshake whose value Inlet will not echo (too long, unexpected characters, missing):
/// answered with a 400 and never forwarded.
public struct HandshakeRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable code for the receiver's rejection body and counters.
    public static let code = "invalid_handshake"
    public let kind: HandshakeKind
    /// What is wrong and what the sender can do; never quotes the refused value.
    public let message: String

    public init(kind: HandshakeKind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(Self.code) (\(kind.rawValue)): \(message)" }
}

/// What a responder makes of a request.
public enum HandshakeOutcome: Sendable, Equatable {
    /// The handshake's answer.
    case respond(HandshakeResponse)
    /// A handshake the receiver refuses to answer (400 `invalid_handshake`).
    case refuse(HandshakeRefusal)
}

/// When the receiver asks a responder, relative to signature verification.
public enum HandshakePhase: String, Sendable, Hashable, CaseIterable {
    /// The provider does not sign the handshake (Microsoft Graph validation, Dropbox-style challenges, Slack's
    /// certificate check): it is answered before verification, from bounded values only.
    case beforeVerification = "before-verification"
    /// The provider signs the handshake like any delivery (Slack URL verification, Zoom URL validation, Okta
    /// verification, Discord `PING`): it is answered only once the signature verified.
    case afterVerification = "after-verification"
}
