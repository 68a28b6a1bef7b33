/// Splitting header values on ASCII separators by bytes, not by `Character`s.
///
/// Swift's `split(separator:)` on a `Substring` works on grapheme clusters: a separator followed by a combining mark
/// (`,\u{0310}`) is one `Character` and no longer splits, so a genuine signature followed by such an entry was
/// refused (found by the receiver fuzz targets). Providers' header grammars are byte grammars.
enum ASCIIFields {
    /// The non-empty pieces of `value` between `separator` bytes.
    static func split(_ value: Substring, on separator: UInt8) -> [Substring] {
        value.utf8.split(separator: separator, omittingEmptySubsequences: true).map(substring)
    }

    /// `name` and `content` around the first `separator` byte, or nil when there is none.
    static func pair(_ element: Substring, on separator: UInt8) -> (name: Substring, content: Substring)? {
        guard let index = element.utf8.firstIndex(of: separator) else { return nil }
        return (substring(element.utf8[..<index]), substring(element.utf8[element.utf8.index(after: index)...]))
    }

    private static func substring(_ bytes: Substring.UTF8View) -> Substring {
        // Exact when the cut is on a scalar boundary (always, for ASCII separators); otherwise repaired, never trapping.
        Substring(bytes) ?? String(decoding: bytes, as: UTF8.self)[...]
    }
}
