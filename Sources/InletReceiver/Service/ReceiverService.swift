import Hummingbird
import InletCore
import InletKafka
import InletMetrics
import InletSignatures
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The receiver stage: an HTTP server that verifies webhook deliveries and writes each one, exactly as received, to
/// its `inlet.<definition>.<event>.received` topic, answering 202 only once the broker acknowledged it.
///
/// Routes: `POST /webhooks/<definition>/<integration>` (deliveries and handshakes), `GET` on the same path (handshakes
/// only), `GET /healthz`, `GET /readyz` (see `docs/receiver.md`).
///
/// `run()` runs a Hummingbird `Application` (itself a `Service` with its own `ServiceGroup`) that also runs the
/// producer when `runsProducer` is true. On graceful shutdown the order is: `/readyz` turns unready and new webhooks
/// get 503, the server stops accepting connections and finishes in-flight requests, then the producer flushes and
/// stops.
///
/// - Important: With `runsProducer: true` (the default) the receiver owns the producer's lifecycle: do not also add
///   the producer to another `ServiceGroup` (`KafkaProducer.run()` may only be called once). Pass `false` when the
///   producer is shared and run elsewhere; then make sure it shuts down after the receiver.
public final class ReceiverService: Service, Sendable {
    public let configuration: ReceiverConfiguration
    /// Accepted and rejected requests, by stable rejection code.
    public let counters: ReceiverCounters
    /// Handshakes answered, by kind.
    public let handshakeCounters: HandshakeCounters
    private let receiver: WebhookReceiver
    private let health: ReceiverHealth
    private let producer: KafkaProducer
    private let runsProducer: Bool
    private let directory: LiveIntegrationDirectory
    let limits: ReceiverLimits
    /// The event loops serving HTTP and the acknowledgement timers: NIO's shared group, or one of the service's own
    /// when ``ReceiverConfiguration/eventLoopThreads`` is set (shut down when ``run()`` returns).
    let eventLoops: any EventLoopGroup
    private let ownsEventLoops: Bool
    private let logger: Logger
    private let state = ServiceState()

    /// Creates the receiver from integrations the caller already loaded.
    ///
    /// - Parameters:
    ///   - configuration: HTTP settings; `integrationsPath` is not read by this initializer.
    ///   - producer: the producer records are written with; see `runsProducer`.
    ///   - registry: the webhook definitions (`DefinitionRegistry()` for the built-in ones).
    ///   - integrations: every configured integration, enabled or not (disabled ones answer 404).
    ///   - runsProducer: whether `run()` also runs `producer` (and flushes it last on shutdown). Default: true.
    /// - Throws: ``ReceiverError`` when an integration names an unknown definition, repeats an id, or has a secret,
    ///   key or option its scheme cannot use (the error names the integration and key, never the secret).
    public convenience init(configuration: ReceiverConfiguration, producer: KafkaProducer, registry: DefinitionRegistry,
                            integrations: [Integration], logger: Logger, runsProducer: Bool = true) throws(ReceiverError) {
        try self.init(configuration: configuration, producer: producer, registry: registry, integrations: integrations,
                      logger: logger, runsProducer: runsProducer, recordObserver: nil)
    }

