import ArgumentParser
import InletCore
import InletOperations

/// `inlet dlq`: summarise, show and redrive dead letters. The logic lives in InletOperations; see
/// docs/operations-tools.md.
struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "Inspect dead letters and send them back to their stage.",
        subcommands: [List.self, Show.self, Redrive.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Summarise dead letters by stage and error code.")
        @Option(help: "Only this stage (default: every stage).") var stage: String?
        @Option(help: "Only dead letters from this time or offset on (RFC 3339, date, or relative: --since=-1d).") var since: String?

        func run() async throws {
            let stack = try Stack.load(label: "dlq")
            let clients = try OperatorClients(brokers: stack.configuration.kafkaBrokers, logger: stack.logger)
            let stages = try stage.map { [try StageTopology.stage(named: $0)] } ?? Stage.allCases
            let topics = stages.map { TopicName.deadLetter($0).rawValue }
            let inspector = DeadLetterInspector(admin: clients.admin, reader: clients.reader)
            let summaries = try await inspector.summarize(topics: topics, since: try since.map { try StreamPosition.parse($0) } ?? .beginning)
            guard !summaries.isEmpty else {
                print("no dead letters\(since.map { " since \($0)" } ?? "")")
                return
            }
            var table = TextTable(headers: ["stage", "error", "count", "first", "last", "latest id", "latest message"], rightAligned: [2])
            for summary in summaries {
                table.append([summary.stage, summary.errorCode, String(summary.count), summary.firstAt.map(formatTime) ?? "-",
                              summary.lastAt.map(formatTime) ?? "-", summary.latestID.description,
                              String(summary.latestMessage.prefix(100))])
            }
            print(table.render())
            print("\(summaries.reduce(0) { $0 + $1.count }) dead letter(s); `inlet dlq show ID` shows one")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter: why it failed, where it came from, and the record.")
        @Argument(help: "<topic>/<partition>/<offset> (inlet.dlq.mapper/2/17) or <stage>/<partition>/<offset> (mapper/2/17).") var id: String

        func run() async throws {
            let deadLetterID = try DeadLetterID(parsing: id)
            let stack = try Stack.load(label: "dlq")
            let clients = try OperatorClients(brokers: stack.configuration.kafkaBrokers, logger: stack.logger)
            let entry = try await DeadLetterInspector(admin: clients.admin, reader: clients.reader).show(deadLetterID)
            if let letter = entry.deadLetter {
                print("dead letter \(entry.id)")
                print("  stage     \(letter.stage.rawValue)")
                print("  error     \(letter.errorCode)")
                print("  message   \(letter.errorMessage)")
                print("  attempts  \(letter.attempts)")
                print("  original  \(letter.originalTopic)[\(letter.originalPartition)] @\(letter.originalOffset)")
            } else {
                print("\(entry.id) has no inlet-dlq-* headers: it was not written by a stage")
            }
            print(RecordPrinter().render(entry.record))
        }
    }

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a stage's dead letters back to it through inlet.replay.<stage>, once each.",
            discussion: """
                Each dead letter sent is recorded in PostgreSQL (inlet_redrives), so running the same redrive again sends
                nothing twice. Example: inlet dlq redrive --stage mapper --filter "deadletter.error_code == 'map_error'"
                """)
        @Option(help: "The stage whose dead letters go back.") var stage: String
        @Option(help: "CEL over deadletter, envelope, payload, record; only what it accepts is sent.") var filter: String?
        @Option(help: "Only dead letters from this time or offset on.") var since: String?
        @Flag(help: "Count what would be sent; send and record nothing.") var dryRun = false
        @Flag(help: "Also re-send dead letters an earlier redrive claimed but never confirmed (it died in between).") var retryUnconfirmed = false

        func run() async throws {
            let stack = try Stack.load(label: "dlq")
            let topology = StageTopology(stage: try StageTopology.stage(named: stage), catalog: stack.catalog)
            let request = RedriveRequest(
                topology: topology, filter: try RecordFilter(filter),
                since: try since.map { try StreamPosition.parse($0) } ?? .beginning, dryRun: dryRun,
                retryUnconfirmed: retryUnconfirmed)
            let clients = try OperatorClients(brokers: stack.configuration.kafkaBrokers, logger: stack.logger)
            let inspector = DeadLetterInspector(admin: clients.admin, reader: clients.reader)
            let stop = OperatorStop()
            defer { stop.cancel() }
            let report = try await withPostgres(stack) { postgres in
                let store = RedriveStore(client: postgres)
                if dryRun {
                    return try await DeadLetterRedriver(inspector: inspector, producer: nil, store: store, logger: stack.logger)
                        .redrive(request, shouldStop: stop.check)
                }
                return try await clients.withProducer(try stack.producer(clientID: "inlet-operator")) { producer in
                    try await DeadLetterRedriver(inspector: inspector, producer: producer, store: store, logger: stack.logger)
                        .redrive(request, shouldStop: stop.check)
                }
            }
            let verb = dryRun ? "would send" : "sent"
            print("\(report.redriveID.map { "redrive \($0): " } ?? "dry run: ")\(verb) \(report.sent) dead letter(s) to \(report.targetTopic)")
            for (code, count) in report.sentByError.sorted(by: { $0.key < $1.key }) { print("  \(code)  \(count)") }
            if report.alreadySent > 0 { print("skipped \(report.alreadySent) already sent by an earlier redrive") }
            if report.notDeadLetters > 0 { print("skipped \(report.notDeadLetters) record(s) without dead-letter headers") }
            if !report.unconfirmed.isEmpty {
                print("skipped \(report.unconfirmed.count) claimed by an earlier redrive that never confirmed sending them (first: \(report.unconfirmed[0])); check the stage's replay topic, then pass --retry-unconfirmed to send them")
            }
            if stop.isRequested { print("stopped early; run the same command again to continue (nothing is sent twice)") }
        }
    }
}

func formatTime(_ milliseconds: Int64) -> String {
    StreamPosition.time(milliseconds: milliseconds).description
}
