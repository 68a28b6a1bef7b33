/// The receiver's defences against hostile or broken senders, built once from ``ReceiverConfiguration``: the
/// per-integration rate limiter, the header limits and the body deadline (the body size limit and the idle timeout
/// are applied where they are configured: ``WebhookReceiver`` and the HTTP server).
struct ReceiverLimits: Sendable {
    /// nil when rate limiting is off.
    let rateLimiter: IntegrationRateLimiter?
    let headers: RequestHeaderLimits
    let body: BodyDeadline

    init(configuration: ReceiverConfiguration) {
        rateLimiter = configuration.rateLimit.map(IntegrationRateLimiter.init(limit:))
        headers = RequestHeaderLimits(maximumCount: configuration.maximumHeaderCount, maximumBytes: configuration.maximumHeaderBytes)
        body = BodyDeadline(timeout: configuration.bodyTimeout)
    }

    /// nil when `integration` may send now, otherwise the 429 naming when it may send again.
    func admit(integration: String) -> WebhookRejection? {
        guard let rateLimiter, let wait = rateLimiter.admit(integration) else { return nil }
        let seconds = IntegrationRateLimiter.retryAfterSeconds(wait)
        return WebhookRejection(.rateLimited, "integration '\(integration.prefix(64))' sent more than \(rateLimiter.limit.perSecond) requests per second (bursts of \(rateLimiter.limit.burst)); retry after \(seconds) s",
                                retryAfterSeconds: seconds)
    }
}