    /// As the public initializer, with `recordObserver` seeing every record just before it is produced (tests).
    init(configuration: ReceiverConfiguration, producer: KafkaProducer, registry: DefinitionRegistry,
         integrations: [Integration], logger: Logger, runsProducer: Bool = true,
         recordObserver: (@Sendable (KafkaProducerRecord) -> Void)?) throws(ReceiverError) {
        self.configuration = configuration
        self.producer = producer
        self.runsProducer = runsProducer
        self.logger = logger
        let counters = ReceiverCounters(definitions: registry.definitions.keys.map(\.rawValue))
        let handshakeCounters = HandshakeCounters()
        let health = ReceiverHealth(unreadyAfterFailure: configuration.unreadyAfterFailure)
        self.counters = counters
        self.handshakeCounters = handshakeCounters
        self.health = health
        if let publicBaseURL = configuration.publicBaseURL, let problem = ReceiverConfiguration.problem(withPublicBaseURL: publicBaseURL) {
            throw ReceiverError(.invalidConfiguration, "publicBaseURL '\(publicBaseURL.prefix(80))' \(problem)")
        }
        let factory = VerifierFactory(defaultToleranceSeconds: configuration.timestampToleranceSeconds.map(Int64.init))
        let initialDirectory = try IntegrationDirectory(integrations: integrations, registry: registry, factory: factory)
        let directory = LiveIntegrationDirectory(initialDirectory, registry: registry, factory: factory)
        self.directory = directory
        let readingTheURL = initialDirectory.integrationsReadingTheURL
        if configuration.publicBaseURL == nil, !readingTheURL.isEmpty {
            // Twilio, HubSpot and Square sign the URL they call; behind a proxy the default never matches it.
            logger.notice("integrations that verify the URL the provider called use the default public URL; set INLET_RECEIVER_PUBLIC_URL to the address providers call", metadata: [
                LogKeys.publicURL: "\(configuration.effectivePublicBaseURL)",
                LogKeys.integration: "\(readingTheURL.prefix(10).joined(separator: ","))",
            ])
        }
        let limits = ReceiverLimits(configuration: configuration)
        self.limits = limits
        if let threads = configuration.eventLoopThreads {
            eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            ownsEventLoops = true
        } else {
            eventLoops = EventLoopGroupProvider.singleton.eventLoopGroup
            ownsEventLoops = false
        }
        self.receiver = WebhookReceiver(
            directory: directory, registry: registry,
            producer: AcknowledgedProducer(producer: producer, timeout: configuration.acknowledgementTimeout,
                                           timers: eventLoops, health: health,
                                           recordObserver: recordObserver),
            counters: counters, handshakeCounters: handshakeCounters, health: health,
            maximumBodySize: configuration.maximumBodySize, retryAfterSeconds: configuration.retryAfterSeconds,
            publicBaseURL: configuration.effectivePublicBaseURL, limits: limits, logger: logger)
    }

    /// Creates the receiver, loading integrations from `configuration.integrationsPath`.
    /// - Throws: ``ReceiverError`` `.invalidConfiguration` naming the file and key of a bad value, or as
    ///   ``init(configuration:producer:registry:integrations:logger:runsProducer:)``.
    public convenience init(configuration: ReceiverConfiguration, producer: KafkaProducer, registry: DefinitionRegistry,
                            logger: Logger, runsProducer: Bool = true) throws(ReceiverError) {
        let integrations: [Integration]
        do {
            integrations = try ConfigurationFiles.integrations(at: configuration.integrationsPath, definitions: registry)
        } catch {
            throw ReceiverError(.invalidConfiguration, error.reason)
        }
        do {
            try self.init(configuration: configuration, producer: producer, registry: registry, integrations: integrations,
                          logger: logger, runsProducer: runsProducer)
        } catch {
            // Name the file, as its loader does for the problems it finds itself.
            throw ReceiverError(error.code, "\(configuration.integrationsPath): \(error.reason)", isRetriable: error.isRetriable)
        }
    }

    /// Swaps in a new set of integrations while serving (integrations kept in PostgreSQL change at run time): new
    /// requests route with it at once, requests in flight finish with the set they started with. On error (an
    /// integration its scheme cannot use) the current set stays and the error names the integration.
    public func replaceIntegrations(_ integrations: [Integration]) throws(ReceiverError) {
        let next = try directory.replace(with: integrations)
        limits.rateLimiter?.retain(only: Set(integrations.map(\.id)))
        logger.info("integrations replaced", metadata: ["inlet.integrations": "\(next.count)"])
    }

    /// The port the server listens on once it is running (useful with `port: 0`), otherwise nil.
    public var listeningPort: Int? { state.boundPort.withLock { $0 } }

