/// One signed POST to a subscriber.
public struct WebhookRequest: Sendable {
    public var url: String
    /// Header fields in order (`content-type`, `webhook-*`, `inlet-*`).
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Total time allowed for the exchange, connect included.
    public var timeout: Duration

    public init(url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What the subscriber answered. The body is not kept (it is never logged and never needed).
public struct WebhookResponse: Sendable, Equatable {
    public var status: Int
    /// The raw `Retry-After` header, if present.
    public var retryAfter: String?

    public init(status: Int, retryAfter: String? = nil) {
        self.status = status
        self.retryAfter = retryAfter
    }
}

/// Sends one request and returns the response, or throws when there was no response (connection refused or reset,
/// timeout, DNS, TLS). The deliverer treats every thrown error as a retriable transport failure and describes it
/// in logs and dead letters with `String(describing:)`, so conforming errors must not quote bodies or secrets.
///
/// The production conformer is ``CurlWebhookTransport`` (libcurl via InletHTTPClient); tests may use any HTTP
/// client or a fake.
public protocol WebhookTransport: Sendable {
    func send(_ request: WebhookRequest) async throws -> WebhookResponse
}
