import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Whoever answers webhook requests on a connection's event loop: the receiver (``WebhookReceiver``), or the
/// benchmark baseline that answers 202 to anything.
protocol WebhookIntake: Sendable {
    /// What the checks before the body found and the rest of the request needs (the receiver: the route).
    associatedtype Admission: Sendable

    /// The most body bytes a request may carry; more is answered with ``tooLarge(definition:integration:)``.
    var maximumBodySize: Int { get }

    /// The checks that need no body. `.failure` is the (already counted) answer; the body is then discarded.
    func admit(_ request: Request, definition: Substring, integration: Substring) -> Result<Admission, ReceiverRefusal>

    /// Answers a request whose whole body arrived: calls `answer` exactly once, on any thread, possibly before
    /// returning.
    func receive(_ request: Request, admission: Admission, body: [UInt8], definition: Substring, integration: Substring,
                 answer: @escaping @Sendable (ReceiverResponse) -> Void)

    /// The (counted) answer to a body longer than ``maximumBodySize``.
    func tooLarge(definition: Substring, integration: Substring) -> ReceiverResponse
}

/// The refusal ``WebhookIntake/admit(_:definition:integration:)`` returns: the response to write.
struct ReceiverRefusal: Error {
    let response: ReceiverResponse
}

/// Serves `POST` (and handshake `GET`) `/webhooks/<definition>/<integration>` on the connection's event loop,
/// answering when the broker acknowledged, without a Swift task, continuation or thread hop per request.
///
/// Why: through Hummingbird's router every request is read by the connection's task on the cooperative pool,
/// suspends there while the broker acknowledges, and is resumed there by the producer's thread, before the response
/// hops back to the event loop. On two cores those wake-ups cost more than verification and producing together
/// (docs/receiver.md, "The webhook fast path"). Here the request is checked, verified and produced inside
/// `channelRead`, and the producer's delivery report schedules the response write on the event loop directly.
///
/// It sits in the pipeline after Hummingbird's `HTTPConnectionStateHandler` (idle timeout and graceful quiescing
/// see every request and response) and before the channel's `NIOAsyncChannel`, which carries everything else to
/// Hummingbird's router: other paths, unusual spellings of the webhook path (percent-encoded, extra segments) and
/// any request that arrives while a response of the router is still outstanding, so responses keep the order of
/// their requests. Requests pipelined behind one of ours are held, and reading pauses, until it is answered; so is
/// the end of input of a client that half-closed after sending, since Hummingbird's side closes the connection on it.
final class WebhookChannelHandler<Intake: WebhookIntake>: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// Between requests.
        case idle
        /// The request being read belongs to the router.
        case forwarding
        /// Ours; its body is arriving.
        case reading(Reading)
        /// Ours and already answered (refused before or while reading); the rest of its body is dropped.
        case discarding
        /// Ours, read completely; waiting for its answer.
        case answering
    }

    private struct Reading {
        let request: Request
        let admission: Intake.Admission
        let definition: Substring
        let integration: Substring
        var body: ByteBuffer?
    }

    private let intake: Intake
    private var state = State.idle
    /// Requests handed to the router whose response has not been written completely.
    private var routerResponsesOutstanding = 0
    /// Parts that arrived while one of ours was being answered, in order.
    private var held = CircularBuffer<HTTPRequestPart>()
    /// A `read` asked for while answering; issued once the answer is written.
    private var readHeld = false
    /// Whether the request being answered asked to close the connection afterwards.
    private var closeAfterAnswer = false
    private var isActive = true
    /// The end of input (a client that half-closed after sending) arrived while answering; passed on once the
    /// answer is written. Passed at once, it would make Hummingbird's side finish the connection under the answer.
    private var inputClosedHeld = false
    private var date = HTTPDateHeader()

    init(intake: Intake) {
        self.intake = intake
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .answering = state {
            held.append(part)
            return
        }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch state {
        case .idle:
            guard case .head(let head) = part, routerResponsesOutstanding == 0,
                  let (definition, integration) = Self.webhookPath(head) else {
                if case .head = part {
                    routerResponsesOutstanding += 1
                    state = .forwarding
                }
                context.fireChannelRead(wrapInboundOut(part))
                return
            }
            begin(head, definition: definition, integration: integration, context: context)
        case .forwarding:
            if case .end = part { state = .idle }
            context.fireChannelRead(wrapInboundOut(part))
        case .reading(var reading):
            switch part {
            case .head:
                // NIO's decoder ends every request before the next head; never reached, but a confused
                // connection is closed rather than answered out of order.
                context.close(promise: nil)
            case .body(var chunk):
                let received = reading.body?.readableBytes ?? 0
                guard chunk.readableBytes <= intake.maximumBodySize - received else {
                    state = .discarding
                    write(intake.tooLarge(definition: reading.definition, integration: reading.integration), context: context)
                    return
                }
                // Drop the state's copy first, so the buffer is uniquely referenced and grows in place instead of
                // being copied whole on every chunk.
                state = .idle
                if reading.body == nil {
                    reading.body = chunk
                } else {
                    reading.body!.writeBuffer(&chunk)
                }
                state = .reading(reading)
            case .end:
                state = .answering
                let body = reading.body.map { Array($0.readableBytesView) } ?? []
                let loop = context.eventLoop
                let answerOnLoop = NIOLoopBound((self, context), eventLoop: loop)
                intake.receive(reading.request, admission: reading.admission, body: body,
                               definition: reading.definition, integration: reading.integration) { response in
                    if loop.inEventLoop {
                        let (handler, context) = answerOnLoop.value
                        handler.finish(response, context: context)
                    } else {
                        loop.execute {
                            let (handler, context) = answerOnLoop.value
                            handler.finish(response, context: context)
                        }
                    }
                }
            }
        case .discarding:
            if case .end = part { state = .idle }
        case .answering:
            held.append(part)
        }
    }

    private func begin(_ head: HTTPRequest, definition: Substring, integration: Substring, context: ChannelHandlerContext) {
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        closeAfterAnswer = head.headerFields[.connection]?.lowercased() == "close"
        switch intake.admit(request, definition: definition, integration: integration) {
        case .success(let admission):
            state = .reading(Reading(request: request, admission: admission, definition: definition,
                                     integration: integration, body: nil))
        case .failure(let refusal):
            // Answered now; the body that may follow is read and dropped, as the router does.
            state = .discarding
            write(refusal.response, context: context)
        }
    }

    /// Writes the answer of the request being answered, then serves what arrived meanwhile.
    private func finish(_ response: ReceiverResponse, context: ChannelHandlerContext) {
        guard isActive, case .answering = state else { return }
        state = .idle
        write(response, context: context)
        guard isActive else { return }
        let replays = !held.isEmpty
        while !held.isEmpty {
            if case .answering = state { break }
            handle(held.removeFirst(), context: context)
        }
        // Outside a read, the parts just passed to the router stay buffered in the channel's NIOAsyncChannel until a
        // read completes: complete one.
        if replays { context.fireChannelReadComplete() }
        if inputClosedHeld, !isAnswering {
            inputClosedHeld = false
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        if readHeld, !isAnswering {
            readHeld = false
            context.read()
        }
    }

    private var isAnswering: Bool {
        if case .answering = state { return true }
        return false
    }

    private func write(_ response: ReceiverResponse, context: ChannelHandlerContext) {
        let head = HTTPResponse(status: response.status, headerFields: response.headFields(date: date.now()))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(response.body)), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        if closeAfterAnswer || response.closesConnection {
            isActive = false
            held.removeAll()
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if isAnswering {
            readHeld = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Floored at 0: the router also answers requests it never got from here (a 400 for a request that did not
        // parse), and the connection closes after those.
        if case .end = unwrapOutboundIn(data) { routerResponsesOutstanding = max(0, routerResponsesOutstanding - 1) }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent, isAnswering {
            inputClosedHeld = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        held.removeAll()
        context.fireChannelInactive()
    }

    /// `<definition>` and `<integration>` of `/webhooks/<definition>/<integration>` (a query string may follow) for
    /// `POST` and `GET`; nil for anything else, which the router answers.
    static func webhookPath(_ head: HTTPRequest) -> (definition: Substring, integration: Substring)? {
        guard head.method == .post || head.method == .get, let path = head.path else { return nil }
        // Over UTF-8 bytes: Character-wise Substring operations cost grapheme breaking on every request.
        let bytes = path.utf8
        guard bytes.starts(with: "/webhooks/".utf8) else { return nil }
        let definitionStart = bytes.index(bytes.startIndex, offsetBy: 10)
        var slash: String.Index?
        var end = bytes.endIndex
        var index = definitionStart
        while index < bytes.endIndex {
            switch bytes[index] {
            case UInt8(ascii: "?"):
                end = index
                index = bytes.endIndex
                continue
            case UInt8(ascii: "%"):
                return nil
            case UInt8(ascii: "/"):
                guard slash == nil else { return nil }
                slash = index
            default:
                break
            }
            bytes.formIndex(after: &index)
        }
        guard let slash, slash > definitionStart else { return nil }
        let integrationStart = bytes.index(after: slash)
        guard integrationStart < end else { return nil }
        return (path[definitionStart..<slash], path[integrationStart..<end])
    }
}

/// Hummingbird's HTTP/1.1 channel with a ``WebhookChannelHandler`` after its connection-state handler.
struct WebhookHTTP1Channel<Intake: WebhookIntake>: ServerChildChannel {
    let base: HTTP1Channel
    let intake: Intake

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { [intake] value in
            let pipeline = channel.pipeline.syncOperations
            let connectionState = try pipeline.handler(type: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(WebhookChannelHandler(intake: intake), position: .after(connectionState))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 as ``HTTPServerBuilder/http1(configuration:)``, with webhooks answered by `intake` on the event loop.
    static func http1(configuration: HTTP1Channel.Configuration, webhooks intake: some WebhookIntake) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            WebhookHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: configuration), intake: intake)
        }
    }
}
