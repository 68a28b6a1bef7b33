import ArgumentParser
import Foundation
import InletCEL

struct CELCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cel", abstract: "Evaluate CEL expressions and run CEL conformance files.",
        subcommands: [Eval.self, Test.self])

    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate one expression and print the result as JSON.",
            discussion: "Example: inlet cel eval 'payload.action' --var payload=@event.json")
        @Argument(help: "The CEL expression.") var expression: String
        @Option(name: .customLong("var"), help: "name=JSON or name=@file.json; repeatable.") var variables: [String] = []

        func run() async throws {
            var bindings: [String: CELValue] = [:]
            for variable in variables {
                guard let equals = variable.firstIndex(of: "=") else {
                    throw ValidationError("--var '\(variable.prefix(40))' must be name=JSON or name=@file.json")
                }
                let name = String(variable[..<equals])
                var text = String(variable[variable.index(after: equals)...])
                if text.hasPrefix("@") {
                    let path = String(text.dropFirst())
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw ValidationError("--var \(name): cannot read \(path)")
                    }
                    text = String(decoding: data, as: UTF8.self)
                }
                do {
                    bindings[name] = try CELValue(json: text)
                } catch {
                    throw ValidationError("--var \(name) is not valid JSON: \(error)")
                }
            }
            let environment = CELEnvironment(libraries: CELConformanceRunner.libraries)
            do {
                let program = try environment.compile(expression)
                print(try program.evaluate(bindings).jsonString())
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run CEL conformance cases (JSON Lines, ../shared/cel-conformance/FORMAT.md); prints `N passed, N failed`.")
        @Argument(help: "Conformance files (.jsonl).") var files: [String]
        @Option(help: "A file of `<case id> <reason>` lines: cases not supported (still counted as failed).") var skipFile: String?
        @Flag(help: "List every failing case with its reason.") var verbose = false

        func run() async throws {
            let report = CELConformanceRunner.run(files: files, skipFile: skipFile)
            print(report.render(failures: verbose), terminator: "")
            if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
        }
    }
}
