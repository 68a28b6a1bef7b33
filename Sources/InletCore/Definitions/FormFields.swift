/// Reads `application/x-www-form-urlencoded` bodies (`MessageSid=SM1&MessageStatus=delivered`), the encoding of
/// Twilio's callbacks and Slack's slash commands: `&`-separated `name=value` pairs, `+` for space, `%XX` escapes.
public enum FormFields {
    /// The fields in body order (a name may repeat); a pair without `=` has an empty value.
    /// - Throws: ``DeliveryReadError`` `.malformedBody` for a `%` not followed by two hex digits, or a field that
    ///   does not decode to UTF-8.
    public static func parse(_ body: some Collection<UInt8>) throws(DeliveryReadError) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        var offset = 0
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0], offset: offset)
            let value = parts.count > 1 ? try decode(parts[1], offset: offset) : ""
            fields.append((name, value))
            offset += pair.count + 1
        }
        return fields
    }

    /// Percent-decodes one name or value (`+` is a space).
    public static func decode(_ component: some Collection<UInt8>, offset: Int = 0) throws(DeliveryReadError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(component.count)
        var iterator = component.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(JSONScanner.hexValue), let low = iterator.next().flatMap(JSONScanner.hexValue) else {
                    throw DeliveryReadError(.malformedBody, "the form body has a '%' not followed by two hex digits near byte \(offset)", offset: offset)
                }
                out.append(UInt8(high << 4 | low))
            default:
                out.append(byte)
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw DeliveryReadError(.malformedBody, "the form body does not decode to UTF-8 near byte \(offset)", offset: offset)
        }
        return text
    }
}
