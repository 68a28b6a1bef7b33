import Foundation
import Testing
@testable import InletCore

/// `EnvironmentVariables` is the one list of every `INLET_` variable; these tests keep it, the sources and
/// `docs/configuration.md` from drifting apart.
@Suite struct ConfigurationReferenceTests {
    static let listFile = "Sources/InletCore/Configuration/EnvironmentVariables.swift"

    /// Listed before the code that reads them lands. The test below fails once a variable here is read, so the
    /// entry is removed then. (`INLET_ADMIN_PORT` left it when `AdminServerConfiguration` started reading it.)
    static let awaitingImplementation: Set<String> = []

    /// Every `INLET_` name in Swift sources (string literals and comments alike), by file, without the list itself.
    static func sourceMentions() throws -> [String: Set<String>] {
        var mentions: [String: Set<String>] = [:]
        for file in DeployRepository.files(under: "Sources", suffixes: [".swift"]) where file != listFile {
            for name in DeployRepository.inletVariableNames(in: try DeployRepository.text(file)) {
                mentions[name, default: []].insert(file)
            }
        }
        return mentions
    }

    /// Every `INLET_` name in the local stack's scripts, by file.
    static func localStackMentions() throws -> [String: Set<String>] {
        var mentions: [String: Set<String>] = [:]
        for file in DeployRepository.files(under: "deploy/local", suffixes: [".sh"]) {
            for name in DeployRepository.inletVariableNames(in: try DeployRepository.text(file)) {
                mentions[name, default: []].insert(file)
            }
        }
        return mentions
    }

    @Test func committedReferenceMatchesTheList() throws {
        let generated = EnvironmentVariables.referenceMarkdown()
        let committed = try DeployRepository.text("docs/configuration.md")
        guard committed != generated else { return }
        // Write what it should be, so the fix is one copy.
        let fresh = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-configuration-\(UUID().uuidString).md")
        try generated.write(to: fresh, atomically: true, encoding: .utf8)
        Issue.record("docs/configuration.md is stale: cp \(fresh.path) \(DeployRepository.url("docs/configuration.md").path)")
    }

    @Test func everyVariableTheSourcesAndScriptsMentionIsListed() throws {
        let mentions = try Self.sourceMentions().merging(try Self.localStackMentions()) { $0.union($1) }
        #expect(mentions.count >= 30, "the scan found only \(mentions.keys.sorted())")
        for (name, files) in mentions.sorted(by: { $0.key < $1.key }) {
            #expect(EnvironmentVariables.named(name) != nil,
                    "\(name) (in \(files.sorted().joined(separator: ", "))) is missing from \(Self.listFile)")
        }
    }

    @Test func everyListedVariableIsReadSomewhere() throws {
        let mentions = try Self.sourceMentions().merging(try Self.localStackMentions()) { $0.union($1) }
        for variable in EnvironmentVariables.all {
            if Self.awaitingImplementation.contains(variable.name) {
                #expect(mentions[variable.name] == nil,
                        "\(variable.name) is read now (\(mentions[variable.name]?.sorted() ?? [])): drop it from awaitingImplementation")
            } else {
                #expect(mentions[variable.name] != nil, "\(variable.name) is listed but nothing in Sources/ or deploy/local reads it")
            }
        }
    }

    @Test func defaultsMatchTheConfigurationTypes() throws {
        // Typed where the type is in reach of this target ...
        for (name, defaultValue, _) in InletConfiguration.variables {
            #expect(EnvironmentVariables.named(name)?.defaultValue == defaultValue, "\(name): default differs from InletConfiguration")
        }
        // ... and from the source text of the others: `("INLET_X", "default", "meaning")` tuples of the stages'
        // `variables` lists, and the `| \`INLET_X\` | meaning | \`default\` |` table of PostgresConfiguration.
        let tuple = try NSRegularExpression(pattern: #"\(\s*"(INLET_[A-Z0-9_]+)"\s*,\s*"([^"]*)"\s*,"#)
        let tableRow = try NSRegularExpression(pattern: #"\|\s*`(INLET_[A-Z0-9_]+)`\s*\|[^|\n]*\|\s*`([^`]*)`\s*\|"#)
        var compared = 0
        for file in DeployRepository.files(under: "Sources", suffixes: [".swift"]) where file != Self.listFile {
            let text = try DeployRepository.text(file)
            let range = NSRange(text.startIndex..., in: text)
            for match in tuple.matches(in: text, range: range) + tableRow.matches(in: text, range: range) {
                let name = String(text[Range(match.range(at: 1), in: text)!])
                let value = String(text[Range(match.range(at: 2), in: text)!])
                #expect(EnvironmentVariables.named(name)?.defaultValue == value,
                        "\(file) gives \(name) the default '\(value)', \(Self.listFile) '\(EnvironmentVariables.named(name)?.defaultValue ?? "none")'")
                compared += 1
            }
        }
        #expect(compared >= 20, "the default scan matched only \(compared) declarations")
    }

    @Test func modulesThatReadAVariableAreAmongItsReaders() throws {
        let stageModules: [String: [EnvironmentVariable.Reader]] = [
            "Sources/InletReceiver/": [.receiver], "Sources/InletDeduplicator/": [.deduplicator],
            "Sources/InletMapper/": [.mapper], "Sources/InletPersister/": [.persister],
            "Sources/InletDeliverer/": [.deliverer], "Sources/InletPostgres/": [.deduplicator, .persister],
        ]
        for (name, files) in try Self.sourceMentions() {
            guard let variable = EnvironmentVariables.named(name) else { continue }  // reported by another test
            for file in files {
                for (module, readers) in stageModules where file.hasPrefix(module) {
                    #expect(Set(readers).isSubset(of: variable.readers), "\(file) reads \(name); list \(readers) among its readers")
                }
            }
        }
        for name in try Self.localStackMentions().keys {
            #expect(EnvironmentVariables.named(name)?.readers.contains(.localStack) != false, "\(name) is read by deploy/local")
        }
    }

    @Test func everyVariableIsListedOnceWithAMeaningAndAReader() {
        var names = Set<String>()
        for variable in EnvironmentVariables.all {
            #expect(names.insert(variable.name).inserted, "\(variable.name) is listed twice")
            #expect(variable.name.hasPrefix("INLET_"))
            #expect(!variable.meaning.isEmpty && !variable.readers.isEmpty, "\(variable.name) needs a meaning and a reader")
        }
        let document = EnvironmentVariables.referenceMarkdown()
        for variable in EnvironmentVariables.all {
            #expect(document.components(separatedBy: "| `\(variable.name)` |").count == 2, "\(variable.name) should have one row")
        }
    }
}
