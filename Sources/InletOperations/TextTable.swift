/// Left-aligned text columns for terminal output; numeric columns may be right-aligned.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]] = []
    /// Indexes of columns to right-align.
    public var rightAligned: Set<Int>

    public init(headers: [String], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
    }

    public mutating func append(_ row: [String]) { rows.append(row) }

    public func render(indent: String = "") -> String {
        let all = [headers] + rows
        let widths = headers.indices.map { column in all.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            let cells = headers.indices.map { column -> String in
                let text = column < row.count ? row[column] : ""
                let fill = String(repeating: " ", count: widths[column] - text.count)
                return rightAligned.contains(column) ? fill + text : text + fill
            }
            return indent + cells.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
