// Body parsers the signature schemes run before a delivery is authenticated: Twilio's form parameters, the bounded
// JSON parser of Mailgun and Microsoft Graph, and Linear's webhookTimestamp reader.
@testable import InletSignatures

enum BodyParserFuzz {
    // MARK: Twilio form parameters

    static func twilioFormParameters(_ bytes: [UInt8]) {
        let input = FuzzInput(bytes)
        let pairs = TwilioFormParameters.decode(input.body)
        let pieces = input.body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true)
        FuzzInvariant.check(pairs.count == pieces.count, "Twilio decoding lost or invented a parameter")
        // Without escapes, decoding is splitting: names and values are the pieces' text.
        if !input.body.contains(UInt8(ascii: "%")), !input.body.contains(UInt8(ascii: "+")) {
            for (pair, piece) in zip(pairs, pieces) {
                let text = String(decoding: piece, as: UTF8.self)
                let joined = piece.contains(UInt8(ascii: "=")) ? pair.name + "=" + pair.value : pair.name
                FuzzInvariant.check(joined == text, "Twilio decoding changed a parameter without escapes")
            }
        }
        let suffix = TwilioFormParameters.signedSuffix(pairs)
        let longest = pairs.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        FuzzInvariant.check(suffix.count <= longest, "Twilio's signed suffix is longer than its parameters")
        _ = TwilioFormParameters.queryValue("bodySHA256", in: input.header)
    }

    // MARK: Bounded JSON (Mailgun, Microsoft Graph)

    private static let parser = BoundedJSONParser(maximumBytes: 1 << 16, maximumDepth: 32)

    static func boundedJSON(_ bytes: [UInt8]) {
        guard let value = try? parser.parse(bytes) else { return }
        FuzzInvariant.check(depth(value) <= 32, "the bounded parser returned a value deeper than its limit")
        // What it accepts, written out again, reads back as the same value.
        let written = JSONWriter.write(value)
        guard let again = try? BoundedJSONParser(maximumBytes: Int.max, maximumDepth: 32).parse(written) else {
            FuzzInvariant.fail("the bounded parser refused its own value written out")
        }
        FuzzInvariant.check(again == value, "the bounded parser does not read back its own value")
    }

    private static func depth(_ value: BoundedJSONValue) -> Int {
        switch value {
        case .array(let items): 1 + (items.map(depth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(depth).max() ?? 0)
        default: 0
        }
    }

    // MARK: Linear webhookTimestamp

    /// Differential: wherever the strict bounded parser accepts the body, the single-field reader must agree with it.
    static func linearWebhookTimestamp(_ bytes: [UInt8]) {
        let outcome = LinearWebhookTimestamp.read(from: bytes)
        guard let document = try? BoundedJSONParser(maximumBytes: Int.max, maximumDepth: 64).parse(bytes) else { return }
        guard case .object(let members) = document else {
            FuzzInvariant.check(outcome == .notAnObject, "Linear reader found an object where there is none")
            return
        }
        switch members[LinearWebhookTimestamp.fieldName] {
        case nil:
            FuzzInvariant.check(outcome == .absent, "Linear reader disagrees: the field is absent")
        case .number(let text) where text.utf8.count <= 15 && text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }):
            FuzzInvariant.check(outcome == .found(Int64(text)!), "Linear reader disagrees about the whole number \(text)")
        default:
            FuzzInvariant.check(outcome == .notAWholeNumber, "Linear reader took a non-whole-number as the timestamp")
        }
    }
}

/// Writes a ``BoundedJSONValue`` as JSON (RFC 8259 escapes only), to check the parser reads back what it returned.
enum JSONWriter {
    static func write(_ value: BoundedJSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    private static func write(_ value: BoundedJSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .number(let text): out += Array(text.utf8)
        case .string(let text): string(text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                string(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func string(_ text: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
