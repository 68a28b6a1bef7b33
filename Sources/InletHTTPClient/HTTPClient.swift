import CCurl
import Logging
import ServiceLifecycle

/// An asynchronous HTTP/1.1 client on libcurl's multi interface, driven by one dedicated thread.
///
/// ```swift
/// let client = try HTTPClient()
/// let response = try await client.execute(HTTPRequest(method: .post, url: url, headers: headers, body: body))
/// ```
/// - Any HTTP status is a response; transport failures throw `HTTPClientError` (see `isRetriable`), and a cancelled
///   task gets `CancellationError` (the transfer is removed from libcurl).
/// - Easy handles are pooled per `scheme://authority` so connections are kept alive and reused.
/// - Redirects are not followed unless `Configuration.followRedirects` is set; only http and https are allowed.
///
/// - Important: Lifetime. `init` starts the loop thread (a `Thread`, not a task: libcurl's poll blocks). Call
///   `shutdown()` — or run the client in a `ServiceGroup`, whose graceful shutdown calls it — before dropping the
///   last reference, to know when the thread has stopped; dropping the last reference without it only starts the
///   same shutdown (in-flight requests still finish). After shutdown every `execute` throws
///   `HTTPClientError.Code.shutDown`.
public final class HTTPClient: Service, Sendable {
    /// Client-wide settings. Per-request timeouts in `HTTPRequest` override the timeouts here.
    public struct Configuration: Sendable {
        /// Whole-request timeout. Default: 30 seconds.
        public var timeout: Duration
        /// Connect timeout (DNS, TCP, TLS). Default: 5 seconds.
        public var connectTimeout: Duration
        /// Largest response body kept; a larger one fails the request with `.responseTooLarge`. Default: 1 MiB.
        public var maximumResponseBodySize: Int
        /// Idle easy handles kept per `scheme://authority` for reuse. Default: 64.
        public var maximumIdleHandlesPerHost: Int
        /// Open connections libcurl keeps in its cache for keep-alive (`CURLMOPT_MAXCONNECTS`); without a fixed
        /// size curl shrinks the cache when few transfers are running and closes warm connections. Default: 256.
        public var maximumCachedConnections: Int
        /// Follow 3xx `Location` (at most 5, http/https only). Default: false.
        public var followRedirects: Bool
        /// `User-Agent` sent when the request has none; empty sends none. Default: "inlet".
        public var userAgent: String

        public init(
            timeout: Duration = .seconds(30),
            connectTimeout: Duration = .seconds(5),
            maximumResponseBodySize: Int = 1 << 20,
            maximumIdleHandlesPerHost: Int = 64,
            maximumCachedConnections: Int = 256,
            followRedirects: Bool = false,
            userAgent: String = "inlet"
        ) {
            self.timeout = timeout
            self.connectTimeout = connectTimeout
            self.maximumResponseBodySize = maximumResponseBodySize
            self.maximumIdleHandlesPerHost = maximumIdleHandlesPerHost
            self.maximumCachedConnections = maximumCachedConnections
            self.followRedirects = followRedirects
            self.userAgent = userAgent
        }
    }

    public let configuration: Configuration
    private let inbox: TransferInbox
    private let logger: Logger
    /// Live libcurl handles of this client (for tests).
    let handleCounts: HandleCounts

    /// Creates the client and starts its loop thread.
    /// - Throws: `HTTPClientError` with `.transferFailed` if libcurl cannot initialise.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "inlet.http-client")) throws {
        guard CurlGlobal.initResult == CURLE_OK else {
            throw HTTPClientError(code: .transferFailed, reason: "curl_global_init failed (\(CurlGlobal.initResult.rawValue)); libcurl cannot be used in this process", curlCode: Int(CurlGlobal.initResult.rawValue), isRetriable: false)
        }
        let counts = HandleCounts()
        guard let multi = MultiHandle(counts: counts) else {
            throw HTTPClientError(code: .transferFailed, reason: "curl_multi_init failed (out of memory?)", isRetriable: false)
        }
        _ = inlet_multi_setopt_long(multi.pointer, CURLMOPT_MAXCONNECTS, configuration.maximumCachedConnections)
        self.configuration = configuration
        self.handleCounts = counts
        self.logger = logger
        self.inbox = TransferInbox(multi: multi)
        TransferLoop.start(TransferLoop(inbox: inbox, configuration: configuration, counts: counts, logger: logger))
    }

    /// A client dropped without `shutdown()` still stops its thread, after in-flight requests finish.
    deinit { inbox.beginShutdown() }

    /// Sends `request` and returns the complete response.
    /// - Throws: `HTTPClientError` for transport failures, an invalid request or a shut-down client;
    ///   `CancellationError` if the calling task is cancelled (the transfer is aborted).
    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        if let problem = Self.validate(request) { throw problem }
        let transfer = Transfer(request: request, configuration: configuration)
        let inbox = self.inbox
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                switch transfer.install(continuation) {
                case .submit:
                    if let refused = inbox.submit(transfer) { transfer.complete(.failure(refused)) }
                case .resumeCancelled:
                    continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            transfer.cancel()
            inbox.cancel(transfer)
        }
    }

    /// Stops taking requests, lets in-flight requests finish (each within its own timeout), stops the loop thread
    /// and frees the easy handles. Idempotent; every caller returns once the thread has exited.
    public func shutdown() async {
        await inbox.shutdown(.finishInFlight)
    }

    /// Like `shutdown()`, but fails in-flight requests at once with `HTTPClientError.Code.shutDown`.
    public func shutdownFailingInFlight() async {
        await inbox.shutdown(.failInFlight)
    }

    /// `Service`: waits for graceful shutdown (or cancellation), then calls `shutdown()`.
    public func run() async throws {
        try? await gracefulShutdown()
        logger.debug("HTTP client shutting down")
        await shutdown()
    }

    /// Refuses what would make libcurl send something other than what the caller wrote.
    static func validate(_ request: HTTPRequest) -> HTTPClientError? {
        func invalid(_ reason: String) -> HTTPClientError {
            HTTPClientError(code: .invalidRequest, reason: reason, isRetriable: false)
        }
        let lowercasedURL = request.url.prefix(8).lowercased()
        guard lowercasedURL.hasPrefix("http://") || lowercasedURL.hasPrefix("https://") else {
            return invalid("the URL must start with http:// or https://")
        }
        if request.url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return invalid("the URL contains spaces or control characters; percent-encode them")
        }
        for (index, header) in request.headers.enumerated() {
            let nameIsToken = !header.name.isEmpty && header.name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
            guard nameIsToken else { return invalid("header #\(index) has an empty name or one with spaces, ':' or control characters") }
            if header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
                return invalid("header '\(header.name)' has CR, LF or NUL in its value")
            }
        }
        if !(request.timeout.map { $0 > .zero } ?? true) || !(request.connectTimeout.map { $0 > .zero } ?? true) {
            return invalid("timeouts must be positive")
        }
        return nil
    }
}
