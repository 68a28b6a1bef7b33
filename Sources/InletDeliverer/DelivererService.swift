import InletCore
import InletHTTPClient
import InletKafka
import InletPostgres
import InletStageRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// The deliverer stage: for each subscription it serves (``DelivererConfiguration/servedSubscriptions``) it runs an
/// independent consume → deliver → commit loop (``SubscriptionLoop``) with a consumer of its own in group
/// `inlet-deliverer.<subscription-id>`, reading the `inlet.model.<model>` topics that subscription wants and
/// `inlet.replay.deliverer`; it POSTs signed CloudEvents batches (``BatchDeliverer``), dead-letters what cannot be
/// delivered to `inlet.dlq.deliverer`, then commits in that subscription's group. A slow or dead subscriber
/// therefore delays only its own loop. The loops share the HTTP client, the dead-letter producer and the gone marks.
///
/// A subscription's batch is committed only after every request of it got a 2xx or its records are stored as dead
/// letters. When dead letters cannot be stored, that loop throws without committing, the service stops every loop
/// and `run()` throws (the process restarts and re-reads the batch: at-least-once; subscribers deduplicate on
/// `webhook-id`, which is derived from the records).
///
/// ## Shutdown
/// On graceful shutdown every consumer stops fetching and ends its batch stream. The batch in flight of each loop
/// may finish — its retries included — for ``DelivererConfiguration/shutdownGracePeriod``; after that it is
/// cancelled and left uncommitted (its records are delivered again by the next owner of the partitions). Then the
/// dead-letter producer flushes, the HTTP client shuts down (only now, so no request of a loop ever sees a closed
/// client) and `run()` returns.
///
/// Metrics: ``metrics`` (the shared stage metrics, summed over subscriptions), ``DelivererMetricName`` (by
/// subscription) and each consumer's (``ConsumerMonitor``). Readiness (``readiness()``): every subscription's
/// consumer owns partitions and the stage is not draining.
///
/// - Important: Construct it before starting the `ServiceGroup` (bad secrets and limits fail here);
///   `run()` may be called once.
public final class DelivererService: Service, Sendable {
    public let configuration: DelivererConfiguration
    /// Every topic consumed, over all subscriptions (see ``DelivererConfiguration/topics``).
    public let topics: [TopicName]
    /// The subscriptions' gone marks (410 Gone), shared by the loops.
    public let gone: GoneSubscriptions
    /// The shared stage metrics (consumed, forwarded = records delivered, dead letters, commits), over all loops.
    public let metrics: StageMetrics

    let loops: [SubscriptionLoop]
    /// Where gone marks outlive the process; nil: in memory only.
    private let goneStore: (any GoneSubscriptionStore)?
    private let producer: KafkaProducer
    private let httpClient: HTTPClient?
    private let shutdown = ShutdownSignal()
    private let logger: Logger

    /// Creates the Kafka clients (one consumer per served subscription, one dead-letter producer) and the curl HTTP
    /// client.
    /// - Throws: ``DelivererError`` for a bad limit, subscription ID, secret or selection; `KafkaError` when
    ///   librdkafka is too old or rejects the configuration; `HTTPClientError` when libcurl cannot initialise.
    /// - Parameters:
    ///   - goneStore: where 410 Gone marks are kept across restarts (``PostgresGoneSubscriptionStore``); nil keeps
    ///     them in memory only, which the service says in a log line. The service calls its `shutdown()` last.
    ///   - monitoring: how often each consumer's state (gaps, assignment) is exported.
    public convenience init(configuration: DelivererConfiguration, logger: Logger = Logger(label: "inlet.deliverer"),
                            goneStore: (any GoneSubscriptionStore)? = nil,
                            monitoring: ConsumerMonitor.Configuration = ConsumerMonitor.Configuration()) throws {
        try configuration.validate()
        let client = try HTTPClient(
            configuration: HTTPClient.Configuration(timeout: configuration.requestTimeout, userAgent: "inlet-deliverer"),
            logger: logger)
        try self.init(configuration: configuration, transport: CurlWebhookTransport(client: client),
                      ownedClient: client, goneStore: goneStore, logger: logger, monitoring: monitoring)
    }

    /// With a transport of your own (tests, embedding); the service does not shut it down.
    public convenience init(configuration: DelivererConfiguration, transport: any WebhookTransport, logger: Logger,
                            goneStore: (any GoneSubscriptionStore)? = nil,
                            monitoring: ConsumerMonitor.Configuration = ConsumerMonitor.Configuration()) throws {
        try self.init(configuration: configuration, transport: transport, ownedClient: nil, goneStore: goneStore,
                      logger: logger, monitoring: monitoring)
    }

