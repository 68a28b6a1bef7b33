import InletCrypto

/// What a generic HMAC scheme signs, compiled from a template such as `{timestamp}.{body}` or
/// `{id}.{timestamp}.{body}`.
///
/// Placeholders: `{body}` (the raw body), `{timestamp}` (the timestamp header's value as sent), `{method}` (upper-case
/// HTTP method), `{url}` (the request URL as the provider called it), and `{<name>}` for each name the options map to
/// a request header. `{{` and `}}` stand for literal braces; any other text is signed as its UTF-8 bytes.
struct GenericHMACTemplate: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case literal(String)
        case body
        case timestamp
        case method
        case url
        /// The value of this request header (name as configured).
        case header(name: String)
    }

    /// Placeholder names with a fixed meaning; they cannot name headers.
    static let reservedNames: Set<String> = ["body", "timestamp", "method", "url"]

    let pieces: [Piece]

    /// Why a template text cannot be compiled.
    struct Problem: Error, Sendable {
        let reason: String
    }

    /// Compiles `text`, resolving `{<name>}` through `headers` (placeholder name → header name).
    init(_ text: String, headers: [String: String]) throws(Problem) {
        var pieces: [Piece] = []
        var literal = ""
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            if character == "{" || character == "}", next == character {
                literal.append(character)  // `{{` or `}}`: a literal brace
                index += 2
                continue
            }
            guard character == "{" else {
                guard character != "}" else { throw Problem(reason: "a '}' closes no placeholder (write '}}' for a literal brace)") }
                literal.append(character)
                index += 1
                continue
            }
            guard let close = characters[(index + 1)...].firstIndex(of: "}") else {
                throw Problem(reason: "a '{' opens a placeholder that is never closed (write '{{' for a literal brace)")
            }
            let name = String(characters[(index + 1)..<close])
            let piece: Piece
            switch name {
            case "body": piece = .body
            case "timestamp": piece = .timestamp
            case "method": piece = .method
            case "url": piece = .url
            default:
                guard let header = headers[name] else {
                    let known = (Self.reservedNames.sorted() + headers.keys.sorted()).map { "{\($0)}" }.joined(separator: ", ")
                    throw Problem(reason: "unknown placeholder '{\(name.prefix(40))}'; known: \(known) (map a name to a header under 'headers' to sign that header)")
                }
                piece = .header(name: header)
            }
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = ""
            pieces.append(piece)
            index = close + 1
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// The names of the headers the template signs, in order of first use.
    var headerNames: [String] {
        var names: [String] = []
        for case .header(let name) in pieces where !names.contains(name) { names.append(name) }
        return names
    }

    func contains(_ piece: Piece) -> Bool { pieces.contains(piece) }

    /// Feeds the signed bytes of one request to `mac`, piece by piece (the body is never copied). A signed header
    /// that is absent is fed as empty: the verifier rejects such requests before it computes anything.
    /// - Parameter timestamp: the timestamp header's value (only read when the template has `{timestamp}`).
    func feed(_ mac: inout HMACComputation, request: InboundRequest, timestamp: Substring?) {
        for piece in pieces {
            switch piece {
            case .literal(let text): mac.update(text)
            case .body: mac.update(request.body)
            case .timestamp: mac.update(String(timestamp ?? ""))
            case .method: mac.update(request.method)
            case .url: mac.update(request.url)
            case .header(let name): mac.update(String(request.headers[name] ?? ""))
            }
        }
    }
}
