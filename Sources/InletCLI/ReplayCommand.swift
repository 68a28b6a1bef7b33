import ArgumentParser
import Foundation
import InletCore
import InletKafka
import InletOperations
import InletPostgres

/// `inlet replay`: move a stage's consumer group, or re-produce a filtered range of records to its replay topic.
/// The logic lives in InletOperations; see docs/operations-tools.md.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rewind a stage's consumer group, or replay selected records to inlet.replay.<stage>.",
        subcommands: [Rewind.self, Run.self, Resume.self, List.self])

    struct Rewind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a stage's committed offsets to a time or an offset (the stage must be stopped).",
            discussion: """
                Example: inlet replay rewind --stage mapper --to 2026-11-21T09:00:00Z
                The deliverer has one consumer group per subscription (inlet-deliverer.<id>): every subscription's group
                moves, or only the one --subscription names.
                """)
        @Option(help: "The stage whose consumer group moves.") var stage: String
        @Option(help: "A time: RFC 3339, a date, now, or relative (--to=-2h); also beginning or end.") var to: String?
        @Option(help: "An offset, applied to every partition (clamped to what each holds).") var offset: Int64?
        @Option(parsing: .upToNextOption, help: "Topics to move (default: every input topic of the stage that exists).") var topics: [String] = []
        @Option(help: "Deliverer only: move this subscription's group (default: every subscription's).") var subscription: String?
        @Flag(help: "Move the offsets even while the group has live members (they may overwrite them).") var force = false
        @Flag(help: "Show the moves without making them.") var dryRun = false

        func run() async throws {
            guard (to == nil) != (offset == nil) else { throw ValidationError("give exactly one of --to TIME and --offset N") }
            let position = try offset.map { StreamPosition.offset($0) } ?? StreamPosition.parse(to!, allowOffset: false)
            let stack = try Stack.load(label: "replay")
            let stage = try StageTopology.stage(named: stage)
            let groups: [StageTopology]
            if stage == .deliverer {
                groups = try StageTopology.delivererGroups(subscriptions: try stack.subscriptions(), only: subscription)
            } else {
                guard subscription == nil else { throw ValidationError("--subscription applies to --stage deliverer only") }
                groups = [StageTopology(stage: stage, catalog: stack.catalog)]
            }
            let clients = try OperatorClients(brokers: stack.configuration.kafkaBrokers, logger: stack.logger)
            let rewinder = ConsumerGroupRewinder(admin: clients.admin, resolver: clients.resolver)
            let given = topics.flatMap(splitList)
            var plans: [ConsumerGroupRewinder.Plan] = []
            for topology in groups {
                // A deliverer group moves only on topics it reads; --topics may name the models of several.
                let wanted = stage == .deliverer ? given.filter(topology.inputTopics.contains) : given
                if !given.isEmpty, wanted.isEmpty { continue }
                let selected = try await selectTopics(wanted, default: topology.inputTopics, clients: clients)
                let plan = try await rewinder.plan(groupID: topology.consumerGroup, topics: selected, to: position)
                var table = TextTable(headers: ["topic", "partition", "committed", "new", "change"], rightAligned: [1, 2, 3, 4])
                for move in plan.moves {
                    table.append([move.partition.topic, String(move.partition.partition), move.from.map(String.init) ?? "-",
                                  String(move.to), move.delta.map { $0 > 0 ? "+\($0)" : String($0) } ?? "new"])
                }
                print("group \(plan.groupID) (\(plan.group.state), \(plan.group.members.count) members) to \(position):")
                print(table.render(indent: "  "))
                plans.append(plan)
            }
            guard !plans.isEmpty else { throw ValidationError("no consumer group of the stage reads any of --topics \(given.joined(separator: " "))") }
            if dryRun {
                print("dry run: nothing changed")
                return
            }
            // Every group is checked before any moves, so one running instance does not leave half the groups moved:
            // for a group with live members, `apply` throws (naming the members to stop) before changing anything.
            if !force {
                for plan in plans where try await clients.admin.describeConsumerGroup(plan.groupID).hasLiveMembers {
                    try await rewinder.apply(plan, force: false)
                }
            }
            for plan in plans { try await rewinder.apply(plan, force: force) }
            let partitions = plans.reduce(0) { $0 + $1.moves.count }
            print("moved \(partitions) partition(s) in \(plans.count) group(s); the stage reads from there when it next starts")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-produce a range of records, filtered, to inlet.replay.<stage>.",
            discussion: """
                Reads [--from, --to) of each partition, keeps what --filter accepts (CEL over envelope, payload, record),
                and produces it to inlet.replay.<stage> with the replay ID in ce_inletreplayid. Progress is recorded in
                PostgreSQL (inlet_replays): Ctrl-C stops after the batch in flight; `inlet replay resume ID` continues.
                Example: inlet replay run --stage mapper --topics inlet.github.pull_request.unique --from=-2h \\
                  --filter "envelope.integration == 'acme'"
                The deliverer's replay reaches every subscription that wants each record's model; --subscription ID sends
                it to that subscription only (the records carry inlet-dlq-subscription: ID; the default topics are its
                models'):
                  inlet replay run --stage deliverer --subscription crm-sync --from=-6h
                """)
        @Option(help: "The stage the records are for.") var stage: String
        @Option(parsing: .upToNextOption, help: "Topics to read (default: the stage's input topics, its replay topic excluded).") var topics: [String] = []
        @Option(help: "Only these partitions (comma-separated numbers).") var partitions: String?
        @Option(help: "First record: beginning, an offset, or a time (RFC 3339, date, now, or relative: --from=-2h).") var from: String
        @Option(help: "Stop before: end (default), an offset, or a time.") var to = "end"
        @Option(help: "CEL expression over envelope, payload, record; records it rejects are skipped.") var filter: String?
        @Flag(help: "Count per partition and print a sample; produce and record nothing.") var dryRun = false
        @Option(help: "At most N records produced per second.") var rate: Int?
        @Option(help: "Deliverer only: send the records to this subscription only (default topics: its models').") var subscription: String?

        func run() async throws {
            if let rate, rate <= 0 { throw ValidationError("--rate must be a positive number of records per second") }
            let stack = try Stack.load(label: "replay")
            let stage = try StageTopology.stage(named: stage)
            let topology = try subscription.map { id in
                try ReplayRequest.targetSubscription(id, stage: stage, declared: { try stack.subscriptions() })
            } ?? StageTopology(stage: stage, catalog: stack.catalog)
            let clients = try OperatorClients(brokers: stack.configuration.kafkaBrokers, logger: stack.logger)
            let selected = try await selectTopics(
                topics.flatMap(splitList), default: topology.inputTopics.filter { $0 != topology.replayTopic }, clients: clients)
            let request = ReplayRequest(
                stage: topology.stage, topics: selected, partitions: try partitions.map(parsePartitions),
                from: try StreamPosition.parse(from), to: try StreamPosition.parse(to), filter: try RecordFilter(filter),
                rate: rate, subscription: subscription)
            let stop = OperatorStop()
            defer { stop.cancel() }
            let display = ProgressDisplay()
            if dryRun {
                let replayer = Replayer(admin: clients.admin, reader: clients.reader, producer: nil, store: nil, logger: stack.logger)
                let report = try await replayer.dryRun(request, shouldStop: stop.check) { display.update($0) }
                display.update(report.progress, final: true)
                printDryRun(report)
                return
            }
            let report = try await withPostgres(stack) { postgres in
                try await clients.withProducer(try stack.producer(clientID: "inlet-operator")) { producer in
                    let replayer = Replayer(admin: clients.admin, reader: clients.reader, producer: producer,
                                            store: ReplayStore(client: postgres), logger: stack.logger)
                    return try await replayer.start(request, shouldStop: stop.check) { display.update($0) }
                }
            }
            display.update(report.progress, final: true)
            printOutcome(report)
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Continue a stopped replay from its recorded position.")
        @Argument(help: "The replay ID (`inlet replay list`).") var id: String
        @Flag(help: "Resume even though it is marked running (its process died).") var force = false

        func run() async throws {
            let stack = try Stack.load(label: "replay")
            let clients = try OperatorClients(brokers: stack.configuration.kafkaBrokers, logger: stack.logger)
            let stop = OperatorStop()
            defer { stop.cancel() }
            let display = ProgressDisplay()
            let report = try await withPostgres(stack) { postgres in
                try await clients.withProducer(try stack.producer(clientID: "inlet-operator")) { producer in
                    let replayer = Replayer(admin: clients.admin, reader: clients.reader, producer: producer,
                                            store: ReplayStore(client: postgres), logger: stack.logger)
                    return try await replayer.resume(id, force: force, shouldStop: stop.check) { display.update($0) }
                }
            }
            display.update(report.progress, final: true)
            printOutcome(report)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recorded replays, newest first.")
        @Option(help: "How many.") var limit = 20

        func run() async throws {
            let stack = try Stack.load(label: "replay")
            let replays = try await withPostgres(stack) { postgres in
                let store = ReplayStore(client: postgres)
                try await store.prepare()
                return try await store.list(limit: limit)
            }
            var table = TextTable(headers: ["id", "stage", "subscription", "status", "read", "matched", "sent", "from", "to", "filter"],
                                  rightAligned: [4, 5, 6])
            for replay in replays {
                // A deliverer replay without a target subscription reaches every subscription; other stages have none.
                let subscription = replay.subscription ?? (replay.stage == Stage.deliverer.rawValue ? "all" : "")
                table.append([replay.id, replay.stage, subscription, replay.status.rawValue, String(replay.scanned),
                              String(replay.matched), String(replay.produced), replay.from, replay.to, replay.filter ?? ""])
            }
            print(table.render())
        }
    }
}

