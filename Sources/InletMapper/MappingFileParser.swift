import InletCEL
import InletCore
import Yams

/// Reads one mapping file's YAML text into a compiled ``MappingFile``, with file positions in every error.
struct MappingFileParser {
    let path: String
    let text: String
    let definition: DefinitionName
    let event: EventName
    let models: ModelRegistry
    let environment: CELEnvironment

    static let entryKeys: Set<String> = ["model", "variants", "filter", "map"]

    func parse() throws(MapperError) -> MappingFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw MapperError(.invalidMappingFile, "not valid YAML: \(error)", location: .init(file: path))
        }
        guard let root, case .sequence(let sequence) = root else {
            throw MapperError(
                .invalidMappingFile,
                "a mapping file must be a YAML list of entries (`- model: ...`); delete the file to send this event's records to the dead-letter topic instead",
                location: location(of: root))
        }
        guard !sequence.isEmpty else {
            throw MapperError(
                .invalidMappingFile,
                "the file lists no entries; add one (use `filter: 'false'` to skip records explicitly) or delete the file",
                location: location(of: root))
        }
        var entries: [MappingEntry] = []
        for (index, node) in sequence.enumerated() {
            entries.append(try parseEntry(node, index: index))
        }
        return MappingFile(path: path, definition: definition, event: event, entries: entries)
    }

    private func parseEntry(_ node: Node, index: Int) throws(MapperError) -> MappingEntry {
        guard case .mapping(let mapping) = node else {
            throw MapperError(.invalidMappingFile, "an entry must be a mapping with keys model, variants, filter, map",
                              location: location(of: node, entry: index))
        }
        var values: [String: Node] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw MapperError(.invalidMappingFile, "entry keys must be plain words", location: location(of: keyNode, entry: index))
            }
            guard MappingFileParser.entryKeys.contains(key) else {
                throw MapperError(
                    .invalidMappingFile,
                    "unknown key '\(key.prefix(40))'; an entry has only model, variants, filter and map",
                    location: location(of: keyNode, entry: index, key: key))
            }
            values[key] = valueNode
        }

        guard let modelNode = values["model"] else {
            throw MapperError(.invalidMappingFile, "the entry has no 'model'; name a model such as \(knownModels)",
                              location: location(of: node, entry: index))
        }
        guard let modelName = modelNode.scalar?.string, let model = models[modelName] else {
            throw MapperError(
                .unknownModel,
                "'\((modelNode.scalar?.string ?? "(not a string)").prefix(80))' is not a registered model (known: \(knownModels))",
                location: location(of: modelNode, entry: index, key: "model"))
        }

        var variants: Set<String>?
        if let variantsNode = values["variants"] {
            guard case .sequence(let list) = variantsNode, !list.isEmpty else {
                throw MapperError(.invalidMappingFile, "variants must be a non-empty list of strings; omit it to apply the entry to every variant",
                                  location: location(of: variantsNode, entry: index, key: "variants"))
            }
            var set = Set<String>()
            for item in list {
                guard let text = item.scalar?.string, !text.isEmpty else {
                    throw MapperError(.invalidMappingFile, "every variant must be a non-empty string",
                                      location: location(of: item, entry: index, key: "variants"))
                }
                set.insert(text)
            }
            variants = set
        }

        let filter = try expression(values["filter"], entry: index, key: "filter")
        let map = try expression(values["map"], entry: index, key: "map")
        return MappingEntry(index: index, model: model, variants: variants, filter: filter, map: map)
    }

    private func expression(_ node: Node?, entry: Int, key: String) throws(MapperError) -> MappingExpression? {
        guard let node else { return nil }
        if case .scalar(let scalar) = node, scalar.tag.rawValue == Tag.Name.null.rawValue || scalar.string.isEmpty,
           scalar.style == .plain {
            return nil  // `filter:` with nothing after it
        }
        guard case .scalar(let scalar) = node else {
            throw MapperError(.invalidMappingFile, "\(key) must be a CEL expression written as a string (use `\(key): |` for several lines)",
                              location: location(of: node, entry: entry, key: key))
        }
        let source = scalar.string
        if source.allSatisfy(\.isWhitespace) { return nil }
        let anchor = anchor(for: scalar)
        do {
            let program = try environment.compile(source)
            return MappingExpression(program: program, anchor: anchor)
        } catch {
            var location = MapperError.Location(file: path, entry: entry, key: key, line: anchor.line, column: anchor.column)
            var where_ = ""
            if let position = error.position {
                let file = anchor.filePosition(line: position.line, column: position.column)
                location.line = file.line
                location.column = file.column
                where_ = " (expression \(position.line):\(position.column))"
            }
            throw MapperError(.invalidExpression, "\(key) does not compile\(where_): \(error.message)",
                              location: location, celCode: error.code)
        }
    }

    /// Where the scalar's text starts in the file.
    private func anchor(for scalar: Node.Scalar) -> ExpressionAnchor {
        let markLine = scalar.mark?.line ?? 1
        let markColumn = scalar.mark?.column ?? 1
        switch scalar.style {
        case .literal, .folded:
            // The mark is the `|`/`>` indicator; the text starts on the next line at the block's indentation.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            var indentation = 0
            var line = markLine + 1
            while line - 1 < lines.count {
                let content = lines[line - 1]
                if !content.allSatisfy({ $0 == " " }) {
                    indentation = content.prefix(while: { $0 == " " }).count
                    break
                }
                line += 1
            }
            return ExpressionAnchor(line: markLine + 1, column: indentation + 1, style: .block(indentation: indentation))
        case .singleQuoted, .doubleQuoted:
            return ExpressionAnchor(line: markLine, column: markColumn + 1, style: .inline)
        default:
            return ExpressionAnchor(line: markLine, column: markColumn, style: .inline)
        }
    }

    private func location(of node: Node?, entry: Int? = nil, key: String? = nil) -> MapperError.Location {
        MapperError.Location(file: path, entry: entry, key: key, line: node?.mark?.line, column: node?.mark?.column)
    }

    private var knownModels: String { models.sorted.map(\.name.rawValue).joined(separator: ", ") }
}
