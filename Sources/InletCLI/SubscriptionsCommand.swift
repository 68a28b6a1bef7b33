import ArgumentParser
import InletCore
import InletDeliverer
import InletOperations

/// `inlet subscriptions`: the HTTP subscriptions of the subscriptions file, their consumer groups, and which of them
/// answered 410 Gone (marks in PostgreSQL, `inlet_gone_subscriptions`). See docs/deliverer.md, "Gone subscriptions".
struct SubscriptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriptions",
        abstract: "List the deliverer's subscriptions and their gone marks (410), or re-enable a gone one.",
        subcommands: [List.self, Enable.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List subscriptions: consumer group, models, and whether each is marked gone (answered 410 Gone).")

        func run() async throws {
            let stack = try Stack.load(label: "subscriptions")
            let subscriptions = try stack.subscriptions()
            let marks = try await withPostgres(stack) { postgres in
                try await PostgresGoneSubscriptionStore(client: postgres).loadMarks()
            }
            var table = TextTable(headers: ["subscription", "state", "group", "models", "url"])
            for subscription in subscriptions {
                let hash = GoneSubscriptionMark.urlHash(subscription.url)
                let mark = marks.first { $0.subscriptionID == subscription.id && $0.urlHash == hash }
                let state = mark.map { "GONE since \($0.markedAt) (\($0.statusLine))" } ?? "active"
                table.append([subscription.id, state, Stage.deliverer.consumerGroup(subscription: subscription.id),
                              subscription.models.map(\.rawValue).joined(separator: ","),
                              String(subscription.url.prefix { $0 != "?" && $0 != "#" })])
            }
            print(table.render())
            let current = Set(subscriptions.map { "\($0.id)\u{0}\(GoneSubscriptionMark.urlHash($0.url))" })
            let stale = marks.filter { !current.contains("\($0.subscriptionID)\u{0}\($0.urlHash)") }
            if !stale.isEmpty {
                print("\(stale.count) mark(s) for a removed subscription or an earlier URL (no effect): "
                      + stale.map { "\($0.subscriptionID) since \($0.markedAt)" }.joined(separator: ", "))
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a subscription's gone marks, so the deliverers send to it again.",
            discussion: """
                Running deliverers read the marks every INLET_DELIVERER_GONE_REFRESH_MS (default 10 s) and call the
                subscriber again after their next read. Then send it the records it missed:
                inlet dlq redrive --stage deliverer \\
                  --filter "deadletter.error_code == 'subscriber_gone' && record.headers['inlet-dlq-subscription'] == 'ID'"
                """)
        @Argument(help: "The subscription ID.") var id: String

        func run() async throws {
            let stack = try Stack.load(label: "subscriptions")
            let removed = try await withPostgres(stack) { postgres in
                try await PostgresGoneSubscriptionStore(client: postgres).removeMarks(subscriptionID: id)
            }
            let declared = try stack.subscriptions().contains { $0.id == id }
            if removed == 0 {
                print("subscription \(id) had no gone mark\(declared ? "" : " (and the subscriptions file does not declare it)")")
                return
            }
            print("removed \(removed) gone mark(s) of \(id); the deliverers that serve it call it again after their next read of the marks (every INLET_DELIVERER_GONE_REFRESH_MS, default 10 s). Once they do, redrive its dead letters:")
            print("  inlet dlq redrive --stage deliverer --filter \"deadletter.error_code == 'subscriber_gone' && record.headers['\(BatchDeliverer.subscriptionHeader)'] == '\(id)'\"")
            if !declared { print("note: the subscriptions file does not declare \(id)") }
        }
    }
}
