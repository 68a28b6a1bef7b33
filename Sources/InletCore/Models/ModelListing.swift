/// What `inlet models` prints: every model with its table, topic, keys, version and fields, as text for people or
/// as JSON for scripts.
public struct ModelListing: Sendable {
    public let models: [ModelDeclaration]

    public init(_ registry: ModelRegistry) { self.models = registry.sorted }

    /// One block per model: a heading line, the keys, then one line per field.
    /// ```
    /// Payment  table payment  topic inlet.model.payment
    ///   upsert key: integration_id, id   version: updated_at   lookup keys: customer_id, order_id, …
    ///   * id               string     The provider's id of the payment object: …
    ///     refunded_amount  int        Refunded so far, minor units: …
    /// ```
    /// Required fields are marked `*`.
    public func text() -> String {
        var blocks: [String] = []
        for model in models {
            var lines = ["\(model.name)  table \(model.tableName)  topic \(model.topic.rawValue)"]
            var keys = "  upsert key: \(model.upsertKey.joined(separator: ", "))   version: \(model.versionField)"
            if !model.lookupKeys.isEmpty { keys += "   lookup keys: \(model.lookupKeys.joined(separator: ", "))" }
            lines.append(keys)
            let nameWidth = model.fields.map(\.name.count).max() ?? 0
            let typeWidth = model.fields.map(\.type.rawValue.count).max() ?? 0
            for field in model.fields {
                let mark = field.required ? "*" : " "
                let name = field.name.padded(to: nameWidth)
                let type = field.type.rawValue.padded(to: typeWidth)
                lines.append("  \(mark) \(name)  \(type)  \(field.summary)".trimmingTrailingSpaces())
            }
            blocks.append(lines.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// A JSON array, one object per model: `name`, `summary`, `table`, `topic`, `upsertKey`, `versionField`,
    /// `lookupKeys`, `fields` (`name`, `type`, `required`, `summary`).
    public func json() -> String {
        OrderedJSON.array(models.map { model in
            .object([
                ("name", .string(model.name.rawValue)),
                ("summary", .string(model.summary)),
                ("table", .string(model.tableName)),
                ("topic", .string(model.topic.rawValue)),
                ("upsertKey", .strings(model.upsertKey)),
                ("versionField", .string(model.versionField)),
                ("lookupKeys", .strings(model.lookupKeys)),
                ("fields", .array(model.fields.map { field in
                    .object([
                        ("name", .string(field.name)), ("type", .string(field.type.rawValue)),
                        ("required", .bool(field.required)), ("summary", .string(field.summary)),
                    ])
                })),
            ])
        }).prettyText()
    }

    /// The reference sections of `docs/models.md` (``ModelReference``), one after the other.
    public func markdown() -> String {
        models.map { ModelReference($0).markdown() }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padded(to length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }

    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
