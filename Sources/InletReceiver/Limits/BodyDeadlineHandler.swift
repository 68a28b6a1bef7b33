import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Bounds the time a sender may take to deliver a request's body once its head arrived, so a sender that trickles
/// its body cannot hold a request (and the memory of what it sent so far) for longer than the body timeout.
///
/// A channel handler between NIO's HTTP codec and Hummingbird, one per connection: it sees each request's head and
/// end go by and keeps the deadline of the body being read. When the deadline passes first it answers 408
/// `request_timeout` (JSON, `Connection: close`) itself and closes the connection, which also ends the body stream
/// the route is waiting on. If a response already went out for that request (a rejection sent before reading the
/// body), it only closes. With pipelined requests a response to the previous request counts as that, so a stalled
/// pipelined body is closed without a 408: no provider pipelines webhooks.
///
/// Why not a timer task per request: that was a task group of two child tasks plus a `Task.sleep` scheduled and
/// cancelled for every webhook, about a sixth of the receiver's CPU at full load. Here a connection has at most one
/// event-loop timer at a time, armed when a head arrives and no timer is pending, and re-armed when it fires only if
/// a body is still incomplete: under keep-alive load that is one timer per connection per timeout period, on the
/// connection's own event loop (no thread hop), whatever the request rate.
final class BodyDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What every connection's handler shares: the timeout, the 408 it answers, and who counts it.
    struct Configuration: Sendable {
        let timeout: TimeAmount
        let rejection: WebhookRejection
        /// Called once per timed-out request with the URL's definition segment (nil when the path has none).
        let onTimeout: @Sendable (_ definition: String?) -> Void

        init(timeout: Duration, onTimeout: @escaping @Sendable (_ definition: String?) -> Void) {
            self.timeout = TimeAmount(timeout)
            self.rejection = WebhookRejection(.requestTimeout, "the body did not arrive within \(timeout); send it at once, or raise INLET_RECEIVER_BODY_TIMEOUT_MS")
            self.onTimeout = onTimeout
        }
    }

    private let configuration: Configuration
    /// When the body being read must have ended; nil between requests.
    private var bodyDeadline: NIODeadline?
    /// The path of the request whose body is being read (for the metric's definition label).
    private var path: String?
    /// Whether a response head went out since the last request head.
    private var responseStarted = false
    private var timer: Scheduled<Void>?

    init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let deadline = context.eventLoop.now + configuration.timeout
            bodyDeadline = deadline
            path = head.path
            responseStarted = false
            armTimer(context: context, at: deadline)
        case .body:
            break
        case .end:
            bodyDeadline = nil
            path = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head = unwrapOutboundIn(data) { responseStarted = true }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private func armTimer(context: ChannelHandlerContext, at deadline: NIODeadline) {
        guard timer == nil else { return }  // the pending timer re-arms itself for a later deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timerFired(context: context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard let deadline = bodyDeadline else { return }  // idle between requests: no timer until the next head
        guard deadline <= context.eventLoop.now else {
            armTimer(context: context, at: deadline)  // a later request's body: wait for its own deadline
            return
        }
        bodyDeadline = nil
        configuration.onTimeout(Self.definition(inPath: path))
        guard !responseStarted else {
            context.close(promise: nil)
            return
        }
        let body = ByteBuffer(string: configuration.rejection.jsonBody)
        var fields: HTTPFields = [.contentType: "application/json", .connection: "close"]
        fields[.contentLength] = String(body.readableBytes)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .requestTimeout, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }

    /// `definition` of `/webhooks/<definition>/…`, the label the receiver's other rejections carry.
    static func definition(inPath path: String?) -> String? {
        guard let path else { return nil }
        let segments = path.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard segments.count >= 3, segments[0].isEmpty, segments[1] == "webhooks" else { return nil }
        return String(segments[2].prefix { $0 != "/" && $0 != "?" }.prefix(64))
    }
}
