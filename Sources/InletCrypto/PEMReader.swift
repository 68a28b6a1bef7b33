import COpenSSL

/// Reads the blocks of RFC 7468 text ("PEM": `-----BEGIN LABEL-----`, base64 lines, `-----END LABEL-----`), so keys
/// can be imported with OpenSSL's DER decoders without its BIO and PEM layers.
///
/// Lenient where real files differ and strict where it matters: text outside blocks is ignored (RFC 7468 §2), lines
/// may end in CRLF, and RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`, what `openssl ec -aes256` writes)
/// are recognised so encrypted keys can be refused by name. A BEGIN line without its END, END with another label and
/// malformed base64 are refused.
///
/// - Important: the bodies are private keys. Errors name labels and line numbers only, never body text, and
///   ``withBody(of:_:)`` wipes the decoded bytes when its closure returns, and the reader wipes its copy of the text
///   when it is deinitialised (the caller's `String` is beyond reach: Swift strings cannot be wiped).
final class PEMReader {
    /// One `BEGIN`…`END` block.
    struct Block: Sendable, Hashable {
        /// The label, e.g. `PRIVATE KEY`, `EC PRIVATE KEY`, `PUBLIC KEY`.
        var label: String
        /// Whether an RFC 1421 header marks the body as encrypted (OpenSSL's traditional encrypted keys; PKCS#8
        /// encrypted keys say so in their label, `ENCRYPTED PRIVATE KEY`, instead).
        var isEncrypted: Bool
        /// The 1-based line number of the `BEGIN` line, for messages.
        var line: Int
        /// Byte ranges of the base64 lines in the text (line breaks and trailing blanks excluded).
        fileprivate var base64Lines: [Range<Int>]
    }

    /// Labels longer than this are not echoed in errors (no real label comes close).
    private static let longestLabel = 64
    private static let begin = Array("-----BEGIN ".utf8)
    private static let end = Array("-----END ".utf8)
    private static let dashes = Array("-----".utf8)

    /// The text, as UTF-8; `var` only so that `deinit` can wipe it.
    private var text: [UInt8]

    init(_ text: String) {
        self.text = Array(text.utf8)
    }

    deinit { Self.wipe(&text) }

    /// Every block, in order.
    /// - Throws: `CryptoError` `.invalidEncoding` for a `BEGIN` line without a matching `END` line or a block with an
    ///   empty body; the message names the label and line.
    func blocks() throws -> [Block] {
        var blocks: [Block] = []
        var open: Block?
        var lineNumber = 0
        var start = 0
        while start < text.count {
            lineNumber += 1
            var stop = start
            while stop < text.count, text[stop] != UInt8(ascii: "\n") { stop += 1 }
            var trimmed = stop
            while trimmed > start, Self.isBlank(text[trimmed - 1]) { trimmed -= 1 }
            var first = start
            while first < trimmed, Self.isBlank(text[first]) { first += 1 }
            let line = first..<trimmed
            if let label = label(in: line, after: Self.begin) {
                if let open { throw Self.failure("the \(Self.quoted(open.label)) block at line \(open.line) has no END line before the next BEGIN line") }
                open = Block(label: label, isEncrypted: false, line: lineNumber, base64Lines: [])
            } else if let label = label(in: line, after: Self.end) {
                guard let block = open else { throw Self.failure("line \(lineNumber) ends a \(Self.quoted(label)) block that never began") }
                guard block.label == label else {
                    throw Self.failure("the \(Self.quoted(block.label)) block at line \(block.line) ends with an END \(Self.quoted(label)) line")
                }
                guard !block.base64Lines.isEmpty else { throw Self.failure("the \(Self.quoted(block.label)) block at line \(block.line) is empty") }
                blocks.append(block)
                open = nil
            } else if open != nil, !line.isEmpty {
                if let colon = text[line].firstIndex(of: UInt8(ascii: ":")) {
                    // An RFC 1421 header ("Proc-Type: 4,ENCRYPTED"); base64 never contains a colon.
                    let name = String(decoding: text[line.lowerBound..<colon], as: UTF8.self)
                    let value = String(decoding: text[(colon + 1)..<line.upperBound], as: UTF8.self)
                    if name == "Proc-Type", value.contains("ENCRYPTED") { open!.isEncrypted = true }
                } else {
                    open!.base64Lines.append(line)
                }
            }
            start = stop + 1
        }
        if let open { throw Self.failure("the \(Self.quoted(open.label)) block at line \(open.line) has no END line") }
        return blocks
    }

    /// Decodes `block`'s body and passes it to `body`; the decoded bytes and the joined base64 are wiped afterwards.
    /// - Throws: `CryptoError` `.invalidEncoding` when the body is not base64 (the message names the label and line,
    ///   not the text), or what `body` throws.
    func withBody<Result>(of block: Block, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        var base64: [UInt8] = []
        base64.reserveCapacity(block.base64Lines.reduce(0) { $0 + $1.count })
        for line in block.base64Lines { base64.append(contentsOf: text[line]) }
        defer { Self.wipe(&base64) }
        var decoded: [UInt8]
        do {
            decoded = try Base64.decode(ascii: base64, alphabet: .standard, padding: .required)
        } catch {
            // Base64's own message may quote the offending character: say where, not what.
            throw Self.failure("the body of the \(Self.quoted(block.label)) block at line \(block.line) is not valid base64")
        }
        defer { Self.wipe(&decoded) }
        return try decoded.withUnsafeBytes(body)
    }

    /// The label of a `-----BEGIN LABEL-----` or `-----END LABEL-----` line (`marker` is the part before the label).
    private func label(in line: Range<Int>, after marker: [UInt8]) -> String? {
        let minimum = marker.count + Self.dashes.count
        guard line.count >= minimum,
              text[line.lowerBound..<(line.lowerBound + marker.count)].elementsEqual(marker),
              text[(line.upperBound - Self.dashes.count)..<line.upperBound].elementsEqual(Self.dashes) else { return nil }
        let label = text[(line.lowerBound + marker.count)..<(line.upperBound - Self.dashes.count)]
        // RFC 7468 §3: printable ASCII words joined by single hyphens or spaces. Anything else (e.g. an END and a
        // BEGIN run together on one line) is not a boundary line.
        guard label.allSatisfy({ (0x20...0x7E).contains($0) }) else { return nil }
        let text = String(decoding: label, as: UTF8.self)
        guard !text.contains("--"), !text.contains("  "), text.first != "-", text.first != " ", text.last != "-" else { return nil }
        return text
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    /// A label for a message: quoted, or a placeholder when too long to be one anyone wrote on purpose.
    static func quoted(_ label: String) -> String {
        label.utf8.count <= longestLabel ? "'\(label)'" : "(a \(label.utf8.count)-character label)"
    }

    private static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    private static func failure(_ reason: String) -> CryptoError {
        CryptoError(code: .invalidEncoding, reason: reason, operation: "PEM decode")
    }
}
