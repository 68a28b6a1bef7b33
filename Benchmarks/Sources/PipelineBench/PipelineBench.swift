// The pipeline benchmark's tools: a load generator of signed GitHub webhooks and the baselines it is compared with
// (a bare Hummingbird server, the receiver's own server answering 202 unverified, the broker's produce rate, PostgreSQL's multi-row upsert rate), each printing one JSON
// object. Benchmarks/run-pipeline.sh (`make bench`) runs them and the five stages, and prints the ratios.
import Foundation
import Hummingbird
import InletCore
import InletCrypto
import InletHTTPClient
import InletKafka
import InletPersister
import InletPostgres
@_spi(Benchmarks) import InletReceiver
import Logging
import NIOCore
import NIOPosix
import Synchronization

@main
enum PipelineBench {
    static let arguments = Array(CommandLine.arguments.dropFirst())
    static func option(_ name: String, _ fallback: String) -> String {
        guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return fallback }
        return arguments[index + 1]
    }
    static func intOption(_ name: String, _ fallback: Int) -> Int { Int(option(name, String(fallback))) ?? fallback }
    static func emit(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
    static let logger: Logger = {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        return logger
    }()

    /// N GitHub `pull_request` bodies (~3 KB) from `--sample` (default: the local sample), each a different one.
    static func pullRequestBodies(count: Int, firstID: Int) throws -> [[UInt8]] {
        try benchmarkPullRequestBodies(
            samplePath: option("sample", "deploy/local/samples/github/pull_request.json"), count: count, firstID: firstID)
    }

    /// The signer of the local integration of `definition` (deploy/local/integrations.yaml); Discord signs with the
    /// local Ed25519 seed beside its sample.
    static func providerSigner(_ definition: String, baseURL: String) throws -> WebhookSigner {
        let registry = try DefinitionRegistry()
        let integrations = try ConfigurationFiles.integrations(at: option("integrations", "deploy/local/integrations.yaml"), definitions: registry)
        guard let integration = integrations.first(where: { $0.definition.rawValue == definition }),
              let declared = registry.definitions[integration.definition] else {
            throw InletCoreError(.unknownDefinition, "no local integration for definition '\(definition)'")
        }
        if declared.signature == .discord {
            let seed = try String(contentsOfFile: "deploy/local/samples/discord/private-key-seed.hex", encoding: .utf8)
            return try WebhookSigner(definition: declared, integrationID: integration.id,
                                     privateKey: .ed25519(try Ed25519PrivateKey(seed: try Hex.decode(seed.trimmingCharacters(in: .whitespacesAndNewlines)))),
                                     baseURL: baseURL)
        }
        return try WebhookSigner(integration: integration, registry: registry, baseURL: baseURL)
    }

    static func main() async throws { try await run() }

    /// Off the main actor, so the load and produce loops run concurrently.
    nonisolated static func run() async throws {
        switch arguments.first {
        case "bare-server":
            // Baseline: the same HTTP server stack answering 202 without verification and without the broker.
            let router = Router()
            router.post("/webhooks/:definition/:integration") { request, _ -> Response in
                _ = try await request.body.collect(upTo: 10 * 1024 * 1024)
                return Response(status: .accepted, headers: [.contentType: "application/json"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"accepted"}"#)))
            }
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: intOption("port", 18081))),
                                  logger: logger)
            try await app.runService()

        case "receiver-baseline":
            // Baseline of the provider-family rows (issue 4): the receiver's own server, configured from the same
            // INLET_* variables (event loops, limits, deadlines), answering 202 with no verification and no broker.
            var configuration = try ReceiverConfiguration(environment: EnvironmentReader())
            configuration.port = intOption("port", 18082)
            let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads ?? System.coreCount)
            let app = ReceiverService.unverifiedBaselineApplication(configuration: configuration, eventLoops: eventLoops, logger: logger)
            try await app.runService()
            try await eventLoops.shutdownGracefully()

        case "load":
            // N signed requests, `repeat-fraction` of them repeats (same delivery ID and body as an earlier one),
            // sent by `concurrency` workers; signing happens before the clock starts.
            let total = intOption("requests", 10_000)
            let concurrency = intOption("concurrency", 64)
            let repeatFraction = Double(option("repeat-fraction", "0.05")) ?? 0.05
            let repeats = Int(Double(total) * repeatFraction)
            let unique = total - repeats
            let base = option("url", "http://127.0.0.1:8080")
            // GitHub pull requests by default; `--definition D --sample FILE --event E` signs another provider's
            // sample with the local integration of that definition (the provider-family rows of `make bench`).
            let definitionName = option("definition", "github")
            let event = option("event", "pull_request")
            let signer: WebhookSigner
            let bodies: [[UInt8]]
            if definitionName == "github" {
                signer = try WebhookSigner(definition: .github, integrationID: option("integration", "local-github"),
                                           secret: option("secret", "local-github-secret"))
                bodies = try pullRequestBodies(count: unique, firstID: intOption("first-id", 1_000_000_000))
            } else {
                signer = try providerSigner(definitionName, baseURL: base)
                let sample = Array(try Data(contentsOf: URL(fileURLWithPath: option("sample", ""))))
                bodies = Array(repeating: sample, count: unique)
            }
            // `--sender raw` (default): RawHTTPLoad, pre-serialised bytes over epoll, as wrk does; `--sender curl`: the
            // first loader, libcurl's multi interface, kept to compare (it costs the shared CPU about 75 µs a request).
            let sender = option("sender", "raw")
            let raw = try RawHTTPLoad(baseURL: base, concurrency: concurrency)
            var uniqueRequests: [InletHTTPClient.HTTPRequest] = []
            var uniqueBytes: [[UInt8]] = []
            for body in bodies {
                let signed = try signer.sign(body: body, event: event, deliveryID: signer.newDeliveryID())
                uniqueRequests.append(InletHTTPClient.HTTPRequest(method: .post, url: base + signed.path, headers: signed.headers, body: signed.body))
                uniqueBytes.append(raw.serialise(path: signed.path, headers: signed.headers, body: signed.body))
            }
            // Repeats are spread evenly through the run, each repeating a request sent a little earlier.
            var order: [Int] = []
            order.reserveCapacity(total)
            var repeatsLeft = repeats
            let step = repeats > 0 ? max(2, unique / repeats) : Int.max
            for index in uniqueRequests.indices {
                order.append(index)
                if repeatsLeft > 0, (index + 1) % step == 0 {
                    order.append(index - step / 2)
                    repeatsLeft -= 1
                }
            }
            while repeatsLeft > 0 {
                order.append(repeatsLeft % unique)
                repeatsLeft -= 1
            }
            let clock = ContinuousClock()
            // Wall-clock start, for end-to-end figures measured by the caller from the first request on.
            let startedUnix = Date().timeIntervalSince1970
            let started = clock.now
            let results: ([Double], [Int: Int])
            if sender == "curl" {
                results = try await curlLoad(order.map { uniqueRequests[$0] }, concurrency: concurrency)
            } else {
                let outcome = try await raw.run(order.map { uniqueBytes[$0] })
                results = (outcome.latencies.sorted(), outcome.statuses)
            }
            let seconds = milliseconds(clock.now - started) / 1000
            emit(["sender": sender, "started_unix": startedUnix, "requests": total, "unique": unique, "repeats": repeats, "concurrency": concurrency, "seconds": seconds,
                  "requests_per_second": Double(total) / seconds, "p50_ms": percentile(results.0, 0.50),
                  "p99_ms": percentile(results.0, 0.99), "statuses": Dictionary(uniqueKeysWithValues: results.1.map { (String($0.key), $0.value) })])

        case "produce-baseline":
            // Baseline: the broker's acknowledged produce rate for the same bytes, at the same concurrency, through the
            // same producer wrapper, to a scratch topic no stage reads.
            let total = intOption("requests", 10_000)
            let concurrency = intOption("concurrency", 64)
            let topic = TopicName.scratch("produce-baseline").rawValue
            let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: option("brokers", "127.0.0.1:9092")), logger: logger)
            try await admin.createTopics([KafkaTopicSpecification(name: topic, partitions: intOption("partitions", 4))])
            let body = try pullRequestBodies(count: 1, firstID: 1)[0]
            let envelope = Envelope.received(deliveryID: "x", definition: WebhookDefinition.github.name, event: "pull_request",
                                             integration: "bench", variant: nil, receivedAt: RFC3339.now())
            let headers = envelope.headers.map { KafkaHeader(key: $0.key, string: $0.value) }
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: option("brokers", "127.0.0.1:9092")), logger: logger)
            let serving = Task { try await producer.run() }
            let next = TicketCounter()
            let clock = ContinuousClock()
            let started = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        while next.take() < total {
                            _ = try await producer.send(KafkaProducerRecord(topic: topic, key: Array("bench/\(UUID())".utf8), value: body, headers: headers))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let seconds = milliseconds(clock.now - started) / 1000
            producer.triggerGracefulShutdown()
            _ = try? await serving.value
            emit(["records": total, "bytes": body.count, "seconds": seconds, "records_per_second": Double(total) / seconds])

        case "upsert-baseline":
            // Baseline: PostgreSQL's multi-row upsert rate for the same PullRequest rows, 1,000 per statement, through the
            // same wrapper and the same guarded statement the persister uses, one transaction per batch.
            let total = intOption("rows", 10_000)
            let client = PostgresClient(configuration: PostgresConfiguration(url: option("postgres", "postgresql://inlet@127.0.0.1:55432/inlet"), poolSize: 1))
            let table = try ModelTable(.pullRequest)
            for statement in try table.ddl() { _ = try await client.query(statement) }
            _ = try await client.query("TRUNCATE pull_request")
            let decoder = ModelRecordDecoder(.pullRequest)
            let rows: [[PostgresValue]] = try (0..<total).map { index in
                let json = #"{"integration_id":"bench","definition":"github","id":"\#(index)","number":\#(index),"repository":"octo-org/hello-world","title":"Benchmark pull request \#(index)","state":"open","draft":false,"merged":false,"author":"octocat","head_ref":"feature","base_ref":"main","labels":["bug","ui"],"url":"https://github.com/octo-org/hello-world/pull/\#(index)","additions":10,"deletions":2,"created_at":"2026-11-21T10:00:00Z","updated_at":"2026-11-21T10:00:00Z"}"#
                return table.row(for: try decoder.decode(Array(json.utf8)), deletedAt: "")
            }
            let clock = ContinuousClock()
            let started = clock.now
            var start = 0
            while start < rows.count {
                let batch = Array(rows[start..<min(start + 1000, rows.count)])
                try await client.withTransaction { transaction in _ = try await transaction.upsert(table.upsert, rows: batch) }
                start += 1000
            }
            let seconds = milliseconds(clock.now - started) / 1000
            _ = try await client.query("TRUNCATE pull_request")
            await client.close()
            emit(["rows": total, "seconds": seconds, "rows_per_second": Double(total) / seconds])

        case "mapper-bench":
            // The mapper stage alone against a consume-and-produce loop over the same records (MapperBench.swift).
            try await mapperBench()

        case "replay-bench":
            // `inlet replay run` into a replay topic with a filter, against reading the same range (ReplayBench.swift).
            try await replayBench()

        default:
            FileHandle.standardError.write(Data("usage: PipelineBench bare-server|receiver-baseline|load|produce-baseline|upsert-baseline [--option value]…\n".utf8))
            exit(2)
        }

    }
}

