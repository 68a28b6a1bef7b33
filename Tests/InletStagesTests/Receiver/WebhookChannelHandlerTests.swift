import HTTPTypes
import Hummingbird
import HummingbirdCore
@testable import InletReceiver
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Synchronization
import Testing

/// The connection handler that answers webhooks on the event loop, driven part by part on an `EmbeddedChannel`
/// with an intake whose answers the test releases: which requests it takes and which it leaves to the router,
/// responses in request order, reading paused while it answers, bodies over the limit, refusals before the body,
/// `Connection: close`, and a connection that closes while an answer is pending.
@Suite("WebhookChannelHandler")
struct WebhookChannelHandlerTests {
    /// Admits every request except to definition `refused`; holds each answer until the test releases it.
    final class HeldIntake: WebhookIntake {
        let maximumBodySize: Int
        private let pending = Mutex<[(body: String, answer: @Sendable (ReceiverResponse) -> Void)]>([])

        init(maximumBodySize: Int = 1_000) { self.maximumBodySize = maximumBodySize }

        func admit(_ request: Request, definition: Substring, integration: Substring) -> Result<Void, ReceiverRefusal> {
            if definition == "refused" {
                return .failure(ReceiverRefusal(response: ReceiverResponse(status: .unsupportedMediaType, headers: [:], body: "refused")))
            }
            return .success(())
        }

        func receive(_ request: Request, admission: Void, body: [UInt8], definition: Substring, integration: Substring,
                     answer: @escaping @Sendable (ReceiverResponse) -> Void) {
            pending.withLock { $0.append((String(decoding: body, as: UTF8.self), answer)) }
        }

        func tooLarge(definition: Substring, integration: Substring) -> ReceiverResponse {
            ReceiverResponse(status: .contentTooLarge, headers: [:], body: "too large")
        }

        /// Bodies received and not answered yet, oldest first.
        var waiting: [String] { pending.withLock { $0.map(\.body) } }

        /// Answers the oldest waiting request with 202 and `text` as the body.
        func answerOldest(_ text: String) {
            let first = pending.withLock { $0.removeFirst() }
            first.answer(ReceiverResponse(status: .accepted, headers: [:], body: text))
        }
    }

    /// Counts what passes it: `read`s on their way to the socket and read completions on their way to the router.
    /// One sits on each side of the handler, which holds reads while it answers and completes a read after handing
    /// held requests to the router (NIOAsyncChannel passes reads on only at a completion).
    final class EventCounter: ChannelDuplexHandler {
        typealias InboundIn = HTTPRequestPart
        typealias OutboundIn = Never
        var reads = 0
        var completions = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
        func channelReadComplete(context: ChannelHandlerContext) {
            completions += 1
            context.fireChannelReadComplete()
        }
    }

    struct Connection {
        let channel: EmbeddedChannel
        let intake: HeldIntake
        /// Between the socket and the handler: sees the reads the handler lets through.
        let socketSide: EventCounter
        /// Between the handler and the router: sees the read completions the handler passes on.
        let routerSide: EventCounter

