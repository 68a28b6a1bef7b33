import Foundation
import Hummingbird
import InletCore
import InletStageRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// Settings of the ``AdminServer``.
public struct AdminServerConfiguration: Sendable {
    /// The address to bind. Default: `0.0.0.0`, so the kubelet's probes and Prometheus reach it from outside the
    /// pod or host; nothing it serves is secret.
    public var host = "0.0.0.0"
    /// The port. Default: 9400 (`INLET_ADMIN_PORT`). 0 lets the system pick a free port (tests; see
    /// ``AdminServer/listeningPort``).
    public var port = 9400

    public init() {}

    /// Reads `INLET_ADMIN_PORT` (0…65535; 0 picks a free port).
    /// - Throws: ``InletCoreError`` `.invalidConfiguration` naming the variable for a bad value.
    public init(environment: EnvironmentReader) throws(InletCoreError) {
        self.init()
        if let port = try environment.int("INLET_ADMIN_PORT", range: 0...65535) { self.port = port }
    }
}

/// The admin endpoint of a consuming stage: a small HTTP server beside the stage, on its own port.
///
/// | route | answer |
/// |---|---|
/// | `GET /healthz` | 200 `{"status":"alive"}` while the process serves requests (liveness) |
/// | `GET /readyz` | 200 when every stage's every check passes, else 503; JSON with each check and why it fails |
/// | `GET /metrics` | the Prometheus text exposition (503 when the process did not bootstrap metrics) |
///
/// ## Shutdown
/// A `Service`: put it first in the stage's `ServiceGroup`, so it stops last. During the stage's graceful shutdown
/// `/readyz` answers 503 ("shutting down") while `/healthz` and `/metrics` keep answering; then the server stops
/// accepting connections, finishes the requests in flight and `run()` returns.
///
/// - Important: `run()` fails when the port is taken (another stage on the same host with the same
///   `INLET_ADMIN_PORT`); give each process its own port.
public final class AdminServer: Service, Sendable {
    /// Answers `/readyz`: the readiness of each stage the process runs.
    public typealias Readiness = @Sendable () async -> [StageReadiness]

    public let configuration: AdminServerConfiguration
    private let exposition: PrometheusExposition?
    private let readiness: Readiness
    private let logger: Logger
    private let boundPort = BoundPort()

    /// - Parameters:
    ///   - exposition: what `/metrics` renders; nil renders the bootstrapped one (``InletMetricsSystem/exposition``),
    ///     or answers 503 when there is none.
    ///   - readiness: called on every `/readyz`; keep it cheap (a `SELECT 1`, a local assignment lookup).
    public init(configuration: AdminServerConfiguration, exposition: PrometheusExposition? = nil,
                readiness: @escaping Readiness, logger: Logger) {
        self.configuration = configuration
        self.exposition = exposition
        self.readiness = readiness
        self.logger = logger
    }

    /// The port the server listens on while it runs (useful with port 0), otherwise nil.
    public var listeningPort: Int? { boundPort.value.withLock { $0 } }

    /// The routes, for HummingbirdTesting's router mode or to mount elsewhere.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ -> Response in
            AdminResponse.json(.ok, #"{"status":"alive"}"#)
        }
        let readiness = self.readiness
        router.get("/readyz") { _, _ -> Response in
            let report = ReadinessReport(stages: await readiness())
            return AdminResponse.json(report.isReady ? .ok : .serviceUnavailable, report.json)
        }
        router.addPrometheusMetrics(exposition: exposition)
        return router
    }

    /// Serves until graceful shutdown (or cancellation), then returns.
    /// - Throws: when the address cannot be bound (the error names host and port).
    public func run() async throws {
        let application = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { [boundPort, logger] channel in
                let port = channel.localAddress?.port
                boundPort.value.withLock { $0 = port }
                logger.info("admin endpoint listening (/healthz, /readyz, /metrics)",
                            metadata: ["inlet.admin.port": "\(port.map(String.init) ?? "?")"])
            },
            logger: logger)
        do {
            try await application.run()
        } catch {
            boundPort.value.withLock { $0 = nil }
            throw AdminServerError(
                reason: "the admin endpoint on \(configuration.host):\(configuration.port) failed (\(error)); if the port is taken, give this process its own INLET_ADMIN_PORT")
        }
        boundPort.value.withLock { $0 = nil }
    }
}

/// The port while the server listens; a class so the server-running callback can capture it (a `Mutex` cannot be
/// captured).
private final class BoundPort: Sendable {
    let value = Mutex<Int?>(nil)
}

/// Why the admin endpoint stopped.
public struct AdminServerError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

extension Router {
    /// Mounts `GET path` serving the Prometheus exposition: `exposition`, or when nil the process's bootstrapped one
    /// (``InletMetricsSystem/exposition``, looked up per request), or 503 when metrics were never bootstrapped.
    public func addPrometheusMetrics(path: RouterPath = "/metrics", exposition: PrometheusExposition? = nil) {
        get(path) { _, _ -> Response in
            guard let exposition = exposition ?? InletMetricsSystem.exposition else {
                return AdminResponse.json(
                    .serviceUnavailable,
                    #"{"error":{"code":"metrics_not_bootstrapped","message":"this process did not bootstrap metrics (InletMetricsSystem.bootstrap)"}}"#)
            }
            return Response(status: .ok, headers: [.contentType: PrometheusExposition.contentType],
                            body: .init(byteBuffer: ByteBuffer(string: exposition.text())))
        }
    }
}

/// Response helpers of the admin routes.
enum AdminResponse {
    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The `/readyz` body: `{"status":"ready"|"not_ready","stages":[{"stage":…,"ready":…,"checks":[{"name":…,"ready":…,"reason":…}]}]}`.
struct ReadinessReport: Encodable {
    struct Check: Encodable {
        let name: String
        let ready: Bool
        let reason: String?
    }

    struct StageReport: Encodable {
        let stage: String
        let ready: Bool
        let checks: [Check]
    }

    let status: String
    let stages: [StageReport]

    init(stages: [StageReadiness]) {
        self.stages = stages.map { stage in
            StageReport(stage: stage.stage, ready: stage.isReady,
                        checks: stage.checks.map { Check(name: $0.name, ready: $0.isReady, reason: $0.reason) })
        }
        // No stage to report is not ready either: the process has nothing that could work.
        status = !stages.isEmpty && stages.allSatisfy(\.isReady) ? "ready" : "not_ready"
    }

    var isReady: Bool { status == "ready" }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings and booleans cannot fail.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"status":"not_ready"}"#
    }
}