    /// The routes, for HummingbirdTesting's router mode or to mount in another application.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let receiver = self.receiver
        router.post("/webhooks/:definition/:integration") { request, context -> Response in
            let definition = context.parameters.get("definition") ?? ""
            let integration = context.parameters.get("integration") ?? ""
            return try await receiver.receive(request, definition: definition[...], integration: integration[...])
        }
        // Handshakes only (Okta's verification, Dropbox-style challenges, Graph validation); any other GET is a 404.
        router.get("/webhooks/:definition/:integration") { request, context -> Response in
            let definition = context.parameters.get("definition") ?? ""
            let integration = context.parameters.get("integration") ?? ""
            return try await receiver.receive(request, definition: definition[...], integration: integration[...])
        }
        router.get("/healthz") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"alive\"}")))
        }
        let health = self.health
        let directory = self.directory
        router.get("/readyz") { _, _ -> Response in
            if let reason = health.unreadyReason {
                return WebhookRejection(.notReady, reason).response(retryAfterSeconds: receiver.retryAfterSeconds)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ready\",\"integrations\":\(directory.directory.count)}")))
        }
        // Added last, so it wraps only the not-found responder and costs the webhook route nothing.
        router.addPrometheusMetrics()
        router.add(middleware: NotFoundAsJSONMiddleware(receiver: receiver))
        return router
    }

    /// The Hummingbird application: the router, the configured address and (with `runsProducer`) the producer as a
    /// service that the application's `ServiceGroup` shuts down after the server. Use it with HummingbirdTesting:
    /// `try await service.makeApplication().test(.live) { client in … }` serves webhooks as in production (on the
    /// event loop, ``WebhookChannelHandler``); `.test(.router)` has no connection and exercises the router's path only.
    public func makeApplication() -> Application<RouterResponder<BasicRequestContext>> {
        Self.application(router: makeRouter(), webhooks: receiver, configuration: configuration, limits: limits, counters: counters,
                         eventLoops: eventLoops, services: runsProducer ? [producer] : [],
                         onServerRunning: { [state, logger] channel in
                             let port = channel.localAddress?.port
                             state.boundPort.withLock { $0 = port }
                             logger.info("receiver listening", metadata: [LogKeys.port: "\(port.map(String.init) ?? "?")"])
                         },
                         logger: logger)
    }

    /// The receiver's HTTP server with nothing behind its webhook route: the same application, channel handlers
    /// (body deadline, idle timeout, decoder limits, the event-loop webhook handler), event loops and body limit as
    /// ``makeApplication()``, but `POST /webhooks/<definition>/<integration>` reads the body and answers 202 at once
    /// — no integration lookup, no verification, no broker — on the event loop, as the receiver answers webhooks.
    ///
    /// It exists for one measurement: the baseline that issue 4's provider-family rows of `make bench` divide by
    /// ("the same server answering 202 with no verification and no broker"), so the ratio is the cost of verifying
    /// and of waiting for the broker, not of the HTTP stack. Never serve providers with it: it accepts anything.
    /// - Parameter eventLoops: the group to serve on; the caller shuts it down.
    @_spi(Benchmarks)
    public static func unverifiedBaselineApplication(configuration: ReceiverConfiguration, eventLoops: any EventLoopGroup,
                                                     logger: Logger) -> Application<RouterResponder<BasicRequestContext>> {
        let router = Router()
        let maximumBodySize = configuration.maximumBodySize
        router.post("/webhooks/:definition/:integration") { request, _ -> Response in
            let body = try await request.body.collect(upTo: maximumBodySize)
            return UnverifiedIntake.accepted(bytes: body.readableBytes).hummingbirdResponse
        }
        let limits = ReceiverLimits(configuration: configuration)
        return application(router: router, webhooks: UnverifiedIntake(maximumBodySize: maximumBodySize),
                           configuration: configuration, limits: limits,
                           counters: ReceiverCounters(definitions: []), eventLoops: eventLoops, services: [],
                           onServerRunning: { _ in }, logger: logger)
    }

    /// The one place the receiver's server is put together, shared by the receiver and its benchmark baseline.
    private static func application(
        router: Router<BasicRequestContext>, webhooks: some WebhookIntake, configuration: ReceiverConfiguration,
        limits: ReceiverLimits,
        counters: ReceiverCounters, eventLoops: any EventLoopGroup, services: [any Service],
        onServerRunning: @escaping @Sendable (any Channel) async -> Void, logger: Logger
    ) -> Application<RouterResponder<BasicRequestContext>> {
        let bodyDeadline = BodyDeadlineHandler.Configuration(timeout: configuration.bodyTimeout) { [counters] definition in
            counters.recordRejection(.requestTimeout, definition: definition)
        }
        return Application(
            router: router,
            // Idle keep-alive connections are closed by Hummingbird's own idle timer, senders that trickle a body by
            // the body deadline; heads far beyond the header limits are cut off by NIO's decoder (ReceiverLimits has
            // the rest).
            server: .http1(configuration: .init(additionalChannelHandlers: [BodyDeadlineHandler(bodyDeadline)],
                                                idleTimeout: TimeAmount(configuration.idleTimeout),
                                                httpDecoderConfiguration: limits.headers.parserLimits),
                           webhooks: webhooks),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: services,
            onServerRunning: onServerRunning,
            eventLoopGroupProvider: .shared(eventLoops),
            logger: logger)
    }

    /// Serves until graceful shutdown (see the type's documentation for the order), then returns.
    public func run() async throws {
        guard !state.started.exchange(true, ordering: .relaxed) else {
            throw ReceiverError(.alreadyRunning, "run() was called twice; create a new ReceiverService")
        }
        let application = makeApplication()
        var failure: (any Error)?
        do {
            try await withGracefulShutdownHandler {
                try await application.run()
            } onGracefulShutdown: { [health] in
                health.beginDraining()
            }
        } catch {
            failure = error
        }
        state.boundPort.withLock { $0 = nil }
        // Also when the server failed: the service's own threads never outlive run().
        if ownsEventLoops { try await eventLoops.shutdownGracefully() }
        if let failure { throw failure }
    }
}

