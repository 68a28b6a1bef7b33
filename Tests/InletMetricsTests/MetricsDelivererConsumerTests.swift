import InletCore
import InletDeliverer
import InletKafka
import InletStageRuntime
import ServiceLifecycle
import Testing

/// Answers 200 to everything: these tests look at the consumers' series, not at deliveries.
private struct AcceptingTransport: WebhookTransport {
    func send(_ request: WebhookRequest) async throws -> WebhookResponse { WebhookResponse(status: 200) }
}

/// The deliverer runs one consumer per subscription; their consumer series must not overwrite each other.
@Suite("Deliverer consumer series", .enabled(if: MetricsTestEnvironment.brokers != nil, "needs the local stack: source deploy/local/env.sh"))
struct MetricsDelivererConsumerTests {
    @Test("each subscription's consumer exports its assignment under its own subscription label")
    func oneSeriesPerSubscription() async throws {
        let brokers = MetricsTestEnvironment.brokers ?? "127.0.0.1:9092"
        let run = MetricsTestEnvironment.unique("mdel")
        let model = try ModelName("PullRequest")
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: brokers), logger: MetricsTestEnvironment.logger)
        try await admin.createTopics([TopicName.model(model), .replay(.deliverer), .deadLetter(.deliverer)]
            .map { KafkaTopicSpecification(name: $0.rawValue, partitions: 1) })

        var configuration = DelivererConfiguration()
        configuration.kafkaBrokers = brokers
        configuration.consumerGroup = "inlet-deliverer-\(run)"
        configuration.subscriptions = ["first", "second"].map {
            Subscription(id: "\($0)-\(run)", url: "http://127.0.0.1:1/\($0)", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", models: [model])
        }
        var monitoring = ConsumerMonitor.Configuration()
        monitoring.interval = .milliseconds(200)
        let scope = MetricsScope(descriptions: StageMetricName.descriptions)
        let series = configuration.subscriptions.map { ["stage": "deliverer", "subscription": $0.id] }

        let exported = try await scope.run {
            let service = try DelivererService(configuration: configuration, transport: AcceptingTransport(),
                                               logger: MetricsTestEnvironment.logger, monitoring: monitoring)
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: MetricsTestEnvironment.logger))
            let running = Task { try await group.run() }
            let exported = await MetricsTestEnvironment.eventually(timeout: .seconds(30)) {
                series.allSatisfy { (scope.value(StageMetricName.assignedPartitions, $0) ?? 0) >= 2 }
            }
            await group.triggerGracefulShutdown()
            try await running.value
            return exported
        }
        // Each consumer owns the model topic's and the replay topic's partition, counted under its own label.
        #expect(exported, "not every subscription exported its assignment: \(scope.exposition.text())")
        #expect(scope.value(StageMetricName.assignedPartitions, ["stage": "deliverer", "subscription": "third-\(run)"]) == nil)
        let lagSeries = scope.samples.filter { $0.name == StageMetricName.consumerLag && $0.labels["stage"] == "deliverer" }
        #expect(!lagSeries.isEmpty, "no deliverer lag series")
        #expect(lagSeries.allSatisfy { series.map { $0["subscription"] }.contains($0.labels["subscription"]) }, "\(lagSeries)")
    }
}
