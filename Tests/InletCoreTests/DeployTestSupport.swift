import Foundation
import Testing
import Yams

/// The checkout these tests read: deployment files, documentation, and the sources they are checked against.
enum DeployRepository {
    static let root: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }

    /// Paths relative to the root of every regular file under `directory` whose name ends with one of `suffixes`,
    /// sorted.
    static func files(under directory: String, suffixes: [String]) -> [String] {
        let base = url(directory)
        guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        var found: [String] = []
        for case let file as URL in enumerator {
            guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                  suffixes.contains(where: { file.lastPathComponent.hasSuffix($0) }) else { continue }
            let relative = file.resolvingSymlinksInPath().path.dropFirst(root.resolvingSymlinksInPath().path.count + 1)
            found.append(String(relative))
        }
        return found.sorted()
    }

    /// Every `INLET_…` name in `text`: environment variables in sources, scripts, manifests and units.
    static func inletVariableNames(in text: String) -> Set<String> {
        var names = Set<String>()
        var rest = text[...]
        while let start = rest.range(of: "INLET_") {
            var end = start.upperBound
            while end < rest.endIndex, let ascii = rest[end].asciiValue,
                  (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(ascii) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(ascii)
                    || ascii == UInt8(ascii: "_") {
                end = rest.index(after: end)
            }
            // `INLET_*` in prose names the family, not a variable; C include guards are not scanned (Swift only).
            if end > start.upperBound { names.insert(String(rest[start.lowerBound..<end])) }
            rest = rest[end...]
        }
        return names
    }
}

/// A YAML file of one or more documents, each a mapping, with typed lookups that fail the test with the path.
struct DeployYAMLFile {
    let path: String
    let documents: [[String: Any]]

    init(_ relativePath: String) throws {
        path = relativePath
        let text = try DeployRepository.text(relativePath)
        var documents: [[String: Any]] = []
        for (index, document) in try Yams.load_all(yaml: text).enumerated() {
            guard let mapping = document as? [String: Any] else {
                throw DeployTestFailure("\(relativePath): document \(index) is not a mapping")
            }
            documents.append(mapping)
        }
        self.documents = documents
    }
}

struct DeployTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads nested values out of decoded YAML: `value(at: "spec.template.spec", in: deployment)`.
enum DeployYAML {
    static func value(at path: String, in object: Any?) -> Any? {
        var current = object
        for key in path.split(separator: ".") {
            if let index = Int(key), let list = current as? [Any] {
                current = list.indices.contains(index) ? list[index] : nil
            } else {
                current = (current as? [String: Any])?[String(key)]
            }
        }
        return current
    }

    static func string(at path: String, in object: Any?) -> String? {
        let found = value(at: path, in: object)
        if let text = found as? String { return text }
        if let number = found as? Int { return String(number) }
        return nil
    }

    static func int(at path: String, in object: Any?) -> Int? {
        let found = value(at: path, in: object)
        if let number = found as? Int { return number }
        return (found as? String).flatMap { Int($0) }
    }

    static func list(at path: String, in object: Any?) -> [Any] { value(at: path, in: object) as? [Any] ?? [] }

    static func mapping(at path: String, in object: Any?) -> [String: Any] { value(at: path, in: object) as? [String: Any] ?? [:] }

    static func stringMapping(at path: String, in object: Any?) -> [String: String] {
        mapping(at: path, in: object).compactMapValues { value in
            if let text = value as? String { return text }
            if let number = value as? Int { return String(number) }
            return nil
        }
    }
}

/// The `inlet` subcommands as the sources declare them, so deployment files can be checked against what exists:
/// `["receiver": [], "topics": ["list", "create", …], …]`.
///
/// Read from `Sources/InletCLI`: each `struct X: …ParsableCommand` with its `commandName:` (or, as ArgumentParser
/// does, the type name in kebab case) and its `subcommands: [A.self, …]`.
enum DeployCLICommands {
    struct Command {
        let typeName: String
        let name: String
        let subcommandTypes: [String]
        let file: String
    }

    static func scan() throws -> [String: Set<String>] {
        var commands: [Command] = []
        for file in DeployRepository.files(under: "Sources/InletCLI", suffixes: [".swift"]) {
            commands += parse(try DeployRepository.text(file), file: file)
        }
        func resolve(_ typeName: String, from file: String) -> Command? {
            let simple = String(typeName.split(separator: ".").last ?? "")
            return commands.first { $0.typeName == simple && $0.file == file } ?? commands.first { $0.typeName == simple }
        }
        guard let root = commands.first(where: { $0.name == "inlet" }) else {
            throw DeployTestFailure("no command named 'inlet' in Sources/InletCLI")
        }
        var tree: [String: Set<String>] = [:]
        for typeName in root.subcommandTypes {
            guard let command = resolve(typeName, from: root.file) else {
                throw DeployTestFailure("inlet's subcommand \(typeName) is not declared in Sources/InletCLI")
            }
            tree[command.name] = Set(command.subcommandTypes.compactMap { resolve($0, from: command.file)?.name })
        }
        return tree
    }

    /// Whether `arguments` (after `inlet`) start with an existing command path, e.g. `["topics", "create"]`.
    static func exists(_ arguments: [String], in tree: [String: Set<String>]) -> Bool {
        guard let first = arguments.first, let subcommands = tree[first] else { return false }
        if subcommands.isEmpty { return true }
        guard arguments.count > 1 else { return false }
        return subcommands.contains(arguments[1])
    }

    static func parse(_ source: String, file: String) -> [Command] {
        let declaration = try! NSRegularExpression(pattern: #"struct\s+(\w+)\s*:\s*[^{]*ParsableCommand"#)
        let nameLiteral = try! NSRegularExpression(pattern: #"commandName:\s*"([^"]+)""#)
        let subcommandList = try! NSRegularExpression(pattern: #"subcommands:\s*\[([^\]]*)\]"#)
        let text = source as NSString
        let matches = declaration.matches(in: source, range: NSRange(location: 0, length: text.length))
        return matches.enumerated().map { index, match in
            let typeName = text.substring(with: match.range(at: 1))
            // The struct's own configuration comes before the next command struct (nested or not).
            let end = index + 1 < matches.count ? matches[index + 1].range.location : text.length
            let bodyRange = NSRange(location: match.range.location, length: end - match.range.location)
            let name = nameLiteral.firstMatch(in: source, range: bodyRange).map { text.substring(with: $0.range(at: 1)) }
                ?? kebabCase(typeName)
            let subcommands = subcommandList.firstMatch(in: source, range: bodyRange).map { found in
                text.substring(with: found.range(at: 1)).split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ".self", with: "") }
                    .filter { !$0.isEmpty }
            } ?? []
            return Command(typeName: typeName, name: name, subcommandTypes: subcommands, file: file)
        }
    }

    /// ArgumentParser's default command name: `ListAll` → `list-all`, `DLQ` → `dlq`.
    static func kebabCase(_ typeName: String) -> String {
        var out = ""
        let characters = Array(typeName)
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0,
               characters[index - 1].isLowercase || (index + 1 < characters.count && characters[index + 1].isLowercase) {
                out.append("-")
            }
            out.append(contentsOf: character.lowercased())
        }
        return out
    }
}
