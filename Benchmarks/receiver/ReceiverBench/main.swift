// The receiver benchmark's server side: `ReceiverBench receiver` runs the real receiver against the broker in
// INLET_KAFKA_BROKERS with the integration `bench-github` (secret from INLET_BENCH_SECRET) of a GitHub-signed
// definition named `receiverbench`, so records land on `inlet.receiverbench.pull_request.received` and never on
// a topic other stages or tests consume; `ReceiverBench bare`
// runs a bare Hummingbird server that reads the body and answers the same 202, the baseline. Both listen on
// INLET_RECEIVER_PORT (default 8080) and stop on SIGTERM/SIGINT. See README.md beside this file.
import Hummingbird
import InletCore
import InletKafka
import InletReceiver
import Logging
import ServiceLifecycle

let environment = EnvironmentReader()
var logger = Logger(label: "inlet.receiver.bench")
logger.logLevel = .notice
let mode = CommandLine.arguments.dropFirst().first ?? "receiver"
let configuration = try ReceiverConfiguration(environment: environment)

switch mode {
case "bare":
    let router = Router()
    router.post("/webhooks/:definition/:integration") { request, _ -> Response in
        let body = try await request.body.collect(upTo: configuration.maximumBodySize)
        _ = Array(body.readableBytesView)
        return Response(status: .accepted, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: #"{"status":"accepted","id":"x"}"#)))
    }
    let app = Application(router: router, configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
                          logger: logger)
    try await app.runService()
case "receiver":
    var producerConfiguration = KafkaProducerConfiguration(brokers: environment.string("INLET_KAFKA_BROKERS") ?? "127.0.0.1:9092")
    if let linger = try environment.double("INLET_BENCH_LINGER_MS") { producerConfiguration.lingerMilliseconds = linger }
    let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
    let secret = environment.string("INLET_BENCH_SECRET") ?? "bench-github-secret"
    let github = WebhookDefinition.github
    let definition = WebhookDefinition(
        name: try DefinitionName("receiverbench"), title: "GitHub (receiver benchmark)", signature: github.signature,
        deliveryID: github.deliveryID, eventName: github.eventName, variant: github.variant, events: github.events)
    let integrations = [Integration(id: "bench-github", definition: definition.name, secrets: [secret])]
    let receiver = try ReceiverService(configuration: configuration, producer: producer,
                                       registry: DefinitionRegistry([definition]), integrations: integrations, logger: logger)
    let group = ServiceGroup(services: [receiver], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await group.run()
    print("accepted: \(receiver.counters.acceptedCount)")
    print("rejections: \(receiver.counters.rejectionsByCode.filter { $0.value > 0 })")
case "produce":
    // The broker's ceiling for this workload without HTTP: CONCURRENCY tasks each sending one record at a time
    // and waiting for its acknowledgement, as the receiver's requests do.
    var producerConfiguration = KafkaProducerConfiguration(brokers: environment.string("INLET_KAFKA_BROKERS") ?? "127.0.0.1:9092")
    if let linger = try environment.double("INLET_BENCH_LINGER_MS") { producerConfiguration.lingerMilliseconds = linger }
    let producerCount = try environment.int("INLET_BENCH_PRODUCERS", range: 1...64) ?? 1
    let producers = try (0..<producerCount).map { _ in try KafkaProducer(configuration: producerConfiguration, logger: logger) }
    let concurrency = try environment.int("INLET_BENCH_CONCURRENCY", range: 1...4096) ?? 64
    let seconds = try environment.int("INLET_BENCH_SECONDS", range: 1...600) ?? 10
    let value = [UInt8](repeating: UInt8(ascii: "x"), count: 1519)
    // INLET_BENCH_HEADERS=1: the receiver's CloudEvents headers on every record, to compare like with like.
    let headers = try environment.bool("INLET_BENCH_HEADERS") == true
        ? Envelope.received(deliveryID: "bench-1-123456", definition: try DefinitionName("receiverbench"), event: "pull_request",
                            integration: "bench-github", variant: "repository", receivedAt: RFC3339.now(),
                            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            .headers.map { KafkaHeader(key: $0.key, string: $0.value) }
        : []
    try await withThrowingTaskGroup(of: Void.self) { group in
        for producer in producers { group.addTask { try await producer.run() } }
        let clock = ContinuousClock()
        let end = clock.now + .seconds(seconds)
        let counts = try await withThrowingTaskGroup(of: [Duration].self) { senders in
            for sender in 0..<concurrency {
                let producer = producers[sender % producers.count]
                senders.addTask {
                    var latencies: [Duration] = []
                    var index = 0
                    while clock.now < end {
                        let start = clock.now
                        _ = try await producer.send(KafkaProducerRecord(
                            topic: "inlet.receiverbench.pull_request.received", key: Array("\(sender)/\(index)".utf8), value: value, headers: headers))
                        latencies.append(clock.now - start)
                        index += 1
                    }
                    return latencies
                }
            }
            var all: [Duration] = []
            for try await latencies in senders { all += latencies }
            return all.sorted()
        }
        func percentile(_ p: Double) -> Duration { counts.isEmpty ? .zero : counts[min(counts.count - 1, Int(Double(counts.count) * p))] }
        print("produce: \(counts.count / seconds) records/s at concurrency \(concurrency); ack latency p50 \(percentile(0.5)) p99 \(percentile(0.99))")
        for producer in producers { producer.triggerGracefulShutdown() }
        try await group.waitForAll()
    }
default:
    print("usage: ReceiverBench receiver|bare|produce")
}
