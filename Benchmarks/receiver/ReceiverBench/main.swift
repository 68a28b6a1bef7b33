// The receiver benchmark's server side: `ReceiverBench receiver` runs the real receiver against the broker in
// INLET_KAFKA_BROKERS with the integration `bench-github` (secret from INLET_BENCH_SECRET); `ReceiverBench bare`
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
    let integrations = [Integration(id: "bench-github", definition: WebhookDefinition.github.name, secrets: [secret])]
    let receiver = try ReceiverService(configuration: configuration, producer: producer, registry: DefinitionRegistry(),
                                       integrations: integrations, logger: logger)
    let group = ServiceGroup(services: [receiver], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await group.run()
    print("accepted: \(receiver.counters.acceptedCount)")
    print("rejections: \(receiver.counters.rejectionsByCode.filter { $0.value > 0 })")
default:
    print("usage: ReceiverBench receiver|bare")
}
