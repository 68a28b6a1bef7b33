/// `application/x-www-form-urlencoded` decoding as the web frameworks Twilio's request validators read POST
/// parameters from: pairs split on `&`, name and value split on the first `=`, `+` is a space, `%XX` a byte, and the
/// bytes read as UTF-8 with invalid sequences replaced (U+FFFD), like Python's `parse_qs`. Total: a malformed `%`
/// escape is kept as written, never an error.
enum TwilioFormParameters {
    /// The pairs in `bytes`, in order; a piece without `=` is a name with an empty value; empty pieces are skipped.
    static func decode(_ bytes: some Collection<UInt8>) -> [(name: String, value: String)] {
        bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { piece in
            if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
                return (unescape(piece[piece.startIndex..<equals]), unescape(piece[piece.index(after: equals)...]))
            }
            return (unescape(piece), "")
        }
    }

    /// The value of the first parameter called `name` in a URL's query string, decoded, or nil.
    static func queryValue(_ name: String, in url: String) -> String? {
        guard let question = url.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        var query = url.utf8[url.utf8.index(after: question)...]
        if let hash = query.firstIndex(of: UInt8(ascii: "#")) { query = query[..<hash] }
        return decode(query).first { $0.name == name }?.value
    }

    /// The bytes of the data that Twilio signs after the URL: each parameter name followed by each of its values,
    /// names in byte order (UTF-8 byte order is code point order, which is how Twilio's libraries sort), a name's
    /// values sorted and repeated values counted once (as `sorted(set(values))` does in twilio-python).
    static func signedSuffix(_ parameters: [(name: String, value: String)]) -> [UInt8] {
        var valuesByName: [String: Set<String>] = [:]
        for parameter in parameters { valuesByName[parameter.name, default: []].insert(parameter.value) }
        var suffix: [UInt8] = []
        for name in valuesByName.keys.sorted(by: utf8Precedes) {
            for value in valuesByName[name]!.sorted(by: utf8Precedes) {
                suffix.append(contentsOf: name.utf8)
                suffix.append(contentsOf: value.utf8)
            }
        }
        return suffix
    }

    private static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private static func unescape(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), i + 2 < bytes.count, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) {
                out.append(high << 4 | low)
                i += 2
            } else {
                out.append(byte)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
