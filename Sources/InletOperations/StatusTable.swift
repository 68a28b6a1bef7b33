/// Renders a ``PipelineStatus`` as the tables `inlet status` prints.
public enum StatusTable {
    public static func render(_ status: PipelineStatus) -> String {
        var out: [String] = []
        out.append("inlet status at \(status.generatedAt)")
        out.append("  broker    \(health(status.broker))")
        out.append("  postgres  \(health(status.postgres))")
        out.append("")
        var stages = TextTable(headers: ["stage", "group", "state", "members", "lag", "dead letters", "note"], rightAligned: [3, 4, 5])
        for stage in status.stages {
            var notes: [String] = []
            if let error = stage.error { notes.append("error: \(error)") }
            if !stage.missingTopics.isEmpty {
                // The full list is in --json; a table row names a few.
                let shown = stage.missingTopics.prefix(2).joined(separator: ", ")
                let more = stage.missingTopics.count > 2 ? " and \(stage.missingTopics.count - 2) more" : ""
                notes.append("\(stage.missingTopics.count) input topic(s) missing (\(shown)\(more); `inlet topics create`)")
            }
            let members = stage.members.isEmpty && stage.active ? "yes" : String(stage.members.count)
            stages.append([stage.stage, stage.group, stage.state, members, String(stage.totalLag),
                           stage.deadLetters.map(String.init) ?? "-", notes.joined(separator: "; ")])
        }
        out.append(stages.render())
        for stage in status.stages where !stage.partitions.isEmpty || !stage.members.isEmpty {
            out.append("")
            out.append("\(stage.stage) (\(stage.group)):")
            for member in stage.members {
                out.append("  member \(member.clientID)@\(member.host): \(member.assignment.isEmpty ? "no partitions" : member.assignment.joined(separator: " "))")
            }
            var partitions = TextTable(headers: ["topic", "partition", "committed", "high", "lag"], rightAligned: [1, 2, 3, 4])
            for lag in stage.partitions {
                partitions.append([lag.topic, String(lag.partition), lag.committed.map(String.init) ?? "-", String(lag.high), String(lag.lag)])
            }
            if !stage.partitions.isEmpty { out.append(partitions.render(indent: "  ")) }
        }
        out.append("")
        out.append("note: \(status.note)")
        return out.joined(separator: "\n")
    }

    static func health(_ health: ComponentHealth) -> String {
        let latency = health.latencyMilliseconds.map { " (\(formatMilliseconds($0)))" } ?? ""
        return (health.healthy ? "ok      " : "FAILING ") + health.detail + latency
    }

    static func formatMilliseconds(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return "\(tenths) ms"
    }
}
