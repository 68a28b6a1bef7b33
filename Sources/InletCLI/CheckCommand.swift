import ArgumentParser
import Foundation
import InletCore
import InletMapper

/// `inlet check`: everything the mapper compiles at start-up, checked at once (`MappingCheck`).
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compile every model, mapping file and integration filter and report every problem (file:line:column: message).",
        discussion: """
            Exits 1 when there is any problem, without usage text. Also reports declared events of a definition with
            mappings that are neither mapped nor listed in its unmapped.txt. Run it before committing a mapping, and
            in CI. See docs/mappings.md.
            """)

    @Option(help: "The mappings directory (default: INLET_MAPPINGS_DIR, else mappings).") var mappings: String?
    @Option(help: "The integrations file whose filters are compiled (default: INLET_INTEGRATIONS_FILE, else deploy/local/integrations.yaml).")
    var integrations: String?
    @Flag(help: "Do not check integration filters (no integrations file at hand).") var noIntegrations = false

    func validate() throws {
        if noIntegrations && integrations != nil { throw ValidationError("choose one of --integrations and --no-integrations") }
    }

    func run() async throws {
        // Only the paths come from the configuration: the registries are built by the check itself, so a broken
        // model or definition is reported with the rest instead of stopping the command.
        let settings = try InletConfiguration(environment: EnvironmentReader())
        let report = MappingCheck.run(
            mappingsDirectory: mappings ?? settings.mappingsDirectory,
            integrationsFile: noIntegrations ? nil : integrations ?? settings.integrationsPath)
        guard report.problems.isEmpty else {
            // A finding, not a usage error: the problems on standard output (one per line, for editors and CI),
            // the count on standard error, exit status 1.
            for problem in report.problems { print(problem) }
            FileHandle.standardError.write(Data("inlet check: \(report.summary)\n".utf8))
            throw ExitCode.failure
        }
        print(report.summary)
    }
}
