/// The reference section of one model in `docs/models.md`, rendered from its declaration so the article cannot drift
/// from the code: `inlet models --markdown` prints every section, and a test checks that the article contains them.
public struct ModelReference: Sendable {
    public let declaration: ModelDeclaration

    public init(_ declaration: ModelDeclaration) { self.declaration = declaration }

    /// A `###` heading, the summary, a line of keys and names, and a table of the fields.
    /// - Parameter schemaDirectory: the path of the JSON Schema files relative to the article.
    public func markdown(schemaDirectory: String = "models") -> String {
        let model = declaration
        func code(_ names: [String]) -> String { names.map { "`\($0)`" }.joined(separator: ", ") }
        var lines = ["### \(model.name)", ""]
        if !model.summary.isEmpty { lines += [model.summary, ""] }
        var facts = [
            "table `\(model.tableName)`", "topic `\(model.topic.rawValue)`", "upsert key \(code(model.upsertKey))",
            "version `\(model.versionField)`",
        ]
        if !model.lookupKeys.isEmpty { facts.append("lookup keys \(code(model.lookupKeys))") }
        facts.append("[JSON Schema](\(schemaDirectory)/\(model.jsonSchema.fileName))")
        lines += [facts.joined(separator: " · "), ""]
        lines += ["| field | type | required | description |", "|---|---|---|---|"]
        for field in model.fields {
            let cells = ["`\(field.name)`", "`\(field.type.rawValue)`", field.required ? "yes" : "", Self.cell(field.summary)]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Table cells cannot hold `|` or line breaks.
    static func cell(_ text: String) -> String {
        text.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
            .split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " ")
    }
}
