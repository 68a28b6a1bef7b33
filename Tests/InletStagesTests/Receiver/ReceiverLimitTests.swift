import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InletCore
@testable import InletReceiver
import HummingbirdCore
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Synchronization
import Testing

/// The receiver's defences: per-integration rate limits (429), header limits (431), the body deadline (408) and
/// the configuration that sets them.
@Suite struct ReceiverLimitTests {
    // MARK: Token bucket and limiter

    @Test func aBucketAdmitsItsBurstThenRefillsAtTheRate() {
        let limiter = IntegrationRateLimiter(limit: RateLimit(perSecond: 10, burst: 3))
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.admit("acme", now: start) == nil) }
        let wait = limiter.admit("acme", now: start)
        #expect(wait != nil)
        // One token every 100 ms: refused just before it, admitted at it, refused again right after.
        #expect(wait! <= .milliseconds(100) && wait! > .zero)
        #expect(limiter.admit("acme", now: start + .milliseconds(99)) != nil)
        #expect(limiter.admit("acme", now: start + .milliseconds(100)) == nil)
        #expect(limiter.admit("acme", now: start + .milliseconds(100)) != nil)
        // A quiet second refills the whole burst, never more.
        let later = start + .seconds(2)
        for _ in 0..<3 { #expect(limiter.admit("acme", now: later) == nil) }
        #expect(limiter.admit("acme", now: later) != nil)
    }

    @Test func integrationsHaveSeparateBucketsAndRemovedOnesAreDropped() {
        let limiter = IntegrationRateLimiter(limit: RateLimit(perSecond: 1, burst: 1))
        let now = ContinuousClock.now
        #expect(limiter.admit("a", now: now) == nil)
        #expect(limiter.admit("a", now: now) != nil)
        #expect(limiter.admit("b", now: now) == nil)
        #expect(limiter.bucketCount == 2)
        limiter.retain(only: ["b"])
        #expect(limiter.bucketCount == 1)
        // "b" kept its state: still empty.
        #expect(limiter.admit("b", now: now) != nil)
    }

    @Test func concurrentRequestsNeverTakeMoreThanTheBurst() async {
        let limiter = IntegrationRateLimiter(limit: RateLimit(perSecond: 1, burst: 50))
        let now = ContinuousClock.now
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<100).reduce(0) { count, _ in count + (limiter.admit("acme", now: now) == nil ? 1 : 0) } }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 50)
    }

    @Test func retryAfterRoundsUpToWholeSecondsAndIsAtLeastOne() {
        #expect(IntegrationRateLimiter.retryAfterSeconds(.milliseconds(1)) == 1)
        #expect(IntegrationRateLimiter.retryAfterSeconds(.seconds(1)) == 1)
        #expect(IntegrationRateLimiter.retryAfterSeconds(.milliseconds(1500)) == 2)
        #expect(IntegrationRateLimiter.retryAfterSeconds(.zero) == 1)
    }

    // MARK: Through the router

    @Test(arguments: ServingPath.allCases) func anIntegrationOverItsLimitGets429WithRetryAfterAndOthersDoNot(_ servingPath: ServingPath) async throws {
        var configuration = ReceiverConfiguration()
        configuration.rateLimit = RateLimit(perSecond: 1, burst: 2)  // under test: far below the default
        let service = try ReceiverFixtures.service(configuration: configuration)
        let signer = try ReceiverFixtures.githubSigner()
        try await service.makeApplication().test(servingPath.setup) { client in
            for index in 0..<2 {
                let request = try signer.sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "rl-\(index)")
                #expect(try await client.postSigned(request).status == .accepted)
            }
            // The bucket refills one token a second: on a machine that stalls for a second between requests one
            // more may pass, so ask until refused (at most a few times) rather than exactly once.
            var refused = try await client.postSigned(try signer.sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "rl-3"))
            var attempts = 1
            while refused.status == .accepted, attempts < 5 {
                attempts += 1
                refused = try await client.postSigned(try signer.sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "rl-\(2 + attempts)"))
            }
            #expect(refused.status == .tooManyRequests)
            #expect(refused.receiverErrorCode == "rate_limited")
            #expect(refused.headers[.retryAfter] == "1")
            #expect(refused.headers[.contentType] == "application/json")

            // Another integration has its own bucket.
            let other = try ReceiverFixtures.standardSigner().sign(body: Array(#"{"type":"invoice.paid"}"#.utf8), event: "invoice.paid", deliveryID: "msg_rl")
            #expect(try await client.postSigned(other).status == .accepted)

            // Strangers are 404 before the limiter and get no bucket.
            for index in 0..<5 {
                let stranger = try await client.execute(uri: "/webhooks/github/nobody-\(index)", method: .post,
                                                        headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
                #expect(stranger.status == .notFound)
            }
        }
        #expect(service.counters.rejections(.rateLimited) == 1)
        #expect(service.counters.acceptedCount >= 3 && service.counters.acceptedCount <= 7)
        #expect(service.limits.rateLimiter?.bucketCount == 2)
    }

    @Test(arguments: ServingPath.allCases) func rateLimitingOffAdmitsEverything(_ servingPath: ServingPath) async throws {
        var configuration = ReceiverConfiguration()
        configuration.rateLimit = nil
        let service = try ReceiverFixtures.service(configuration: configuration)
        let signer = try ReceiverFixtures.githubSigner()
        try await service.makeApplication().test(servingPath.setup) { client in
            for index in 0..<5 {
                let request = try signer.sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "off-\(index)")
                #expect(try await client.postSigned(request).status == .accepted)
            }
        }
        #expect(service.limits.rateLimiter == nil)
    }

    @Test(arguments: ServingPath.allCases) func tooManyOrTooLargeHeadersGet431(_ servingPath: ServingPath) async throws {
        var configuration = ReceiverConfiguration()
        configuration.maximumHeaderCount = 12
        configuration.maximumHeaderBytes = 2048
        let service = try ReceiverFixtures.service(configuration: configuration)
        let request = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "hd-1")
        try await service.makeApplication().test(servingPath.setup) { client in
            // Within both limits: accepted.
            #expect(try await client.postSigned(request).status == .accepted)

            var many: [String: String?] = [:]
            for index in 0..<12 { many["x-extra-\(index)"] = "1" }
            let crowded = try await client.postSigned(request, replacing: many)
            #expect(crowded.status == .requestHeaderFieldsTooLarge)
            #expect(crowded.receiverErrorCode == "request_header_fields_too_large")

            let bulky = try await client.postSigned(request, replacing: ["x-padding": String(repeating: "a", count: 2100)])
            #expect(bulky.status == .requestHeaderFieldsTooLarge)
            #expect(bulky.receiverBodyText.contains("bytes"))
        }
        #expect(service.counters.rejections(.requestHeaderFieldsTooLarge) == 2)
    }

    @Test func headerLimitsCountEveryFieldAsSent() {
        let limits = RequestHeaderLimits(maximumCount: 2, maximumBytes: 20)
        // "a: bcd\r\n" is 8 bytes, "e: fgh\r\n" 8 (16 in all), "e: fghijklm\r\n" 13 (21: one over).
        #expect(limits.check([HTTPField.Name("a")!: "bcd", HTTPField.Name("e")!: "fgh"]) == nil)
        #expect(limits.check([HTTPField.Name("a")!: "bcd", HTTPField.Name("e")!: "fghijklm"])?.code == .requestHeaderFieldsTooLarge)
        #expect(limits.check([HTTPField.Name("a")!: "1", HTTPField.Name("b")!: "2", HTTPField.Name("c")!: "3"])?.code == .requestHeaderFieldsTooLarge)
        // NIO's parser limits stay above ours, so our 431 is what a sender sees.
        let parser = RequestHeaderLimits(maximumCount: 100, maximumBytes: 32 * 1024).parserLimits
        #expect(parser.maxHeaderFieldCount >= 400 && parser.maxHeaderListSize >= 128 * 1024)
    }

    // MARK: Body deadline (the handler on an embedded channel; ReceiverLimitLiveTests has it on a real socket)

    @Test func aBodyThatStallsIsAnswered408AndTheConnectionClosed() throws {
        let (channel, timedOut) = try Self.deadlineChannel(timeout: .milliseconds(100))
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/webhooks/github/acme")))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "{\"partial\":")))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(99))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil, "answered before the deadline")
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        guard case .head(let head) = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("expected a response head")
            return
        }
        #expect(head.status == .requestTimeout && head.headerFields[.connection] == "close")
        guard case .body(let body) = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("expected a response body")
            return
        }
        #expect(String(buffer: body).contains("\"request_timeout\""))
        #expect(!channel.isActive, "the connection stayed open after the 408")
        #expect(timedOut.definitions == ["github"])
    }

    @Test func bodiesThatEndInTimeAreNeverTimedOutOnAKeepAliveConnection() throws {
        let (channel, timedOut) = try Self.deadlineChannel(timeout: .milliseconds(100))
        // Many requests on one connection, each complete in time, spread over several timeouts.
        for index in 0..<10 {
            try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/webhooks/github/acme")))
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(60))
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "{\"n\":\(index)}")))
            try channel.writeInbound(HTTPRequestPart.end(nil))
        }
        // And a long idle time after the last: idleness is the idle timeout's business, not the body deadline's.
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
        #expect(channel.isActive)
        #expect(timedOut.definitions.isEmpty)
        // Every part reached the next handler (Hummingbird).
        var parts = 0
        while try channel.readInbound(as: HTTPRequestPart.self) != nil { parts += 1 }
        #expect(parts == 30)
    }

    @Test func aStallAfterTheResponseWentOutOnlyClosesTheConnection() throws {
        let (channel, timedOut) = try Self.deadlineChannel(timeout: .milliseconds(100))
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/healthz")))
        // The route refused the request before reading its body (say a 413 from Content-Length).
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .contentTooLarge)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try channel.readOutbound(as: HTTPResponsePart.self)
        _ = try channel.readOutbound(as: HTTPResponsePart.self)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil, "a second response for one request")
        #expect(!channel.isActive)
        #expect(timedOut.definitions == [nil])
    }

    @Test func theMetricLabelIsTheURLsDefinitionSegment() {
        #expect(BodyDeadlineHandler.definition(inPath: "/webhooks/stripe/acme?x=1") == "stripe")
        #expect(BodyDeadlineHandler.definition(inPath: "/webhooks/stripe?x=1") == "stripe")
        #expect(BodyDeadlineHandler.definition(inPath: "/readyz") == nil)
        #expect(BodyDeadlineHandler.definition(inPath: nil) == nil)
    }

    /// Definitions reported by the handler's timeouts, in order.
    final class TimeoutLog: Sendable {
        private let recorded = Mutex<[String?]>([])
        var definitions: [String?] { recorded.withLock { $0 } }
        func record(_ definition: String?) { recorded.withLock { $0.append(definition) } }
    }

    static func deadlineChannel(timeout: Duration) throws -> (EmbeddedChannel, TimeoutLog) {
        let log = TimeoutLog()
        let handler = BodyDeadlineHandler(.init(timeout: timeout) { log.record($0) })
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        return (channel, log)
    }

    @Test func rejectionsCarryTheirOwnRetryAfterAndA408ClosesTheConnection() {
        let limited = WebhookRejection(.rateLimited, "slow down", retryAfterSeconds: 3).response(retryAfterSeconds: 5)
        #expect(limited.status == .tooManyRequests)
        #expect(limited.headers[.retryAfter] == "3")
        let unavailable = WebhookRejection(.brokerTimeout, "later").response(retryAfterSeconds: 5)
        #expect(unavailable.headers[.retryAfter] == "5")
        let timedOut = WebhookRejection(.requestTimeout, "too slow").response(retryAfterSeconds: 5)
        #expect(timedOut.status == .requestTimeout)
        #expect(timedOut.headers[.connection] == "close")
        #expect(timedOut.headers[.retryAfter] == nil)
    }

    // MARK: Configuration

    @Test func limitsAreReadFromTheEnvironment() throws {
        let configuration = try ReceiverConfiguration(environment: EnvironmentReader([
            "INLET_RECEIVER_RATE_LIMIT_PER_SECOND": "50",
            "INLET_RECEIVER_RATE_LIMIT_BURST": "70",
            "INLET_RECEIVER_MAX_HEADER_COUNT": "40",
            "INLET_RECEIVER_MAX_HEADER_BYTES": "4096",
            "INLET_RECEIVER_BODY_TIMEOUT_MS": "2500",
            "INLET_RECEIVER_IDLE_TIMEOUT_MS": "30000",
        ]))
        #expect(configuration.rateLimit == RateLimit(perSecond: 50, burst: 70))
        #expect(configuration.maximumHeaderCount == 40)
        #expect(configuration.maximumHeaderBytes == 4096)
        #expect(configuration.bodyTimeout == .milliseconds(2500))
        #expect(configuration.idleTimeout == .seconds(30))

        let defaults = try ReceiverConfiguration(environment: EnvironmentReader([:]))
        #expect(defaults.rateLimit == RateLimit(perSecond: 10_000, burst: 20_000))
        #expect(defaults.maximumHeaderCount == 100 && defaults.maximumHeaderBytes == 32768)
        #expect(defaults.bodyTimeout == .seconds(10) && defaults.idleTimeout == .seconds(60))

        let off = try ReceiverConfiguration(environment: EnvironmentReader(["INLET_RECEIVER_RATE_LIMIT_PER_SECOND": "0"]))
        #expect(off.rateLimit == nil)
        let burstOnly = try ReceiverConfiguration(environment: EnvironmentReader(["INLET_RECEIVER_RATE_LIMIT_BURST": "5"]))
        #expect(burstOnly.rateLimit == RateLimit(perSecond: 10_000, burst: 5))
    }

    @Test func malformedLimitsNameTheVariable() {
        for (name, value) in [("INLET_RECEIVER_RATE_LIMIT_PER_SECOND", "-1"), ("INLET_RECEIVER_RATE_LIMIT_BURST", "0"),
                              ("INLET_RECEIVER_MAX_HEADER_COUNT", "many"), ("INLET_RECEIVER_MAX_HEADER_BYTES", "10"),
                              ("INLET_RECEIVER_BODY_TIMEOUT_MS", "0"), ("INLET_RECEIVER_IDLE_TIMEOUT_MS", "1.5")] {
            #expect {
                try ReceiverConfiguration(environment: EnvironmentReader([name: value]))
            } throws: { error in
                (error as? ReceiverError)?.reason.contains(name) == true
            }
        }
    }
}
