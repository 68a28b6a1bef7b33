import InletCore

extension InboundRequest {
    /// The first value of query parameter `name` in ``url``, percent- and `+`-decoded; nil when absent or when the
    /// parameter does not decode.
    func queryParameter(_ name: String) -> String? {
        guard let question = url.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        let afterQuestion = url.utf8.index(after: question)
        let end = url.utf8[afterQuestion...].firstIndex(of: UInt8(ascii: "#")) ?? url.utf8.endIndex
        for pair in url.utf8[afterQuestion..<end].split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard (try? FormFields.decode(parts[0])) == name else { continue }
            return parts.count > 1 ? try? FormFields.decode(parts[1]) : ""
        }
        return nil
    }

    /// Whether the body looks like a JSON object (after leading whitespace): the cheap test before reading members.
    var bodyLooksLikeJSONObject: Bool {
        body.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D } == UInt8(ascii: "{")
    }

    /// The strings and numbers at `paths` of a JSON object body, or nil when the body is not one.
    func jsonMembers(_ paths: [[String]]) -> [JSONScalar?]? {
        guard bodyLooksLikeJSONObject else { return nil }
        return try? JSONMembers.scalars(at: paths, in: body)
    }
}