/// The service's mutable run-time state. A separate class because Swift 6.3's optimizer crashes ("Found ownership
/// error") on a class whose throwing initializer also initialises non-copyable `Mutex`/`Atomic` stored properties.
private final class ServiceState: Sendable {
    let boundPort = Mutex<Int?>(nil)
    let started = Atomic<Bool>(false)
}

/// The baseline's webhook answer: 202 once the body arrived, with no lookup, verification or broker.
struct UnverifiedIntake: WebhookIntake {
    let maximumBodySize: Int

    static func accepted(bytes: Int) -> ReceiverResponse {
        ReceiverResponse(status: .accepted, headers: [.contentType: "application/json"],
                        body: "{\"status\":\"accepted\",\"bytes\":\(bytes)}")
    }

    func admit(_ request: Request, definition: Substring, integration: Substring) -> Result<Void, ReceiverRefusal> {
        .success(())
    }

    func receive(_ request: Request, admission: Void, body: [UInt8], definition: Substring, integration: Substring,
                 answer: @escaping @Sendable (ReceiverResponse) -> Void) {
        answer(Self.accepted(bytes: body.count))
    }

    func tooLarge(definition: Substring, integration: Substring) -> ReceiverResponse {
        WebhookRejection(.payloadTooLarge, "the body is larger than \(maximumBodySize) bytes").webhookResponse(retryAfterSeconds: 1)
    }
}

/// Turns the router's empty 404 for unknown paths and methods into the receiver's JSON rejection.
struct NotFoundAsJSONMiddleware<Context: RequestContext>: RouterMiddleware {
    let receiver: WebhookReceiver

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return receiver.reject(WebhookRejection(.routeNotFound, "no route for \(request.method) \(request.uri.path.prefix(128)); webhooks are POSTed to /webhooks/<definition>/<integration>"), definition: nil, integration: "").hummingbirdResponse
        }
    }
}
