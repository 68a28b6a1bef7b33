import HTTPTypes
import HummingbirdTesting
@_spi(Benchmarks) @testable import InletReceiver
import NIOCore
import NIOPosix
import Testing

/// The benchmark baseline of issue 4 (`make bench`, provider-family rows): the receiver's own server with nothing
/// behind its webhook route. It must answer 202 to an unsigned request (no verification, no broker) and still be the
/// receiver's server: the same body limit and the same body deadline on a real connection.
@Suite struct ReceiverBaselineServerTests {
    @Test func answers202WithoutASignatureAndKeepsTheReceiversLimits() async throws {
        var configuration = ReceiverConfiguration()
        configuration.port = 0
        configuration.maximumBodySize = 1024
        configuration.bodyTimeout = .milliseconds(300)
        configuration.idleTimeout = .seconds(30)
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let app = ReceiverService.unverifiedBaselineApplication(configuration: configuration, eventLoops: eventLoops,
                                                                logger: ReceiverFixtures.quietLogger)
        try await app.test(.live) { client in
            let unsigned = try await client.execute(uri: "/webhooks/github/anything", method: .post,
                                                    headers: [.contentType: "application/json"],
                                                    body: ByteBuffer(string: #"{"action":"opened"}"#))
            #expect(unsigned.status == .accepted)
            #expect(String(buffer: unsigned.body) == #"{"status":"accepted","bytes":19}"#)

            let tooLarge = try await client.execute(uri: "/webhooks/github/anything", method: .post,
                                                    body: ByteBuffer(repeating: UInt8(ascii: "x"), count: 2048))
            #expect(tooLarge.status == .contentTooLarge)

            // The receiver's BodyDeadlineHandler is in the pipeline: a body that stops halfway gets 408.
            let port = try #require(client.port)
            let head = "POST /webhooks/github/anything HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"
            let answer = try await RawHTTPConnection.exchangeOffThePool(port: port, sending: Array(head.utf8) + Array(repeating: UInt8(ascii: "x"), count: 50),
                                                        readingFor: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 408"), "got: \(answer.text.prefix(200))")
        }
        try await eventLoops.shutdownGracefully()
    }
}
