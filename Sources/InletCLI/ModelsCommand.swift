import ArgumentParser
import Foundation
import InletCore
import InletPersister

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Inspect the internal models: fields, keys, version, table, topic; export their JSON Schemas.",
        discussion: "Models are declared in Sources/InletCore/Models; docs/models.md explains them and the migration rules.",
        subcommands: [List.self, Export.self, Check.self, SQL.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every model with its table, topic, upsert key, version field, lookup keys and fields (* = required).")
        @Flag(help: "Print JSON (one object per model) instead of text.") var json = false
        @Flag(help: "Print the reference sections of docs/models.md.") var markdown = false

        func validate() throws {
            if json && markdown { throw ValidationError("choose one of --json and --markdown") }
        }

        func run() async throws {
            let listing = ModelListing(try ModelRegistry())
            print(json ? listing.json() : markdown ? listing.markdown() : listing.text(), terminator: "")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write each model's JSON Schema (draft 2020-12) to DIR/<Model>.json, removing schemas of models that no longer exist.")
        @Argument(help: "The directory, e.g. docs/models.") var directory: String

        func run() async throws {
            let files = ModelSchemaFiles(models: try ModelRegistry())
            let changed = try files.write(to: URL(fileURLWithPath: directory, isDirectory: true))
            print("\(directory): \(files.files.count) model schemas, \(changed.isEmpty ? "all up to date" : "updated " + changed.joined(separator: ", "))")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fail when DIR's JSON Schemas differ from the model declarations (run `inlet models export DIR`).")
        @Argument(help: "The directory, e.g. docs/models.") var directory: String

        func run() async throws {
            let files = ModelSchemaFiles(models: try ModelRegistry())
            let differences = files.differences(in: URL(fileURLWithPath: directory, isDirectory: true))
            guard differences.isEmpty else {
                // A finding, not a usage error: no usage text, exit status 1.
                FileHandle.standardError.write(Data("""
                    \(directory) differs from the model declarations:
                    \(differences.map { "  \($0)" }.joined(separator: "\n"))
                    Run `inlet models export \(directory)` and commit the result.

                    """.utf8))
                throw ExitCode.failure
            }
            print("\(directory) matches the model declarations (\(files.files.count) schemas)")
        }
    }

    struct SQL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sql", abstract: "Print the CREATE statements the persister runs for a model's missing table.")
        @Argument(help: "Model names (all when none), e.g. Payment.") var names: [String] = []

        func run() async throws {
            let registry = try ModelRegistry()
            var models: [ModelDeclaration] = []
            for name in names {
                guard let model = registry[name] else {
                    throw ValidationError("unknown model '\(name)'; known: \(registry.sorted.map(\.name.rawValue).joined(separator: ", "))")
                }
                models.append(model)
            }
            for model in models.isEmpty ? registry.sorted : models {
                for statement in try ModelTable(model).ddl() { print(statement + ";") }
                print("")
            }
        }
    }
}
