import Synchronization
import Testing
@testable import InletHTTPClient

@Suite("HTTPClient")
struct HTTPClientTests {
    /// Runs `body` with a fresh sink and client, and always shuts both down.
    func withClient<R>(
        _ configuration: HTTPClient.Configuration = .init(),
        _ body: (HTTPClient, HTTPSink) async throws -> R
    ) async throws -> R {
        let sink = try HTTPSink()
        let client = try HTTPClient(configuration: configuration)
        do {
            let result = try await body(client, sink)
            await client.shutdownFailingInFlight()
            sink.stop()
            return result
        } catch {
            await client.shutdownFailingInFlight()
            sink.stop()
            throw error
        }
    }

    func httpError(_ operation: () async throws -> some Any) async -> HTTPClientError? {
        do {
            _ = try await operation()
            return nil
        } catch let error as HTTPClientError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("POST sends the headers and a 1 MB body byte for byte")
    func postsHeadersAndBody() async throws {
        try await withClient { client, sink in
            let body = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let response = try await client.execute(HTTPRequest(
                method: .post, url: sink.baseURL + "/echo",
                headers: [("Content-Type", "application/json"), ("webhook-signature", "v1,abc=")],
                body: body
            ))
            #expect(response.status == 200)
            #expect(response.body == Array("ok".utf8))
            #expect(response.headers["x-received-bytes"] == String(body.count))
            #expect(response.headers["X-Received-Signature"] == "v1,abc=")
            let recorded = try #require(sink.lastRequest.withLock { $0 })
            #expect(recorded.method == "POST")
            #expect(recorded.body == body)
            #expect(recorded.header("content-type") == "application/json")
            #expect(recorded.header("expect") == nil)
        }
    }

    @Test("a POST without Content-Type does not get curl's form type; other methods carry their body")
    func noDefaultContentTypeAndCustomMethods() async throws {
        try await withClient { client, sink in
            _ = try await client.execute(HTTPRequest(method: .post, url: sink.baseURL + "/echo", body: Array("x".utf8)))
            #expect(sink.lastRequest.withLock { $0?.header("content-type") } == nil)
            let put = try await client.execute(HTTPRequest(method: .put, url: sink.baseURL + "/echo", body: Array("abc".utf8)))
            #expect(put.headers["x-received-method"] == "PUT")
            #expect(put.headers["x-received-bytes"] == "3")
            let get = try await client.execute(HTTPRequest(url: sink.baseURL + "/echo"))
            #expect(get.headers["x-received-method"] == "GET")
        }
    }

    @Test("any status code is returned as a response", arguments: [200, 201, 204, 301, 400, 404, 410, 429, 500, 503])
    func returnsStatusCodes(_ status: Int) async throws {
        try await withClient { client, sink in
            let response = try await client.execute(HTTPRequest(method: .post, url: sink.baseURL + "/status/\(status)"))
            #expect(response.status == status)
        }
    }

    @Test("response headers are looked up case-insensitively and repeated fields are kept")
    func responseHeaders() async throws {
        try await withClient { client, sink in
            let response = try await client.execute(HTTPRequest(url: sink.baseURL + "/headers"))
            #expect(response.headers["Retry-After"] == "120")
            #expect(response.headers["retry-after"] == "120")
            #expect(response.headers.values(for: "X-MULTI") == ["a", "b"])
            #expect(response.headers["missing"] == nil)
        }
    }

    @Test("a sink that never answers fails with a retriable timeout")
    func timesOut() async throws {
        try await withClient { client, sink in
            let started = ContinuousClock.now
            let error = await httpError { try await client.execute(HTTPRequest(url: sink.baseURL + "/hang", timeout: .milliseconds(300))) }
            #expect(error?.code == .timedOut)
            #expect(error?.isRetriable == true)
            #expect(error?.curlCode == 28)
            // Not a timing test: only proves the request did not hang. The bound is loose because shared CI
            // machines stall for seconds; the 300 ms timeout itself is curl's, checked by the error code above.
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test("a refused connection fails with a retriable connectionFailed")
    func connectionRefused() async throws {
        let port = try HTTPSink.refusedPort()
        try await withClient { client, _ in
            let error = await httpError { try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/")) }
            #expect(error?.code == .connectionFailed)
            #expect(error?.isRetriable == true)
        }
    }

    @Test("cancelling the task aborts the transfer and throws CancellationError once")
    func cancellation() async throws {
        try await withClient { client, sink in
            let task = Task { try await client.execute(HTTPRequest(url: sink.baseURL + "/hang", timeout: .seconds(60))) }
            #expect(try await waitUntil { sink.hangingRequests.load(ordering: .relaxed) == 1 })
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            // The easy handle was removed: curl closed the connection.
            #expect(try await waitUntil { sink.closedConnections.load(ordering: .relaxed) == 1 })
            let after = try await client.execute(HTTPRequest(url: sink.baseURL + "/status/204"))
            #expect(after.status == 204)
        }
    }

    @Test("a task cancelled before executing gets CancellationError and sends nothing")
    func cancelledBeforeStart() async throws {
        try await withClient { client, sink in
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await client.execute(HTTPRequest(url: sink.baseURL + "/echo"))
            }
            await #expect(throws: CancellationError.self) { try await task.value }
            _ = try await client.execute(HTTPRequest(url: sink.baseURL + "/status/200"))
            #expect(sink.requestsReceived.load(ordering: .relaxed) == 1)
        }
    }

    @Test("100 concurrent requests all complete correctly")
    func concurrentRequests() async throws {
        try await withClient { client, sink in
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for i in 0..<100 {
                    group.addTask {
                        let body = [UInt8](repeating: UInt8(i), count: 1000 + i)
                        let response = try await client.execute(HTTPRequest(method: .post, url: sink.baseURL + "/echo", body: body))
                        return (response.status, response.headers["x-received-bytes"].map { $0 == String(1000 + i) ? "ok" : $0 })
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            #expect(statuses.count == 100)
            #expect(statuses.allSatisfy { $0.0 == 200 && $0.1 == "ok" })
            #expect(sink.requestsReceived.load(ordering: .relaxed) == 100)
        }
    }

    @Test("sequential requests to one host reuse one kept-alive connection")
    func keepAlive() async throws {
        try await withClient { client, sink in
            for _ in 0..<20 {
                let response = try await client.execute(HTTPRequest(method: .post, url: sink.baseURL + "/echo", body: [1, 2, 3]))
                #expect(response.status == 200)
            }
            #expect(sink.acceptedConnections.load(ordering: .relaxed) == 1)
        }
    }

    @Test("a body over the limit is dropped with responseTooLarge, with or without Content-Length", arguments: ["big", "stream"])
    func responseTooLarge(_ route: String) async throws {
        try await withClient(.init(maximumResponseBodySize: 100_000)) { client, sink in
            let error = await httpError { try await client.execute(HTTPRequest(url: sink.baseURL + "/\(route)/300000")) }
            #expect(error?.code == .responseTooLarge)
            #expect(error?.isRetriable == false)
            let within = try await client.execute(HTTPRequest(url: sink.baseURL + "/big/100000"))
            #expect(within.body.count == 100_000)
        }
    }

    @Test("requests that would be sent differently than written are refused", arguments: [
        HTTPRequest(url: "ftp://127.0.0.1/x"),
        HTTPRequest(url: "file:///etc/passwd"),
        HTTPRequest(url: "http://127.0.0.1/a b"),
        HTTPRequest(url: "http://127.0.0.1/", headers: [("X-Injected", "a\r\nEvil: 1")]),
        HTTPRequest(url: "http://127.0.0.1/", headers: [("Bad Name", "v")]),
        HTTPRequest(url: "http://127.0.0.1/", timeout: .zero),
    ])
    func invalidRequests(_ request: HTTPRequest) async throws {
        try await withClient { client, _ in
            let error = await httpError { try await client.execute(request) }
            #expect(error?.code == .invalidRequest)
        }
    }

    @Test("shutdown lets in-flight requests finish and refuses new ones")
    func shutdownFinishesInFlight() async throws {
        let sink = try HTTPSink()
        defer { sink.stop() }
        let client = try HTTPClient()
        let inFlight = Task { try await client.execute(HTTPRequest(url: sink.baseURL + "/delay/300")) }
        #expect(try await waitUntil { sink.requestsReceived.load(ordering: .relaxed) == 1 })
        await client.shutdown()
        #expect(try await inFlight.value.status == 200)
        let error = await httpError { try await client.execute(HTTPRequest(url: sink.baseURL + "/echo")) }
        #expect(error?.code == .shutDown)
        await client.shutdown()   // idempotent
    }

    @Test("shutdownFailingInFlight fails in-flight requests with shutDown")
    func shutdownFailsInFlight() async throws {
        let sink = try HTTPSink()
        defer { sink.stop() }
        let client = try HTTPClient()
        let inFlight = Task { try await client.execute(HTTPRequest(url: sink.baseURL + "/hang")) }
        #expect(try await waitUntil { sink.hangingRequests.load(ordering: .relaxed) == 1 })
        await client.shutdownFailingInFlight()
        let error = await httpError { try await inFlight.value }
        #expect(error?.code == .shutDown)
    }

    @Test("every easy handle and the multi handle are freed after shutdown")
    func handlesFreedAfterShutdown() async throws {
        let sink = try HTTPSink()
        defer { sink.stop() }
        weak var weakClient: HTTPClient?
        let counts: HandleCounts
        do {
            let client = try HTTPClient()
            weakClient = client
            counts = client.handleCounts
            try await withThrowingTaskGroup(of: Void.self) { group in
                for host in ["127.0.0.1", "localhost"] {
                    for _ in 0..<4 {
                        group.addTask { _ = try await client.execute(HTTPRequest(url: "http://\(host):\(sink.port)/echo")) }
                    }
                }
                try await group.waitForAll()
            }
            #expect(counts.easy.load(ordering: .relaxed) >= 2)
            await client.shutdown()
            #expect(counts.easy.load(ordering: .relaxed) == 0)
        }
        #expect(weakClient == nil)
        #expect(counts.multi.load(ordering: .relaxed) == 0)
    }

    @Test("dropping a client without shutdown still stops its thread and frees its handles")
    func droppedClientStops() async throws {
        let sink = try HTTPSink()
        defer { sink.stop() }
        var client: HTTPClient? = try HTTPClient()
        let counts = try #require(client?.handleCounts)
        _ = try await client?.execute(HTTPRequest(url: sink.baseURL + "/echo"))
        client = nil
        #expect(try await waitUntil { counts.easy.load(ordering: .relaxed) == 0 && counts.multi.load(ordering: .relaxed) == 0 })
    }

    @Test("the client runs as a Service and shuts down on cancellation")
    func runsAsService() async throws {
        let client = try HTTPClient()
        let service = Task { try await client.run() }
        service.cancel()
        try await service.value
        let error = await httpError { try await client.execute(HTTPRequest(url: "http://127.0.0.1:1/")) }
        #expect(error?.code == .shutDown)
    }
}

extension HTTPRequest: CustomTestStringConvertible {
    public var testDescription: String { "\(method) \(url) \(headers.map(\.name))" }
}

@Suite("HTTPHeaders")
struct HTTPHeadersTests {
    @Test("lookup ignores ASCII case only and keeps order")
    func lookup() {
        let headers = HTTPHeaders([("Content-Type", "a"), ("content-type", "b"), ("X-Ä", "c")])
        #expect(headers["CONTENT-TYPE"] == "a")
        #expect(headers.values(for: "Content-type") == ["a", "b"])
        #expect(headers["x-ä"] == nil)
        #expect(headers["X-Ä"] == "c")
        #expect(!headers.description.contains("a\""))
    }
}

@Suite("ResumptionState")
struct ResumptionStateTests {
    @Test("a continuation is handed out once: to completion or to cancellation, not both")
    func handsOutOnce() async throws {
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
            var state = ResumptionState()
            #expect(state.install(continuation) == .submit)
            let first = state.take(cancelling: false)
            let second = state.take(cancelling: true)
            let settled = state.isSettled
            #expect(second == nil)
            #expect(settled)
            first?.resume(returning: HTTPResponse(status: 299, headers: HTTPHeaders(), body: []))
        }
        #expect(value.status == 299)
    }

    @Test("cancellation before install makes install answer with cancellation")
    func cancelBeforeInstall() async {
        await #expect(throws: CancellationError.self) {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                var state = ResumptionState()
                let early = state.take(cancelling: true)
                let settled = state.isSettled
                let action = state.install(continuation)
                let late = state.take(cancelling: false)
                #expect(early == nil)
                #expect(settled)
                #expect(action == .resumeCancelled)
                #expect(late == nil)
                continuation.resume(throwing: CancellationError())
            }
        }
    }
}

@Suite("Transfer")
struct TransferTests {
    @Test("the pool key is the lower-cased scheme and authority")
    func hostKey() {
        #expect(Transfer.hostKey(of: "HTTP://Example.com:8080/a/b?c") == "http://example.com:8080")
        #expect(Transfer.hostKey(of: "https://h?x=1") == "https://h")
        #expect(Transfer.hostKey(of: "https://h") == "https://h")
    }

    @Test("timeouts convert to at least one millisecond")
    func milliseconds() {
        #expect(Transfer.milliseconds(.seconds(2)) == 2000)
        #expect(Transfer.milliseconds(.microseconds(10)) == 1)
        #expect(Transfer.milliseconds(.milliseconds(1500)) == 1500)
    }
}