    private init(configuration: DelivererConfiguration, transport: any WebhookTransport, ownedClient: HTTPClient?,
                 goneStore: (any GoneSubscriptionStore)?, logger: Logger, monitoring: ConsumerMonitor.Configuration) throws {
        try configuration.validate()
        try KafkaLibrary.checkVersion()
        self.configuration = configuration
        self.topics = configuration.topics
        self.logger = logger
        self.httpClient = ownedClient
        self.goneStore = goneStore
        let gone = GoneSubscriptions()
        self.gone = gone
        let metrics = StageMetrics(stage: .deliverer)
        self.metrics = metrics

        var producerConfiguration = KafkaProducerConfiguration(brokers: configuration.kafkaBrokers)
        producerConfiguration.clientID = "inlet-deliverer"
        producerConfiguration.lingerMilliseconds = configuration.producerLingerMilliseconds
        producerConfiguration.extraProperties = configuration.producerProperties
        producerConfiguration.brokerThreadNiceness = configuration.producerBrokerThreadNiceness
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        self.producer = producer

        var loops: [SubscriptionLoop] = []
        for subscription in configuration.servedSubscriptions {
            let deliverer = try BatchDeliverer(subscription: subscription, configuration: configuration, transport: transport,
                                               deadLetters: producer, logger: logger, metrics: metrics, gone: gone)
            loops.append(try SubscriptionLoop(subscription: subscription, configuration: configuration, deliverer: deliverer,
                                              shutdown: shutdown, logger: logger, monitoring: monitoring))
        }
        self.loops = loops
    }

    /// The consumer groups, one per served subscription, by subscription ID.
    public var consumerGroups: [String: String] {
        Dictionary(uniqueKeysWithValues: loops.map { ($0.subscription.id, $0.group) })
    }

    /// Counters of deliveries, retries and dead letters, summed over the subscriptions.
    public var statistics: DeliveryStatistics { loops.map(\.deliverer.statistics).reduce(DeliveryStatistics(), +) }

    /// One subscription's counters; nil when this process does not serve it.
    public func statistics(subscription id: String) -> DeliveryStatistics? {
        loops.first { $0.subscription.id == id }?.deliverer.statistics
    }

    /// What `/readyz` reports: one check per subscription, ready when its consumer owns partitions and the stage is
    /// not draining.
    public func readiness() async -> StageReadiness {
        StageReadiness(stage: Stage.deliverer.rawValue, checks: loops.map { $0.readiness() })
    }

    public func run() async throws {
        logger.info("deliverer starting", metadata: [
            LogKey.topics: "\(topics.map(\.rawValue))",
            "inlet.subscriptions": "\(loops.map(\.subscription.id))", "inlet.consumer_groups": "\(loops.map(\.group))",
        ])
        if loops.isEmpty {
            logger.warning("the subscriptions file declares no subscription: the deliverer consumes nothing")
        }
        await readStoredGoneMarksAtStart()
        for loop in loops { DelivererMetricName.recordGone(subscription: loop.subscription.id, isGone: loop.deliverer.isGone) }
        let markWriter = Task { await storeNewGoneMarks() }
        let markRefresher = Task { await refreshGoneMarksPeriodically() }
        // Detached: a graceful-shutdown signal must not stop it before the last dead letters are acknowledged.
        let producerTask = Task.detached { [producer] in try await producer.run() }
        var loopError: (any Error)?
        do {
            try await withGracefulShutdownHandler {
                try await runLoops()
            } onGracefulShutdown: { [shutdown] in
                // The consumers end their batch streams themselves (task-local shutdown); the signal starts the grace
                // period of the batches in flight and cuts retry waits short.
                shutdown.trigger()
            }
        } catch {
            loopError = error
        }
        producer.triggerGracefulShutdown()
        do {
            try await producerTask.value
        } catch {
            logger.error("deliverer dead-letter producer stopped with an error", metadata: [LogKey.error: "\(error)"])
        }
        await httpClient?.shutdown()
        gone.finish()
        markRefresher.cancel()
        await markRefresher.value
        await markWriter.value
        await goneStore?.shutdown()
        let stats = statistics
        logger.info("deliverer stopped", metadata: [
            "inlet.batches": "\(stats.batches)", "inlet.records_delivered": "\(stats.recordsDelivered)",
            "inlet.dead_letters": "\(stats.recordsDeadLettered)", "inlet.retries": "\(stats.retries)",
        ])
        if let loopError { throw loopError }
    }

    /// How long start-up waits for the stored gone marks before it starts delivering without them.
    static let goneMarksLoadTimeout: Duration = .seconds(3)

    /// Reads the stored gone marks, waiting at most ``goneMarksLoadTimeout``: delivery never waits on PostgreSQL.
    /// Marks that arrive later are still adopted (a subscription may be called once in between).
    private func readStoredGoneMarksAtStart() async {
        guard goneStore != nil else {
            logger.warning("no gone-subscription store (INLET_POSTGRES_URL is not set): a subscription that answers 410 Gone is remembered in memory only, and a restart sends to it again")
            return
        }
        // Unstructured (firstAnswer): a libpq query ignores cancellation, and start-up must not wait for it past the
        // timeout.
        let outcome = await firstAnswer(within: Self.goneMarksLoadTimeout, otherwise: GoneMarksRead.timedOut) { [self] in
            await synchronizeGoneMarks()
        }
        switch outcome {
        case .timedOut:
            logger.warning("gone-subscription marks not read within \(Self.goneMarksLoadTimeout): delivery starts without them (marks read later still apply)")
        case .failed(let reason):
            logger.error("reading the gone-subscription marks from PostgreSQL failed: subscriptions that answered 410 Gone before this start are called until a later read succeeds (every \(configuration.goneMarksRefreshInterval)), and new marks are kept in memory until then", metadata: [LogKey.error: "\(reason)"])
        case .synchronized:
            break
        }
    }