private func printDryRun(_ report: ReplayReport) {
    var table = TextTable(headers: ["topic", "partition", "from", "to", "read", "matched"], rightAligned: [1, 2, 3, 4, 5])
    for count in report.partitions where count.end > count.start {
        table.append([count.partition.topic, String(count.partition.partition), String(count.start), String(count.end),
                      String(count.scanned), String(count.matched)])
    }
    print(table.render())
    print("dry run: \(report.progress.matched) of \(report.progress.scanned) records match; nothing produced")
    if let error = report.firstFilterError { print("filter failed on \(report.progress.filterErrors) record(s), counted as not matching; first: \(error)") }
    if !report.samples.isEmpty {
        print("sample:")
        let printer = RecordPrinter()
        for record in report.samples { print(printer.render(record)) }
    }
}

private func printOutcome(_ report: ReplayReport) {
    let id = report.replayID ?? "?"
    let recipients = report.subscription.map { " for subscription \($0) only" } ?? ""
    print("replay \(id): \(report.status.rawValue); read \(report.progress.scanned), matched \(report.progress.matched), sent \(report.progress.produced)\(recipients)")
    if let error = report.firstFilterError { print("filter failed on \(report.progress.filterErrors) record(s), counted as not matching; first: \(error)") }
    if !report.stalled.isEmpty { print("warning: no records arrived from \(report.stalled.map(\.description).joined(separator: ", ")) before the end of their range") }
    if report.status == .stopped { print("resume with: inlet replay resume \(id)") }
}