        init(maximumBodySize: Int = 1_000) throws {
            intake = HeldIntake(maximumBodySize: maximumBodySize)
            socketSide = EventCounter()
            routerSide = EventCounter()
            channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandler(socketSide)
            try channel.pipeline.syncOperations.addHandler(WebhookChannelHandler(intake: intake))
            try channel.pipeline.syncOperations.addHandler(routerSide)
            channel.pipeline.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1), promise: nil)
        }

        func send(_ path: String, method: HTTPRequest.Method = .post, body: String? = nil,
                  headers: HTTPFields = [:]) throws {
            try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: method, scheme: nil, authority: nil, path: path, headerFields: headers)))
            if let body { try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: body))) }
            try channel.writeInbound(HTTPRequestPart.end(nil))
        }

        /// The parts that went on to the router, as `head <path>`, `body <text>`, `end`.
        func forwarded() throws -> [String] {
            var parts: [String] = []
            while let part = try channel.readInbound(as: HTTPRequestPart.self) {
                switch part {
                case .head(let head): parts.append("head \(head.path ?? "")")
                case .body(let buffer): parts.append("body \(String(buffer: buffer))")
                case .end: parts.append("end")
                }
            }
            return parts
        }

        /// The responses written, as `<status> <body>`.
        func responses() throws -> [String] {
            var answers: [String] = []
            var current = ""
            while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
                switch part {
                case .head(let head): current = "\(head.status.code)"
                case .body(let buffer): current += " \(String(buffer: buffer))"
                case .end: answers.append(current)
                }
            }
            return answers
        }

        /// Stands in for the router writing its response to a forwarded request.
        func routerAnswers(_ text: String) throws {
            try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            try channel.writeOutbound(HTTPResponsePart.body(ByteBuffer(string: text)))
            try channel.writeOutbound(HTTPResponsePart.end(nil))
        }
    }

    @Test func takesWebhookPathsAndLeavesEverythingElseToTheRouter() {
        func taken(_ method: HTTPRequest.Method, _ path: String) -> Bool {
            let head = HTTPRequest(method: method, scheme: nil, authority: nil, path: path)
            return WebhookChannelHandler<HeldIntake>.webhookPath(head) != nil
        }
        #expect(taken(.post, "/webhooks/github/acme"))
        #expect(taken(.post, "/webhooks/github/acme?x=1"))
        #expect(taken(.get, "/webhooks/okta/acme?challenge=1"))
        let path = WebhookChannelHandler<HeldIntake>.webhookPath(HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/webhooks/stripe/shop-1?a=b"))
        #expect(path?.definition == "stripe")
        #expect(path?.integration == "shop-1")
        #expect(!taken(.put, "/webhooks/github/acme"))
        #expect(!taken(.head, "/webhooks/github/acme"))
        #expect(!taken(.post, "/webhooks/github"))
        #expect(!taken(.post, "/webhooks/github/"))
        #expect(!taken(.post, "/webhooks//acme"))
        #expect(!taken(.post, "/webhooks/github/acme/extra"))
        #expect(!taken(.post, "/webhooks/git%68ub/acme"))
        #expect(!taken(.post, "/healthz"))
        #expect(!taken(.post, "/webhooksx/github/acme"))
    }

    @Test func answersAWebhookWhenTheIntakeAnswersAndForwardsNothing() throws {
        let connection = try Connection()
        try connection.send("/webhooks/github/acme", body: "{\"a\":1}")
        #expect(connection.intake.waiting == ["{\"a\":1}"])
        #expect(try connection.responses().isEmpty, "answered before the intake did")
        connection.intake.answerOldest("stored")
        connection.channel.embeddedEventLoop.run()
        #expect(try connection.responses() == ["202 stored"])
        #expect(try connection.forwarded().isEmpty)
    }

    @Test func assemblesABodyThatArrivesInManyParts() throws {
        let connection = try Connection(maximumBodySize: 100_000)
        let channel = connection.channel
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/webhooks/github/acme")))
        var expected = ""
        for index in 0..<200 {
            let piece = String(repeating: Character(String(index % 10)), count: 300)
            expected += piece
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: piece)))
        }
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(connection.intake.waiting == [expected])
    }

    @Test func writesContentLengthAndDateLikeHummingbird() throws {
        let connection = try Connection()
        try connection.send("/webhooks/github/acme", body: "x")
        connection.intake.answerOldest("stored")
        guard case .head(let head) = try #require(try connection.channel.readOutbound(as: HTTPResponsePart.self)) else {
            Issue.record("the first part written was not a head")
            return
        }
        #expect(head.headerFields[.contentLength] == "6")
        let date = try #require(head.headerFields[.date])
        #expect(date.hasSuffix(" GMT") && date.count == 29, "not an IMF-fixdate: \(date)")
    }

    @Test func formatsTheDateAsRFC9110Requires() {
        #expect(HTTPDateHeader.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDateHeader.format(1_795_335_150) == "Sun, 22 Nov 2026 08:12:30 GMT")
        #expect(HTTPDateHeader.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
    }

    @Test func holdsPipelinedRequestsAndReadingUntilTheAnswerIsWritten() throws {
        let connection = try Connection()
        try connection.send("/webhooks/github/acme", body: "first")
        // Pipelined behind it: another webhook, and a request for the router.
        try connection.send("/webhooks/github/acme", body: "second")
        try connection.send("/healthz", method: .get)
        #expect(connection.intake.waiting == ["first"])
        #expect(try connection.forwarded().isEmpty, "the router saw a request pipelined behind an unanswered webhook")
        let readsBefore = connection.socketSide.reads
        connection.channel.read()
        #expect(connection.socketSide.reads == readsBefore, "reading went on while a webhook was being answered")

        connection.intake.answerOldest("one")
        #expect(try connection.responses() == ["202 one"])
        #expect(connection.intake.waiting == ["second"])
        #expect(try connection.forwarded().isEmpty)

        let completionsBefore = connection.routerSide.completions
        connection.intake.answerOldest("two")
        #expect(try connection.responses() == ["202 two"])
        #expect(try connection.forwarded() == ["head /healthz", "end"])
        #expect(connection.routerSide.completions > completionsBefore,
                "the held request went to the router outside a read, and no read completed to hand it on")
        #expect(connection.socketSide.reads == readsBefore + 1, "the held read was not issued once the answers were written")
    }

    @Test func leavesWebhooksToTheRouterWhileOneOfItsResponsesIsOutstanding() throws {
        let connection = try Connection()
        try connection.send("/readyz", method: .get)
        try connection.send("/webhooks/github/acme", body: "behind")
        #expect(connection.intake.waiting.isEmpty, "answered a webhook before the router's earlier response")
        #expect(try connection.forwarded() == ["head /readyz", "end", "head /webhooks/github/acme", "body behind", "end"])
        try connection.routerAnswers("ready")
        try connection.routerAnswers("webhook")
        #expect(try connection.responses() == ["200 ready", "200 webhook"])
        // Both responses written: the next webhook is ours again.
        try connection.send("/webhooks/github/acme", body: "mine")
        #expect(connection.intake.waiting == ["mine"])
    }

    @Test func aRouterResponseToNoForwardedRequestDoesNotSendLaterWebhooksToTheRouter() throws {
        let connection = try Connection()
        // Hummingbird answers 400 to a request that did not parse, which never passed through the handler.
        try connection.routerAnswers("bad request")
        try connection.send("/webhooks/github/acme", body: "after")
        #expect(connection.intake.waiting == ["after"])
        #expect(try connection.forwarded().isEmpty)
    }

    @Test func answersARefusalAtOnceAndDropsItsBody() throws {
        let connection = try Connection()
        try connection.send("/webhooks/refused/acme", body: "ignored")
        try connection.send("/webhooks/github/acme", body: "next")
        #expect(try connection.responses() == ["415 refused"])
        #expect(connection.intake.waiting == ["next"], "the refused body reached the intake, or the next request was lost")
        #expect(try connection.forwarded().isEmpty)
    }

    @Test func answersTooLargeOnceTheBodyPassesTheLimit() throws {
        let connection = try Connection(maximumBodySize: 8)
        let channel = connection.channel
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/webhooks/github/acme")))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "12345")))
        #expect(try connection.responses().isEmpty)
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "6789")))
        #expect(try connection.responses() == ["413 too large"])
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "more")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(connection.intake.waiting.isEmpty)
        try connection.send("/webhooks/github/acme", body: "12345678")
        #expect(connection.intake.waiting == ["12345678"], "a body of exactly the limit was refused")
    }

    @Test func closesTheConnectionAfterAnsweringARequestThatAskedForIt() throws {
        let connection = try Connection()
        try connection.send("/webhooks/github/acme", body: "bye", headers: [.connection: "close"])
        #expect(connection.channel.isActive)
        connection.intake.answerOldest("stored")
        #expect(try connection.responses() == ["202 stored"])
        #expect(!connection.channel.isActive, "the connection stayed open after Connection: close")
    }

    @Test func anAnswerArrivingAfterTheConnectionClosedWritesNothing() throws {
        let connection = try Connection()
        try connection.send("/webhooks/github/acme", body: "orphan")
        try connection.channel.close().wait()
        connection.intake.answerOldest("late")
        connection.channel.embeddedEventLoop.run()
        #expect(try connection.responses().isEmpty)
    }

    @Test func sitsAfterHummingbirdsConnectionStateHandler() throws {
        let channel = EmbeddedChannel()
        let server = WebhookHTTP1Channel(base: HTTP1Channel(responder: { _, _, _ in }), intake: HeldIntake())
        _ = try server.setup(channel: channel, logger: Logger(label: "test")).wait()
        let description = channel.pipeline.debugDescription
        let state = try #require(description.range(of: "HTTPConnectionStateHandler"))
        let ours = try #require(description.range(of: "WebhookChannelHandler"))
        #expect(state.upperBound < ours.lowerBound, "\(description)")
    }
}
