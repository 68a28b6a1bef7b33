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

    /// Compiles the file, or throws its first problem.
    func parse() throws(MapperError) -> MappingFile {
        let (file, problems) = parseCollecting()
        if let first = problems.first { throw first }
        return file!
    }

    /// Compiles the file and returns every problem found in it (all entries, all keys), for `inlet check`.
    /// The file is nil when there is any problem.
    func parseCollecting() -> (MappingFile?, [MapperError]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            return (nil, [MapperError(.invalidMappingFile, "not valid YAML: \(error)", location: yamlErrorLocation(error))])
        }
        guard let root, case .sequence(let sequence) = root else {
            return (nil, [MapperError(
                .invalidMappingFile,
                "a mapping file must be a YAML list of entries (`- model: ...`); delete the file to send this event's records to the dead-letter topic instead",
                location: location(of: root))])
        }
        guard !sequence.isEmpty else {
            return (nil, [MapperError(
                .invalidMappingFile,
                "the file lists no entries; add one (use `filter: 'false'` to skip records explicitly) or delete the file",
                location: location(of: root))])
        }
        var entries: [MappingEntry] = []
        var problems: [MapperError] = []
        for (index, node) in sequence.enumerated() {
            if let entry = parseEntry(node, index: index, problems: &problems) { entries.append(entry) }
        }
        guard problems.isEmpty else { return (nil, problems) }
        return (MappingFile(path: path, definition: definition, event: event, entries: entries), [])
    }

    /// One entry, or nil with its problems appended: every key is checked even after one failed.
    private func parseEntry(_ node: Node, index: Int, problems: inout [MapperError]) -> MappingEntry? {
        guard case .mapping(let mapping) = node else {
            problems.append(MapperError(.invalidMappingFile, "an entry must be a mapping with keys model, variants, filter, map",
                                        location: location(of: node, entry: index)))
            return nil
        }
        let before = problems.count
        var values: [String: Node] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                problems.append(MapperError(.invalidMappingFile, "entry keys must be plain words", location: location(of: keyNode, entry: index)))
                continue
            }
            guard MappingFileParser.entryKeys.contains(key) else {
                problems.append(MapperError(
                    .invalidMappingFile,
                    "unknown key '\(key.prefix(40))'; an entry has only model, variants, filter and map",
                    location: location(of: keyNode, entry: index, key: key)))
                continue
            }
            values[key] = valueNode
        }

        var model: ModelDeclaration?
        if let modelNode = values["model"] {
            if let modelName = modelNode.scalar?.string, let declaration = models[modelName] {
                model = declaration
            } else {
                problems.append(MapperError(
                    .unknownModel,
                    "'\((modelNode.scalar?.string ?? "(not a string)").prefix(80))' is not a registered model (known: \(knownModels))",
                    location: location(of: modelNode, entry: index, key: "model")))
            }
        } else {
            problems.append(MapperError(.invalidMappingFile, "the entry has no 'model'; name a model such as \(knownModels)",
                                        location: location(of: node, entry: index)))
        }

        var variants: Set<String>?
        if let variantsNode = values["variants"] {
            if case .sequence(let list) = variantsNode, !list.isEmpty {
                var set = Set<String>()
                for item in list {
                    if let text = item.scalar?.string, !text.isEmpty {
                        set.insert(text)
                    } else {
                        problems.append(MapperError(.invalidMappingFile, "every variant must be a non-empty string",
                                                    location: location(of: item, entry: index, key: "variants")))
                    }
                }
                variants = set
            } else {
                problems.append(MapperError(.invalidMappingFile, "variants must be a non-empty list of strings; omit it to apply the entry to every variant",
                                            location: location(of: variantsNode, entry: index, key: "variants")))
            }
        }

        let filter = expression(values["filter"], entry: index, key: "filter", problems: &problems)
        let map = expression(values["map"], entry: index, key: "map", problems: &problems)
        guard problems.count == before, let model else { return nil }
        return MappingEntry(index: index, model: model, variants: variants, filter: filter, map: map)
    }

    private func expression(_ node: Node?, entry: Int, key: String, problems: inout [MapperError]) -> MappingExpression? {
        guard let node else { return nil }
        if case .scalar(let scalar) = node, scalar.tag.rawValue == Tag.Name.null.rawValue || scalar.string.isEmpty,
           scalar.style == .plain {
            return nil  // `filter:` with nothing after it
        }
        guard case .scalar(let scalar) = node else {
            problems.append(MapperError(.invalidMappingFile, "\(key) must be a CEL expression written as a string (use `\(key): |` for several lines)",
                                        location: location(of: node, entry: entry, key: key)))
            return nil
        }
        let source = scalar.string
        if source.allSatisfy(\.isWhitespace) { return nil }
        let anchor = ExpressionAnchor(scalar: scalar, in: text)
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
            problems.append(MapperError(.invalidExpression, "\(key) does not compile\(where_): \(error.message)",
                                        location: location, celCode: error.code))
            return nil
        }
    }

    /// The line and column Yams reports for a syntax error, when it reports one.
    private func yamlErrorLocation(_ error: any Error) -> MapperError.Location {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
                return MapperError.Location(file: path, line: mark.line, column: mark.column)
            default:
                break
            }
        }
        return MapperError.Location(file: path)
    }

    private func location(of node: Node?, entry: Int? = nil, key: String? = nil) -> MapperError.Location {
        MapperError.Location(file: path, entry: entry, key: key, line: node?.mark?.line, column: node?.mark?.column)
    }

    private var knownModels: String { models.sorted.map(\.name.rawValue).joined(separator: ", ") }
}

extension ExpressionAnchor {
    /// Where a YAML scalar's text starts in `text`, the whole file it was composed from.
    init(scalar: Node.Scalar, in text: String) {
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
            self.init(line: markLine + 1, column: indentation + 1, style: .block(indentation: indentation))
        case .singleQuoted, .doubleQuoted:
            self.init(line: markLine, column: markColumn + 1, style: .inline)
        default:
            self.init(line: markLine, column: markColumn, style: .inline)
        }
    }
}