    /// Reads the store every ``DelivererConfiguration/goneMarksRefreshInterval`` until cancelled, so a mark another
    /// replica made, or one an operator deleted, applies here within that interval. Logs the first failure of a run
    /// of failures and the recovery, not every attempt.
    private func refreshGoneMarksPeriodically() async {
        guard goneStore != nil else { return }
        var failing = false
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.goneMarksRefreshInterval)
            } catch {
                return
            }
            let outcome = await synchronizeGoneMarks()
            if Task.isCancelled { return }
            switch outcome {
            case .failed(let reason) where !failing:
                failing = true
                logger.error("reading the gone-subscription marks from PostgreSQL failed: marks made or deleted elsewhere do not apply here until a read succeeds; retrying every \(configuration.goneMarksRefreshInterval)", metadata: [LogKey.error: "\(reason)"])
            case .synchronized where failing:
                failing = false
                logger.notice("reading the gone-subscription marks from PostgreSQL works again")
            default:
                break
            }
        }
    }

    /// One read of the store: adopts the marks it holds, drops the ones deleted from it, writes again the ones
    /// this process could not write yet, and logs each change.
    private func synchronizeGoneMarks() async -> GoneMarksRead {
        guard let goneStore else { return .synchronized }
        let subscriptions = loops.map(\.subscription)
        let read = gone.beginRead()
        let stored: [GoneSubscriptionMark]
        do {
            stored = try await goneStore.loadMarks()
        } catch {
            return .failed(reason: Self.describe(error))
        }
        let changes = gone.synchronize(with: stored, for: subscriptions, read: read)
        for mark in changes.adopted {
            DelivererMetricName.recordGone(subscription: mark.subscriptionID, isGone: true)
            logger.warning("subscription is marked gone (it answered 410 Gone to this or another deliverer at \(mark.markedAt)): its records go to the dead-letter topic; `inlet subscriptions enable \(mark.subscriptionID)` re-enables it", metadata: [LogKey.subscription: "\(mark.subscriptionID)"])
        }
        for id in changes.reenabled {
            DelivererMetricName.recordGone(subscription: id, isGone: false)
            logger.notice("subscription re-enabled: its gone mark was deleted from PostgreSQL, so it is called again; redrive its dead letters with `inlet dlq redrive` (docs/deliverer.md, \"Gone subscriptions\")", metadata: [LogKey.subscription: "\(id)"])
        }
        for mark in changes.unstored {
            await store(mark, in: goneStore)
        }
        return .synchronized
    }

    /// Stores each mark this process makes, until ``GoneSubscriptions/finish()``. A failed write is logged; the next
    /// read of the store writes it again.
    private func storeNewGoneMarks() async {
        for await mark in gone.newMarks {
            guard let goneStore else { continue }
            await store(mark, in: goneStore)
        }
    }

    private func store(_ mark: GoneSubscriptionMark, in goneStore: any GoneSubscriptionStore) async {
        do {
            try await goneStore.save(mark)
            gone.markStored(mark)
        } catch {
            logger.error("storing a gone mark in PostgreSQL failed: the subscription stays disabled in this process only until a later attempt (every \(configuration.goneMarksRefreshInterval)) stores it", metadata: [
                LogKey.subscription: "\(mark.subscriptionID)", LogKey.error: "\(Self.describe(error))",
            ])
        }
    }

    /// An error for a log line: a `PostgresError`'s description holds no connection string or parameter.
    private static func describe(_ error: any Error) -> String {
        (error as? PostgresError).map(\.description) ?? String(describing: type(of: error))
    }

    /// Starts the same shutdown as SIGTERM does (for embedding without a `ServiceGroup`).
    public func triggerGracefulShutdown() {
        shutdown.trigger()
        for loop in loops { loop.stop() }
    }

    /// Runs every subscription's loop; when one fails, stops the others (they finish their batch within the grace
    /// period) and throws its error.
    private func runLoops() async throws {
        let failure: (any Error)? = await withTaskGroup(of: (any Error)?.self) { group in
            for loop in loops {
                group.addTask { [producer] in
                    do {
                        try await loop.run(producer: producer)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var first: (any Error)?
            for await error in group {
                guard let error, first == nil else { continue }
                first = error
                logger.error("a subscription loop failed; stopping the deliverer", metadata: [LogKey.error: "\(error)"])
                triggerGracefulShutdown()
            }
            return first
        }
        if let failure { throw failure }
    }
}

/// How one read of the stored gone marks ended.
private enum GoneMarksRead: Sendable {
    case synchronized
    /// What failed (a `PostgresError` description: no connection string or parameter).
    case failed(reason: String)
    case timedOut
}
