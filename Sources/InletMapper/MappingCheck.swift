import Foundation
import InletCEL
import InletCore
import Yams

/// `inlet check`: compiles everything the mapper would load at start-up — every model, every definition, every
/// mapping file, every integration filter — and reports all problems at once instead of stopping at the first, plus
/// declared events that are neither mapped nor listed in `unmapped.txt` (``MappingCoverage``).
///
/// Pure apart from reading the files it is pointed at; the command prints ``Report/problems`` and exits 1 when
/// there is any.
public enum MappingCheck {
    /// What was checked and what is wrong.
    public struct Report: Sendable {
        /// Every problem, in a stable order: models, definitions, mapping files (by path), coverage, integrations.
        public var problems: [MappingProblem] = []
        public var models = 0
        public var definitions = 0
        /// Mapping files found (compiled or not).
        public var mappingFiles = 0
        /// Integrations whose filter was compiled.
        public var integrationFilters = 0

        /// `ok: 8 models, 21 definitions, 34 mapping files, 2 integration filters` or `N problems`.
        public var summary: String {
            func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
            let counts = [count(models, "model"), count(definitions, "definition"), count(mappingFiles, "mapping file"),
                          count(integrationFilters, "integration filter")].joined(separator: ", ")
            return problems.isEmpty ? "ok: \(counts)" : "\(problems.count) problem\(problems.count == 1 ? "" : "s") (\(counts) checked)"
        }
    }

    /// Checks everything.
    /// - Parameters:
    ///   - mappingsDirectory: as the user gave it (`mappings`); problem paths start with it.
    ///   - integrationsFile: the integrations file whose `filter:` expressions are compiled; nil skips them.
    ///   - models: the model declarations to validate (default: those compiled into Inlet).
    ///   - definitions: the definitions to validate (default: those compiled into Inlet).
    public static func run(
        mappingsDirectory: String, integrationsFile: String?,
        models declarations: [ModelDeclaration] = ModelRegistry.builtIn,
        definitions definitionList: [WebhookDefinition] = WebhookDefinition.builtIn
    ) -> Report {
        var report = Report()

        // Models: each declaration on its own, so every broken one is named, then the registry (collisions).
        report.models = declarations.count
        var validModels: [ModelDeclaration] = []
        for declaration in declarations {
            do {
                try declaration.validate()
                validModels.append(declaration)
            } catch {
                report.problems.append(MappingProblem(file: modelFile(declaration), message: "model \(declaration.name): \(error.reason)"))
            }
        }
        let models: ModelRegistry
        do {
            models = try ModelRegistry(validModels)
        } catch {
            report.problems.append(MappingProblem(file: "Sources/InletCore/Models/ModelRegistry.swift", message: error.reason))
            // An empty registry has nothing to refuse; mapping files then report their models as unknown.
            models = try! ModelRegistry([])
        }

        // Definitions: every problem of every definition, then the registry (event collisions).
        report.definitions = definitionList.count
        for definition in definitionList {
            for problem in definition.problems {
                report.problems.append(MappingProblem(file: definitionFile(definition), message: "definition \(definition.name): \(problem)"))
            }
        }
        let definitions: DefinitionRegistry
        do {
            definitions = try DefinitionRegistry(definitionList.filter(\.problems.isEmpty))
        } catch {
            report.problems.append(MappingProblem(file: "Sources/InletCore/Definitions/DefinitionRegistry.swift", message: error.reason))
            definitions = try! DefinitionRegistry([])
        }

        // Mapping files: every problem of every file, then coverage of the declared events.
        let mappings = MappingCatalog.check(directory: mappingsDirectory, definitions: definitions, models: models)
        report.mappingFiles = mappings.attemptedFiles.count
        report.problems += mappings.problems.map { MappingProblem($0, directory: mappingsDirectory) }
        if !mappings.attemptedFiles.isEmpty || FileManager.default.fileExists(atPath: mappingsDirectory) {
            let coverage = MappingCoverage(directory: mappingsDirectory, catalog: mappings.catalog,
                                           attemptedFiles: mappings.attemptedFiles, definitions: definitions)
            report.problems += coverage.problems
        }

        if let integrationsFile {
            let (compiled, problems) = checkIntegrationFilters(file: integrationsFile, definitions: definitions)
            report.integrationFilters = compiled
            report.problems += problems
        }
        return report
    }

    /// Compiles the `filter:` of every integration in the file, with the file position of each broken one; also
    /// reports what `ConfigurationFiles.integrations` refuses about the file (the mapper and receiver would refuse it).
    static func checkIntegrationFilters(file path: String, definitions: DefinitionRegistry) -> (compiled: Int, problems: [MappingProblem]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (0, [MappingProblem(file: path, message: "cannot read the integrations file; check INLET_INTEGRATIONS_FILE")])
        }
        var problems: [MappingProblem] = []
        do {
            _ = try ConfigurationFiles.integrations(at: path, definitions: definitions)
        } catch {
            problems.append(MappingProblem(file: path, message: error.reason))
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let root = try? Yams.compose(yaml: text), let list = root["integrations"], case .sequence(let entries) = list else {
            return (0, problems)  // the decoding problem above says what is wrong with the shape
        }
        var compiled = 0
        for (index, entry) in entries.enumerated() {
            guard let filterNode = entry["filter"], case .scalar(let scalar) = filterNode else { continue }
            let id = entry["id"]?.scalar?.string ?? "integrations[\(index)]"
            let source = scalar.string
            if source.allSatisfy(\.isWhitespace) { continue }
            switch IntegrationFilters.compile(source) {
            case .success:
                compiled += 1
            case .failure(let error):
                let anchor = ExpressionAnchor(scalar: scalar, in: text)
                let position = error.position.map { anchor.filePosition(line: $0.line, column: $0.column) } ?? (line: anchor.line, column: anchor.column)
                problems.append(MappingProblem(
                    file: path, line: position.line, column: position.column,
                    message: "invalid_integration_filter: \(IntegrationFilters.compileFailure(integration: id, error))"))
            }
        }
        return (compiled, problems)
    }

    /// Models live one per file, named after the model (docs/models.md).
    static func modelFile(_ declaration: ModelDeclaration) -> String {
        "Sources/InletCore/Models/\(declaration.name.rawValue).swift"
    }

    /// Definitions live one per file, named after the provider's title without spaces (`StandardWebhooks.swift`).
    static func definitionFile(_ definition: WebhookDefinition) -> String {
        "Sources/InletCore/Definitions/Providers/\(definition.title.replacingOccurrences(of: " ", with: "")).swift"
    }
}
