import ArgumentParser
import InletOperations

/// `inlet tail TOPIC`: print records for people. The logic lives in InletOperations; see docs/operations-tools.md.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print a topic's records: CloudEvents attributes, headers, then the payload.",
        discussion: "Example: inlet tail inlet.model.pull_request --from=-10m --filter \"envelope.integration == 'acme'\" --follow")
    @Argument(help: "The topic to read.") var topic: String
    @Option(help: "Where to start: beginning (default), end, an offset, or a time (RFC 3339, date, now, or relative: --from=-10m).") var from = "beginning"
    @Option(help: "CEL expression over envelope, payload, record, deadletter.") var filter: String?
    @Flag(help: "Keep printing new records until Ctrl-C.") var follow = false
    @Option(help: "Stop after N printed records.") var limit: Int?
    @Option(help: "Only these partitions (comma-separated numbers).") var partitions: String?

    func run() async throws {
        let stack = try Stack.load(label: "tail")
        let clients = try OperatorClients(brokers: stack.configuration.kafkaBrokers, logger: stack.logger)
        let stop = OperatorStop()
        defer { stop.cancel() }
        let printer = RecordPrinter()
        let summary = try await TopicTail(admin: clients.admin, reader: clients.reader).run(
            topic: topic, partitions: try partitions.map(parsePartitions), from: try StreamPosition.parse(from),
            filter: try RecordFilter(filter), follow: follow, limit: limit, shouldStop: stop.check
        ) { record in
            print(printer.render(record))
        }
        var closing = "\(summary.shown) record(s) shown of \(summary.scanned) read"
        if summary.filterErrors > 0 { closing += "; the filter failed on \(summary.filterErrors) (first: \(summary.firstFilterError ?? ""))" }
        print(closing)
    }
}
