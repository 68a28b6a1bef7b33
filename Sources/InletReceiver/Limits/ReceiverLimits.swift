/// The receiver's defences against hostile or broken senders, built once from ``ReceiverConfiguration``: the
/// per-integration rate limiter and the header limits (the body size limit is applied by ``WebhookReceiver``; the body
/// deadline (``BodyDeadlineHandler``) and the idle timeout by the HTTP server's channel pipeline).
struct ReceiverLimits: Sendable {
    /// nil when rate limiting is off.
    let rateLimiter: IntegrationRateLimiter?
    let headers: RequestHeaderLimits

    init(configuration: ReceiverConfiguration) {
        rateLimiter = configuration.rateLimit.map(IntegrationRateLimiter.init(limit:))
        headers = RequestHeaderLimits(maximumCount: configuration.maximumHeaderCount, maximumBytes: configuration.maximumHeaderBytes)
    }

    /// nil when `integration` may send now, otherwise the 429 naming when it may send again.
    func admit(integration: String) -> WebhookRejection? {
        guard let rateLimiter, let wait = rateLimiter.admit(integration) else { return nil }
        let seconds = IntegrationRateLimiter.retryAfterSeconds(wait)
        return WebhookRejection(.rateLimited, "integration '\(integration.prefix(64))' sent more than \(rateLimiter.limit.perSecond) requests per second (bursts of \(rateLimiter.limit.burst)); retry after \(seconds) s",
                                retryAfterSeconds: seconds)
    }
}
