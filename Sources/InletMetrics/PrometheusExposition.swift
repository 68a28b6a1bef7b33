import InletStageRuntime
import Prometheus

/// The Prometheus text exposition (format 0.0.4) of a registry: families sorted by name, each with its `# HELP` line
/// from the ``MetricDescription``s (swift-metrics cannot pass help texts to the backend).
public struct PrometheusExposition: Sendable {
    /// The `Content-Type` of the text format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public let registry: PrometheusCollectorRegistry
    private let help: [String: String]

    public init(registry: PrometheusCollectorRegistry, descriptions: [MetricDescription]) {
        self.registry = registry
        // A later description of the same name wins; names are unique in practice (a test checks).
        self.help = Dictionary(descriptions.map { ($0.name, $0.help) }, uniquingKeysWith: { _, last in last })
    }

    /// The names of the families currently in the registry, sorted.
    public var familyNames: [String] { families().map(\.name) }

    /// The current values as exposition text.
    public func text() -> String {
        var out = ""
        for family in families() {
            if let help = help[family.name] {
                out += "# HELP \(family.name) \(Self.escapeHelp(help))\n"
            }
            out += family.text
        }
        return out
    }

    /// The registry's output cut into families: each starts at its `# TYPE` line (the registry writes no `# HELP`
    /// lines, as swift-metrics gives it no help texts) and runs to the next. Sample lines start with the metric name
    /// and escape line feeds in label values, so only a family's first line starts with `# TYPE `.
    private func families() -> [(name: String, text: String)] {
        var families: [(name: String, text: String)] = []
        for line in registry.emitToString().split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst("# TYPE ".count).prefix { $0 != " " }
                families.append((String(name), ""))
            }
            guard !families.isEmpty else { continue }
            families[families.count - 1].text += line + "\n"
        }
        return families.sorted { $0.name < $1.name }
    }

    /// HELP text escaping of the text format: backslash and line feed.
    static func escapeHelp(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
