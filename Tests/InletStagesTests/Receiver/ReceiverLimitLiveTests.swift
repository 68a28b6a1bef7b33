#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HummingbirdTesting
@testable import InletReceiver
import Testing

/// The body deadline on a real connection: a sender that stops halfway through its body gets 408 and the
/// connection is closed (HummingbirdTesting's clients always send whole bodies, so this uses a raw socket).
@Suite struct ReceiverLimitLiveTests {
    @Test func aStalledBodyGets408AndTheConnectionCloses() async throws {
        var configuration = ReceiverConfiguration()
        configuration.bodyTimeout = .milliseconds(300)
        configuration.idleTimeout = .seconds(30)  // longer than the test: the close must come from the 408
        let service = try ReceiverFixtures.service(configuration: configuration)
        let request = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "slow-1")
        try await service.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            var head = "POST \(request.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(request.body.count)\r\n"
            for header in request.headers { head += "\(header.name): \(header.value)\r\n" }
            head += "\r\n"
            // The head and half of the body, then nothing.
            let sent = Array(head.utf8) + request.body.prefix(request.body.count / 2)
            let answer = try await RawHTTPConnection.exchangeOffThePool(port: port, sending: sent, readingFor: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 408"), "got: \(answer.text.prefix(200))")
            #expect(answer.text.contains("request_timeout"))
            #expect(answer.closedByServer, "the server kept the connection open after the 408")
        }
        #expect(service.counters.rejections(.requestTimeout) == 1)
    }
}

/// Requests pipelined on one real connection: answered in the order they were sent, whether the event-loop handler
/// or the router answers each, with a refused one in between and the connection closed after the one that asks.
@Suite struct ReceiverPipeliningLiveTests {
    static func raw(_ request: SignedRequest, extraHeaders: String = "") -> [UInt8] {
        var head = "POST \(request.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(request.body.count)\r\n"
        for header in request.headers { head += "\(header.name): \(header.value)\r\n" }
        head += extraHeaders + "\r\n"
        return Array(head.utf8) + request.body
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let service = try ReceiverFixtures.service()
        let signer = try ReceiverFixtures.githubSigner()
        let first = try signer.sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "pipe-1")
        var altered = try signer.sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "pipe-2")
        altered.body[altered.body.count - 2] ^= 1
        let forged = altered
        let last = try signer.sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "pipe-3")
        try await service.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let bytes = Self.raw(first) + Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
                + Self.raw(forged) + Self.raw(last, extraHeaders: "Connection: close\r\n")
            let answer = try await RawHTTPConnection.exchangeOffThePool(port: port, sending: bytes, readingFor: .seconds(5))
            let statuses = answer.text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
            #expect(statuses == ["202", "200", "401", "202"], "got: \(answer.text.prefix(600))")
            let first202 = try #require(answer.text.range(of: "\"id\":\"pipe-1\""))
            let alive = try #require(answer.text.range(of: "\"status\":\"alive\""))
            let last202 = try #require(answer.text.range(of: "\"id\":\"pipe-3\""))
            #expect(first202.upperBound < alive.lowerBound && alive.upperBound < last202.lowerBound)
            #expect(answer.closedByServer, "the connection stayed open after Connection: close")
        }
        #expect(service.counters.acceptedCount == 2)
        #expect(service.counters.rejections(.signatureMismatch) == 1)
    }
}

/// A client that sends its request and then closes its sending side (as `nc -N` does) still gets its answer: the
/// end of input reaches Hummingbird's side of the connection, which closes it, only after the answer went out.
@Suite struct ReceiverHalfCloseLiveTests {
    @Test(arguments: [false, true]) func aClientThatHalfClosesGetsItsAnswer(brokerNeverAcknowledges: Bool) async throws {
        var configuration = ReceiverConfiguration()
        configuration.acknowledgementTimeout = .milliseconds(300)
        let producer = try brokerNeverAcknowledges ? ReceiverFixtures.unreachableProducer() : ReceiverFixtures.mockProducer()
        let service = try ReceiverFixtures.service(configuration: configuration, producer: producer)
        let signed = try ReceiverFixtures.githubSigner().sign(body: ReceiverFixtures.pullRequestBody, event: "pull_request", deliveryID: "half-1")
        try await service.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let answer = try await RawHTTPConnection.exchangeOffThePool(
                port: port, sending: ReceiverPipeliningLiveTests.raw(signed), readingFor: .seconds(5), closingOurSide: true)
            #expect(answer.text.hasPrefix(brokerNeverAcknowledges ? "HTTP/1.1 503" : "HTTP/1.1 202"), "got: \(answer.text.prefix(200))")
            #expect(answer.closedByServer)
        }
    }
}

/// A blocking TCP exchange with the server under test: send bytes, then read until the server closes or time is up.
enum RawHTTPConnection {
    struct Answer {
        var text: String
        /// Whether the server closed the connection before the reading time was up.
        var closedByServer: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// ``exchange(port:sending:readingFor:closingOurSide:)`` on a thread of its own: the exchange blocks for up to
    /// `limit`, and on the cooperative pool it would hold a thread the server under test needs (two at once would
    /// hold the whole pool on two cores).
    static func exchangeOffThePool(port: Int, sending bytes: [UInt8], readingFor limit: Duration,
                                   closingOurSide: Bool = false) async throws -> Answer {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    try exchange(port: port, sending: bytes, readingFor: limit, closingOurSide: closingOurSide)
                })
            }.start()
        }
    }

    /// - Parameter closingOurSide: shut down the sending side after the bytes went out (a client that half-closes).
    static func exchange(port: Int, sending bytes: [UInt8], readingFor limit: Duration, closingOurSide: Bool = false) throws -> Answer {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect() to port \(port) failed: errno \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard bytes.withUnsafeBytes({ send(socket, $0.baseAddress, $0.count, 0) }) == bytes.count else {
            throw Failure(description: "send() failed: errno \(errno)")
        }
        if closingOurSide { shutdown(socket, Int32(SHUT_WR)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { return Answer(text: String(decoding: received, as: UTF8.self), closedByServer: true) }
            if count > 0 { received += buffer[..<count] }
            // count < 0: the 200 ms receive timeout passed; keep waiting until the deadline.
        }
        return Answer(text: String(decoding: received, as: UTF8.self), closedByServer: false)
    }
}
