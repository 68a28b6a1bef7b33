import CoreMetrics
import Foundation
import Hummingbird
import HummingbirdTesting
import InletCore
import InletHTTPClient
import InletMetrics
import InletStageRuntime
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A readiness the test flips.
final class MetricsSwitchableReadiness: Sendable {
    private let ready = Atomic<Bool>(true)

    func set(_ value: Bool) { ready.store(value, ordering: .relaxed) }

    var report: [StageReadiness] {
        let isReady = ready.load(ordering: .relaxed)
        return [StageReadiness(stage: "mapper", checks: [
            isReady ? .ready("kafka_consumer") : .notReady("kafka_consumer", "no partitions assigned to this instance yet"),
            .ready("postgres"),
        ])]
    }
}

private func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

@Suite("AdminServer")
struct MetricsAdminServerTests {
    static func server(readiness: MetricsSwitchableReadiness, exposition: PrometheusExposition?, port: Int = 0) -> AdminServer {
        var configuration = AdminServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = port
        return AdminServer(configuration: configuration, exposition: exposition, readiness: { readiness.report },
                           logger: MetricsTestEnvironment.logger)
    }

    @Test("/healthz is alive, /readyz says ready or why not, /metrics renders the exposition")
    func routes() async throws {
        let scope = MetricsScope()
        try await scope.run { StageMetrics(stage: .mapper).forwarded(5) }
        let readiness = MetricsSwitchableReadiness()
        let application = Application(router: Self.server(readiness: readiness, exposition: scope.exposition).makeRouter())
        try await application.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(text(response.body) == #"{"status":"alive"}"#)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(text(response.body).contains(#""status":"ready""#))
                #expect(text(response.body).contains(#""stage":"mapper""#))
            }
            readiness.set(false)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = text(response.body)
                #expect(body.contains(#""status":"not_ready""#))
                #expect(body.contains(#""name":"kafka_consumer","ready":false,"reason":"no partitions assigned to this instance yet""#))
                #expect(body.contains(#""name":"postgres","ready":true"#))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == PrometheusExposition.contentType)
                #expect(text(response.body).contains(#"inlet_stage_records_forwarded_total{stage="mapper"} 5"#))
                #expect(text(response.body).contains("# HELP inlet_stage_records_forwarded_total "))
            }
        }
    }

    @Test("runs on a free port, answers over TCP, and returns on graceful shutdown")
    func liveServer() async throws {
        let readiness = MetricsSwitchableReadiness()
        let server = Self.server(readiness: readiness, exposition: MetricsScope().exposition)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: MetricsTestEnvironment.logger))
        let running = Task { try await group.run() }
        let client = try HTTPClient()
        do {
            #expect(await MetricsTestEnvironment.eventually(timeout: .seconds(10)) { server.listeningPort != nil })
            let port = try #require(server.listeningPort)
            let health = try await client.execute(InletHTTPClient.HTTPRequest(url: "http://127.0.0.1:\(port)/healthz"))
            #expect(health.status == 200)
            readiness.set(false)
            let ready = try await client.execute(InletHTTPClient.HTTPRequest(url: "http://127.0.0.1:\(port)/readyz"))
            #expect(ready.status == 503)
            let metrics = try await client.execute(InletHTTPClient.HTTPRequest(url: "http://127.0.0.1:\(port)/metrics"))
            #expect(metrics.status == 200)
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            await client.shutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(server.listeningPort == nil)
        await client.shutdown()
    }

    @Test("a taken port fails run() with an error that names the port and INLET_ADMIN_PORT")
    func portTaken() async throws {
        let first = Self.server(readiness: MetricsSwitchableReadiness(), exposition: nil)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [first], logger: MetricsTestEnvironment.logger))
        let running = Task { try await group.run() }
        #expect(await MetricsTestEnvironment.eventually(timeout: .seconds(10)) { first.listeningPort != nil })
        let port = try #require(first.listeningPort)
        let second = Self.server(readiness: MetricsSwitchableReadiness(), exposition: nil, port: port)
        do {
            try await second.run()
            Issue.record("a second server bound the same port")
        } catch {
            #expect("\(error)".contains("127.0.0.1:\(port)"))
            #expect("\(error)".contains("INLET_ADMIN_PORT"))
        }
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test("INLET_ADMIN_PORT sets the port; a bad value is named in the error")
    func configuration() throws {
        #expect(AdminServerConfiguration().port == 9400)
        #expect(try AdminServerConfiguration(environment: EnvironmentReader(["INLET_ADMIN_PORT": "9555"])).port == 9555)
        #expect(try AdminServerConfiguration(environment: EnvironmentReader([:])).port == 9400)
        do {
            _ = try AdminServerConfiguration(environment: EnvironmentReader(["INLET_ADMIN_PORT": "70000"]))
            Issue.record("accepted port 70000")
        } catch {
            #expect(error.reason.contains("INLET_ADMIN_PORT"))
        }
    }

    @Test("bootstrap happens once: later calls return the same registry, and metrics made anywhere land in it")
    func bootstrapOnce() {
        let first = InletMetricsSystem.bootstrap(descriptions: StageMetricName.descriptions)
        let second = InletMetricsSystem.bootstrap(descriptions: [])
        #expect(first.registry === second.registry)
        #expect(InletMetricsSystem.exposition?.registry === first.registry)
        let name = "inlet_test_bootstrap_\(UUID().uuidString.prefix(8).lowercased())_total"
        Counter(label: name).increment(by: 3)
        #expect(first.text().contains("\(name) 3"))
    }
}
