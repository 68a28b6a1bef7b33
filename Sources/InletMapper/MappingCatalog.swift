import Foundation
import InletCEL
import InletCore

/// Every mapping file under the mappings directory, compiled and checked once at start-up.
///
/// Loading refuses to start with a broken file: invalid YAML, an unknown key, an expression that does not compile
/// (with file, entry, key, line and column), a directory that is no registered definition, a file name that is
/// no event the definition declares, or a model that is not registered.
public struct MappingCatalog: Sendable {
    /// Compiled files keyed by definition name and the event's declared spelling.
    public let files: [MappingKey: MappingFile]

    /// Identifies the mapping file of one event.
    public struct MappingKey: Hashable, Sendable {
        public let definition: String
        public let event: String
        public init(definition: String, event: String) {
            self.definition = definition
            self.event = event
        }
    }

    public init(files: [MappingFile]) {
        var byKey: [MappingKey: MappingFile] = [:]
        for file in files {
            byKey[MappingKey(definition: file.definition.rawValue, event: file.event.rawValue)] = file
        }
        self.files = byKey
    }

    /// The mapping file for an envelope's `definition` and `event`; `nil` when none exists.
    public func mapping(definition: String, event: String) -> MappingFile? {
        files[MappingKey(definition: definition, event: event)]
    }

    /// Files sorted by path, for stable output.
    public var sorted: [MappingFile] { files.values.sorted { $0.path < $1.path } }

    /// The declared event a file or directory name stands for: the event as the provider spells it
    /// (`pull_request`, `Issue`) or its topic-safe form (`orders_create` for `orders/create`, `repo_push` for
    /// `repo:push`), since `/` and `:` do not belong in file names.
    public static func declaredEvent(named name: String, in definition: WebhookDefinition) -> EventName? {
        definition.events.first(where: { $0.rawValue == name }) ?? definition.events.first(where: { $0.topicSegment == name })
    }

    /// Loads and compiles every `<definition>/<event>.yaml` (or `.yml`) under `directory`.
    ///
    /// Files that are not YAML (a README, `unmapped.txt`) are ignored; YAML files anywhere else in the tree are an
    /// error, so a misplaced mapping is never silently unused.
    /// - Throws: ``MapperError`` naming the file and position of the first problem (``check(directory:definitions:models:)``
    ///   reports all of them).
    public static func load(
        directory: String, definitions: DefinitionRegistry, models: ModelRegistry
    ) throws(MapperError) -> MappingCatalog {
        let result = check(directory: directory, definitions: definitions, models: models)
        if let first = result.problems.first { throw first }
        return result.catalog
    }

    /// What compiling a mappings directory found: the files that compiled, every problem, and which files were
    /// tried (so a broken file still counts as mapping its event when coverage is checked).
    public struct CheckResult: Sendable {
        public let catalog: MappingCatalog
        public let problems: [MapperError]
        /// Paths relative to the directory of every YAML file found, compiled or not.
        public let attemptedFiles: Set<String>
    }

    /// Compiles every mapping file under `directory` and collects every problem of every file (all entries, all
    /// keys), for `inlet check`; ``load(directory:definitions:models:)`` throws the first of them.
    public static func check(directory: String, definitions: DefinitionRegistry, models: ModelRegistry) -> CheckResult {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return CheckResult(catalog: MappingCatalog(files: []), problems: [MapperError(
                .invalidMappingFile, "mappings directory '\(directory)' does not exist; set INLET_MAPPINGS_DIR or create it",
                location: nil)], attemptedFiles: [])
        }
        guard let relativePaths = manager.enumerator(atPath: directory)?.allObjects as? [String] else {
            return CheckResult(catalog: MappingCatalog(files: []),
                               problems: [MapperError(.invalidMappingFile, "cannot list mappings directory '\(directory)'")], attemptedFiles: [])
        }
        var files: [MappingFile] = []
        var problems: [MapperError] = []
        var attempted = Set<String>()
        for relative in relativePaths.sorted() where relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") {
            attempted.insert(relative)
            let components = relative.split(separator: "/").map(String.init)
            guard components.count == 2 else {
                problems.append(MapperError(.invalidMappingFile, "mapping files live at <definition>/<event>.yaml; move or delete this file",
                                            location: .init(file: relative)))
                continue
            }
            guard let data = manager.contents(atPath: directory + "/" + relative),
                  let text = String(data: data, encoding: .utf8)
            else {
                problems.append(MapperError(.invalidMappingFile, "cannot read the file as UTF-8 text", location: .init(file: relative)))
                continue
            }
            let (file, fileProblems) = parseCollecting(yaml: text, path: relative, definitions: definitions, models: models)
            if let file { files.append(file) }
            problems += fileProblems
        }
        return CheckResult(catalog: MappingCatalog(files: files), problems: problems, attemptedFiles: attempted)
    }

    /// Compiles one mapping file's text; `path` is `<definition>/<event>.yaml` and decides what the file maps.
    /// - Throws: ``MapperError`` naming the file and position of the first problem.
    public static func parse(
        yaml text: String, path: String, definitions: DefinitionRegistry, models: ModelRegistry
    ) throws(MapperError) -> MappingFile {
        let (file, problems) = parseCollecting(yaml: text, path: path, definitions: definitions, models: models)
        if let first = problems.first { throw first }
        return file!
    }

    /// Compiles one mapping file's text and returns every problem in it; the file is nil when there is any.
    public static func parseCollecting(
        yaml text: String, path: String, definitions: DefinitionRegistry, models: ModelRegistry
    ) -> (MappingFile?, [MapperError]) {
        let components = path.split(separator: "/").map(String.init)
        guard components.count >= 2 else {
            return (nil, [MapperError(.invalidMappingFile, "mapping files live at <definition>/<event>.yaml", location: .init(file: path))])
        }
        let definitionName = components[components.count - 2]
        var eventName = components[components.count - 1]
        for suffix in [".yaml", ".yml"] where eventName.hasSuffix(suffix) { eventName.removeLast(suffix.count) }
        guard let definition = definitions[definitionName] else {
            let known = definitions.definitions.keys.sorted().map(\.rawValue).joined(separator: ", ")
            return (nil, [MapperError(.unknownDefinition, "directory '\(definitionName.prefix(80))' is not a registered definition (known: \(known))",
                                      location: .init(file: path))])
        }
        guard let event = declaredEvent(named: eventName, in: definition) else {
            let declared = definition.events.map(\.rawValue).joined(separator: ", ")
            return (nil, [MapperError(
                .undeclaredEvent,
                "definition '\(definition.name)' declares no event '\(eventName.prefix(80))' (declared: \(declared.isEmpty ? "none" : declared)); records of undeclared events never reach the mapper",
                location: .init(file: path))])
        }
        return MappingFileParser(
            path: path, text: text, definition: definition.name, event: event, models: models,
            environment: MappingVariables.environment
        ).parseCollecting()
    }
}
