import Foundation
import Testing
@testable import InletCore

/// A systemd unit file read the way systemd reads it: `[Section]` headers, `Key=Value` lines, `#`/`;` comments.
/// Keys may repeat (`After=`, `EnvironmentFile=`), so each section keeps a list.
struct DeploySystemdUnit {
    let path: String
    let sections: [String: [(key: String, value: String)]]

    init(_ relativePath: String) throws {
        path = relativePath
        var sections: [String: [(key: String, value: String)]] = [:]
        var current: String?
        for (number, rawLine) in try DeployRepository.text(relativePath).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw DeployTestFailure("\(relativePath):\(number + 1): unclosed section header") }
                current = String(line.dropFirst().dropLast())
                sections[current!, default: []] = sections[current!] ?? []
                continue
            }
            guard let section = current else { throw DeployTestFailure("\(relativePath):\(number + 1): a setting before any section") }
            guard !line.hasSuffix("\\") else { throw DeployTestFailure("\(relativePath):\(number + 1): continuation lines are not used here") }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                throw DeployTestFailure("\(relativePath):\(number + 1): '\(line)' is not Key=Value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard key.allSatisfy({ $0.isLetter || $0.isNumber }) else {
                throw DeployTestFailure("\(relativePath):\(number + 1): '\(key)' is not a setting name")
            }
            sections[section, default: []].append((key, line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)))
        }
        self.sections = sections
    }

    func values(_ key: String, in section: String) -> [String] {
        sections[section, default: []].filter { $0.key == key }.map(\.value)
    }

    func value(_ key: String, in section: String) -> String? { values(key, in: section).last }

    /// `Environment=NAME=value` settings, later ones winning.
    var environment: [String: String] {
        var result: [String: String] = [:]
        for assignment in values("Environment", in: "Service") {
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            result[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return result
    }
}

/// `deploy/systemd/`: a unit per stage that runs an existing subcommand, restarts on failure, stops gracefully
/// within a bound, and is hardened; the environment file sets only variables Inlet reads.
@Suite struct DeploySystemdUnitTests {
    static let directory = "deploy/systemd"
    static let binary = "/usr/local/bin/inlet"

    static func units() throws -> [DeploySystemdUnit] {
        try DeployRepository.files(under: directory, suffixes: [".service", ".target"]).map(DeploySystemdUnit.init)
    }

    static func seconds(_ text: String?) -> Int? {
        guard let text else { return nil }
        if text.hasSuffix("min") { return Int(text.dropLast(3)).map { $0 * 60 } }
        if text.hasSuffix("s") { return Int(text.dropLast()) }
        return Int(text)
    }

    @Test func everyUnitParsesWithKnownSections() throws {
        let units = try Self.units()
        #expect(units.count == Stage.allCases.count + 2, "five stages, inlet-topics.service and inlet.target: \(units.map(\.path))")
        for unit in units {
            #expect(Set(unit.sections.keys).isSubset(of: ["Unit", "Service", "Install"]), "\(unit.path): \(unit.sections.keys.sorted())")
            #expect(unit.value("Description", in: "Unit") != nil, "\(unit.path) has no Description")
        }
    }

    @Test func everyStageHasAUnitThatRunsItRestartsAndStopsGracefully() throws {
        for stage in Stage.allCases {
            let unit = try DeploySystemdUnit("\(Self.directory)/inlet-\(stage.rawValue).service")
            #expect(unit.value("ExecStart", in: "Service") == "\(Self.binary) \(stage.rawValue)")
            #expect(unit.value("Restart", in: "Service") == "on-failure")
            #expect(unit.value("KillSignal", in: "Service") == "SIGTERM")
            let stopSeconds = try #require(Self.seconds(unit.value("TimeoutStopSec", in: "Service")), "\(unit.path): TimeoutStopSec")
            #expect((10...120).contains(stopSeconds), "\(unit.path): TimeoutStopSec \(stopSeconds) s")
            #expect(unit.values("EnvironmentFile", in: "Service").contains("/etc/inlet/inlet.env"))
            #expect(unit.value("PartOf", in: "Unit") == "inlet.target")
            #expect(unit.value("WantedBy", in: "Install") == "inlet.target")
            if stage == .deliverer {
                let grace = try #require(EnvironmentVariables.named("INLET_DELIVERER_SHUTDOWN_GRACE_MS")?.defaultValue.flatMap { Int($0) })
                #expect(grace / 1000 < stopSeconds, "the deliverer is killed before its own shutdown grace ends")
            }
        }
    }

    @Test func everyUnitRunsAnExistingSubcommand() throws {
        let commands = try DeployCLICommands.scan()
        for unit in try Self.units() where unit.path.hasSuffix(".service") {
            for execStart in unit.values("ExecStart", in: "Service") {
                let words = execStart.split(separator: " ").map(String.init)
                #expect(words.first == Self.binary, "\(unit.path) runs \(words.first ?? "nothing")")
                #expect(DeployCLICommands.exists(Array(words.dropFirst()), in: commands),
                        "\(unit.path) runs `\(execStart)`, which the CLI does not declare")
            }
        }
        let topics = try DeploySystemdUnit("\(Self.directory)/inlet-topics.service")
        #expect(topics.value("ExecStart", in: "Service") == "\(Self.binary) topics create")
        #expect(topics.value("Type", in: "Service") == "oneshot")
    }

    @Test func everyServiceIsHardened() throws {
        let required: [String: String] = [
            "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
            "PrivateDevices": "yes", "DynamicUser": "yes", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes",
            "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectControlGroups": "yes",
            "SystemCallArchitectures": "native", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
            "MemoryDenyWriteExecute": "yes", "LockPersonality": "yes", "RestrictNamespaces": "yes",
        ]
        for unit in try Self.units() where unit.path.hasSuffix(".service") {
            for (key, value) in required {
                #expect(unit.value(key, in: "Service") == value, "\(unit.path): \(key) should be '\(value)'")
            }
            #expect(unit.values("SystemCallFilter", in: "Service").contains("@system-service"), "\(unit.path): SystemCallFilter")
        }
    }

    @Test func secretsReachOnlyTheStagesThatReadThem() throws {
        for stage in Stage.allCases {
            let unit = try DeploySystemdUnit("\(Self.directory)/inlet-\(stage.rawValue).service")
            let readsPostgres = EnvironmentVariables.named("INLET_POSTGRES_URL")?.readers.map(\.rawValue).contains(stage.rawValue) == true
            #expect(unit.values("EnvironmentFile", in: "Service").contains("/etc/inlet/postgres.env") == readsPostgres,
                    "\(unit.path): postgres.env (INLET_POSTGRES_URL) belongs to exactly the stages that read it")
            let credentials = unit.values("LoadCredential", in: "Service")
            for (variable, file) in [("INLET_INTEGRATIONS_FILE", "integrations.yaml"), ("INLET_SUBSCRIPTIONS_FILE", "subscriptions.yaml")] {
                let reads = EnvironmentVariables.named(variable)?.readers.map(\.rawValue).contains(stage.rawValue) == true
                #expect(credentials.contains("\(file):/etc/inlet/\(file)") == reads, "\(unit.path): credential \(file)")
                if reads { #expect(unit.environment[variable] == "%d/\(file)", "\(unit.path): \(variable) must point into the credentials directory") }
            }
        }
    }

    @Test func consumingStagesListenOnDistinctAdminPorts() throws {
        var ports: [String: Stage] = [:]
        for stage in Stage.allCases where stage != .receiver {
            let unit = try DeploySystemdUnit("\(Self.directory)/inlet-\(stage.rawValue).service")
            let port = try #require(unit.environment["INLET_ADMIN_PORT"], "\(unit.path): INLET_ADMIN_PORT")
            #expect(ports.updateValue(stage, forKey: port) == nil, "\(stage.rawValue) shares admin port \(port)")
        }
        // inlet.env overrides Environment= lines, so setting the port there would collide again.
        let example = try DeployRepository.text("\(Self.directory)/inlet.env.example")
        #expect(!example.split(separator: "\n").contains { $0.hasPrefix("INLET_ADMIN_PORT=") })
    }

    @Test func environmentExampleSetsOnlyDocumentedVariables() throws {
        let path = "\(Self.directory)/inlet.env.example"
        var assigned = 0
        for line in try DeployRepository.text(path).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1)
            #expect(parts.count == 2, "\(path): '\(line)' is not NAME=value")
            guard let name = parts.first.map(String.init) else { continue }
            #expect(EnvironmentVariables.named(name) != nil, "\(path) sets \(name), which Inlet does not read")
            #expect(name != "INLET_POSTGRES_URL", "\(path) is world-readable; the database URL belongs in postgres.env")
            // EnvironmentFile= overrides Environment=: these would take the units' credentials away.
            #expect(!["INLET_INTEGRATIONS_FILE", "INLET_SUBSCRIPTIONS_FILE"].contains(name),
                    "\(path) sets \(name), which the units set themselves")
            assigned += 1
        }
        #expect(assigned >= 5)
        for file in DeployRepository.files(under: Self.directory, suffixes: [".service", ".target", ".example"]) {
            for name in DeployRepository.inletVariableNames(in: try DeployRepository.text(file)) {
                #expect(EnvironmentVariables.named(name) != nil, "\(file) mentions \(name), which Inlet does not read")
            }
        }
    }
}