/// Runs `body` with a PostgreSQL client and closes it afterwards, whether `body` threw or not.
func withPostgres<R: Sendable>(_ stack: Stack, _ body: (PostgresClient) async throws -> R) async throws -> R {
    let postgres = try stack.postgres()
    do {
        let result = try await body(postgres)
        await postgres.close()
        return result
    } catch {
        await postgres.close()
        throw error
    }
}

/// `a,b` → `[a, b]`.
func splitList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// `0,2` → `[0, 2]`.
func parsePartitions(_ text: String) throws -> Set<Int32> {
    var result = Set<Int32>()
    for part in splitList(text) {
        guard let number = Int32(part), number >= 0 else { throw ValidationError("--partitions must be comma-separated partition numbers, got '\(part.prefix(20))'") }
        result.insert(number)
    }
    return result
}

/// The topics given, or the defaults that exist on the broker.
func selectTopics(_ given: [String], default defaults: [String], clients: OperatorClients) async throws -> [String] {
    if !given.isEmpty { return given }
    let existing = try await clients.admin.partitionCounts()
    let present = defaults.filter { existing[$0] != nil }
    guard !present.isEmpty else {
        throw ValidationError("none of the stage's input topics exists on the broker (\(defaults.joined(separator: ", "))); run `inlet topics create` or pass --topics")
    }
    return present
}