/// Hands out 0, 1, 2, … to concurrent workers.
extension PipelineBench {
    /// The first loader: `concurrency` tasks sending through libcurl's multi interface (`--sender curl`).
    static func curlLoad(_ requests: [InletHTTPClient.HTTPRequest], concurrency: Int) async throws -> ([Double], [Int: Int]) {
        let client = try HTTPClient(configuration: .init(maximumIdleHandlesPerHost: concurrency))
        let next = TicketCounter()
        let clock = ContinuousClock()
        let results = try await withThrowingTaskGroup(of: ([Double], [Int: Int]).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    var statuses: [Int: Int] = [:]
                    while true {
                        let index = next.take()
                        guard index < requests.count else { break }
                        let begin = clock.now
                        let status: Int
                        do { status = try await client.execute(requests[index]).status } catch { status = -1 }
                        latencies.append(milliseconds(clock.now - begin))
                        statuses[status, default: 0] += 1
                    }
                    return (latencies, statuses)
                }
            }
            var all: [Double] = []
            var statuses: [Int: Int] = [:]
            for try await (latencies, counts) in group {
                all += latencies
                statuses.merge(counts, uniquingKeysWith: +)
            }
            return (all.sorted(), statuses)
        }
        await client.shutdown()
        return results
    }
}

final class TicketCounter: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
