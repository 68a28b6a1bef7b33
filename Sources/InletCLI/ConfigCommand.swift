import ArgumentParser
import InletCore

/// `inlet config reference`: the configuration reference (every `INLET_` variable), generated from
/// ``EnvironmentVariables`` so `docs/configuration.md` cannot drift from the code.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Print the configuration reference (every INLET_ variable).",
        subcommands: [Reference.self])

    struct Reference: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reference", abstract: "Print docs/configuration.md, generated from the code.")
        func run() async throws { print(EnvironmentVariables.referenceMarkdown(), terminator: "") }
    }
}
