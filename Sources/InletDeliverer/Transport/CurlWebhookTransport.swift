import InletHTTPClient

/// The production transport: POSTs through InletHTTPClient (libcurl multi interface, keep-alive per host).
///
/// Every `HTTPClientError` (refused, reset, timeout, DNS, TLS) is rethrown and so counts as a retriable transport
/// failure. The response body is discarded.
///
/// - Important: The client must outlive every `send`; ``DelivererService`` shuts it down only after its delivery
///   loop has ended.
public struct CurlWebhookTransport: WebhookTransport {
    public let client: HTTPClient

    public init(client: HTTPClient) {
        self.client = client
    }

    public func send(_ request: WebhookRequest) async throws -> WebhookResponse {
        let response = try await client.execute(HTTPRequest(
            method: .post, url: request.url, headers: request.headers, body: request.body, timeout: request.timeout))
        return WebhookResponse(status: response.status, retryAfter: response.headers["retry-after"])
    }
}
