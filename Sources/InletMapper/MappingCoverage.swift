import Foundation
import InletCore

/// Which declared events of a definition are mapped, and which are left unmapped on purpose.
///
/// A definition that has a mapping directory must account for every event it declares: either a mapping file
/// (`mappings/<definition>/<event>.yaml`) or a line in `mappings/<definition>/unmapped.txt` saying why not. Records
/// of an unmapped event still reach the mapper (the event is declared, so it has topics) and go to `inlet.dlq.mapper`
/// with `no_mapping`, where they wait for a mapping and a redrive; the list makes that a decision, not an oversight.
///
/// `unmapped.txt`: one event per line, `<event>: <why>` (the event as the provider spells it or its topic-safe
/// form); `#` starts a comment line; blank lines are ignored.
/// ```text
/// # Declared by github but not mapped: records go to inlet.dlq.mapper with no_mapping.
/// issue_comment: comments have no model yet
/// ```
public struct MappingCoverage: Sendable {
    /// The name of the list of intentionally unmapped events in a definition's mapping directory.
    public static let unmappedFileName = "unmapped.txt"

    /// One event left unmapped on purpose, and why.
    public struct UnmappedEvent: Sendable, Hashable {
        public let event: EventName
        public let reason: String
        /// The 1-based line in `unmapped.txt`.
        public let line: Int
    }

    /// Definitions that have a mapping directory, with their intentionally unmapped events.
    public let unmapped: [DefinitionName: [UnmappedEvent]]
    /// Problems of the lists themselves and declared events that are neither mapped nor listed.
    public let problems: [MappingProblem]

    /// Checks every definition directory under `directory` against `catalog`.
    /// - Parameter catalog: the files that compiled; a file that failed to compile still counts as mapping its
    ///   event (its own problem is reported elsewhere), so pass those in `attemptedFiles` as `<definition>/<file>`.
    public init(directory: String, catalog: MappingCatalog, attemptedFiles: Set<String> = [], definitions: DefinitionRegistry) {
        var unmapped: [DefinitionName: [UnmappedEvent]] = [:]
        var problems: [MappingProblem] = []
        let manager = FileManager.default
        let entries = ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for name in entries {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory), isDirectory.boolValue,
                  let definition = definitions[name]
            else { continue }  // unknown directories are reported by the catalog when they hold mapping files
            let mapped = Set(catalog.files.values.filter { $0.definition == definition.name }.map(\.event))
                .union(attemptedFiles.compactMap { path -> EventName? in
                    let parts = path.split(separator: "/").map(String.init)
                    guard parts.count == 2, parts[0] == name else { return nil }
                    var file = parts[1]
                    for suffix in [".yaml", ".yml"] where file.hasSuffix(suffix) { file.removeLast(suffix.count) }
                    return MappingCatalog.declaredEvent(named: file, in: definition)
                })
            let listPath = "\(name)/\(Self.unmappedFileName)"
            var listed: [UnmappedEvent] = []
            if let data = manager.contents(atPath: directory + "/" + listPath) {
                let parsed = Self.parseUnmapped(String(decoding: data, as: UTF8.self), path: MappingProblem.join(directory, listPath),
                                                definition: definition)
                listed = parsed.events
                problems += parsed.problems
                for item in listed where mapped.contains(item.event) {
                    problems.append(MappingProblem(
                        file: MappingProblem.join(directory, listPath), line: item.line,
                        message: "'\(item.event)' has a mapping file; remove it from \(Self.unmappedFileName)"))
                }
            }
            unmapped[definition.name] = listed
            let listedEvents = Set(listed.map(\.event))
            for event in definition.events where !mapped.contains(event) && !listedEvents.contains(event) {
                problems.append(MappingProblem(
                    file: MappingProblem.join(directory, name),
                    message: "\(definition.name) declares '\(event)' but it has neither a mapping file (\(name)/\(event.topicSegment).yaml) nor a line in \(listPath) saying why it is unmapped; its records would go to inlet.dlq.mapper with no_mapping"))
            }
        }
        self.unmapped = unmapped
        self.problems = problems
    }

    /// Reads one `unmapped.txt`.
    static func parseUnmapped(_ text: String, path: String, definition: WebhookDefinition) -> (events: [UnmappedEvent], problems: [MappingProblem]) {
        var events: [UnmappedEvent] = []
        var problems: [MappingProblem] = []
        var seen = Set<EventName>()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            // Split at the first ": ": event names may hold a colon (`repo:push`) but never a colon and a space.
            guard let separator = line.range(of: ": ") else {
                problems.append(MappingProblem(file: path, line: index + 1, column: 1,
                                               message: "expected '<event>: <why it is unmapped>'"))
                continue
            }
            let name = String(line[..<separator.lowerBound]).trimmingCharacters(in: .whitespaces)
            let reason = String(line[separator.upperBound...]).trimmingCharacters(in: .whitespaces)
            guard let event = MappingCatalog.declaredEvent(named: name, in: definition) else {
                problems.append(MappingProblem(
                    file: path, line: index + 1, column: 1,
                    message: "\(definition.name) declares no event '\(name.prefix(80))' (declared: \(definition.events.map(\.rawValue).joined(separator: ", ")))"))
                continue
            }
            guard !reason.isEmpty else {
                problems.append(MappingProblem(file: path, line: index + 1, column: 1, message: "say why '\(event)' is unmapped"))
                continue
            }
            guard seen.insert(event).inserted else {
                problems.append(MappingProblem(file: path, line: index + 1, column: 1, message: "'\(event)' is listed twice"))
                continue
            }
            events.append(UnmappedEvent(event: event, reason: reason, line: index + 1))
        }
        return (events, problems)
    }
}
