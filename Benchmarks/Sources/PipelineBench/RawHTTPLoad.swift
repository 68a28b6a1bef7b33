// The load generator's sender: pre-serialised HTTP/1.1 requests over `concurrency` keep-alive TCP connections,
// driven by one thread with poll(2), the way wrk works (wrk uses epoll; with 64 sockets poll costs about the same).
//
// Why not libcurl (the first version): on this 2-core machine the loader shares the CPU with the server it measures,
// and libcurl's multi interface took about 75 µs of CPU per request — more than the bare Hummingbird server it was
// measuring (about 70 µs per request under that loader, 36 µs under wrk). The loader, not the server, set the bare
// baseline, and it took CPU from the receiver. This sender costs about a tenth of that: it writes bytes prepared
// before the clock starts and reads only the status line, Content-Length and `Connection: close` of each answer.
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One closed-loop run: each connection sends a request, waits for the whole answer, then takes the next request.
struct RawHTTPLoad {
    struct Result {
        /// Milliseconds from the first byte written to the last byte of the answer read, one per request.
        var latencies: [Double]
        /// Answers by status code; -1 counts requests whose connection broke before an answer.
        var statuses: [Int: Int]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let host: String
    let port: UInt16
    let concurrency: Int

    /// `http://host:port` (the only form the benchmark uses).
    init(baseURL: String, concurrency: Int) throws {
        guard baseURL.hasPrefix("http://") else { throw Failure(description: "the load generator speaks plain http:// only, not \(baseURL)") }
        let authority = baseURL.dropFirst("http://".count).prefix { $0 != "/" }
        let parts = authority.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw Failure(description: "expected http://HOST:PORT, got \(baseURL)") }
        self.host = parts[0] == "localhost" ? "127.0.0.1" : String(parts[0])
        self.port = port
        self.concurrency = concurrency
    }

    /// The bytes of one POST: request line, Host, Content-Length, the given headers, the body.
    func serialise(path: String, headers: [(name: String, value: String)], body: [UInt8]) -> [UInt8] {
        var head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    /// Sends every request once, on a thread of its own (the calling task only waits).
    func run(_ requests: [[UInt8]]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Swift.Result { try self.runBlocking(requests) }) }
            thread.name = "raw-http-load"
            thread.start()
        }
    }

    private final class Connection {
        var fd: Int32 = -1
        var request = -1
        var written = 0
        var started = ContinuousClock.now
        var received: [UInt8] = []
        var wantsWrite = false
    }

    private func runBlocking(_ requests: [[UInt8]]) throws -> Result {
        var result = Result(latencies: [], statuses: [:])
        result.latencies.reserveCapacity(requests.count)
        var next = 0
        var finished = 0
        var connections: [Connection] = []
        var polled: [pollfd] = []
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)

        func watch(_ index: Int, write: Bool) {
            polled[index].events = Int16(POLLIN) | (write ? Int16(POLLOUT) : 0)
            connections[index].wantsWrite = write
        }
        func open(_ index: Int) throws {
            let connection = connections[index]
            connection.fd = try connect()
            polled[index] = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
            connection.wantsWrite = false
        }
        /// Writes what the socket takes; asks for EPOLLOUT when it takes less than all.
        func flush(_ index: Int) {
            let connection = connections[index]
            let bytes = requests[connection.request]
            while connection.written < bytes.count {
                let count = bytes.withUnsafeBytes { raw in
                    Glibc.write(connection.fd, raw.baseAddress! + connection.written, bytes.count - connection.written)
                }
                if count > 0 { connection.written += count; continue }
                if count < 0, errno == EAGAIN || errno == EINTR { watch(index, write: true); return }
                return  // the read side sees the broken connection
            }
            if connection.wantsWrite { watch(index, write: false) }
        }
        func startNext(_ index: Int) {
            let connection = connections[index]
            guard next < requests.count else { connection.request = -1; return }
            connection.request = next
            next += 1
            connection.written = 0
            connection.received.removeAll(keepingCapacity: true)
            connection.started = .now
            flush(index)
        }
        func complete(_ index: Int, status: Int) {
            let connection = connections[index]
            result.latencies.append(PipelineBench.milliseconds(.now - connection.started))
            result.statuses[status, default: 0] += 1
            finished += 1
        }
        func reconnect(_ index: Int) throws {
            close(connections[index].fd)
            try open(index)
        }

        for index in 0..<min(concurrency, requests.count) {
            connections.append(Connection())
            polled.append(pollfd())
            try open(index)
        }
        defer { for connection in connections { close(connection.fd) } }
        for index in connections.indices { startNext(index) }

        while finished < requests.count {
            let ready = poll(&polled, nfds_t(polled.count), 10_000)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { throw Failure(description: "no answer for 10 s with \(requests.count - finished) requests outstanding") }
            for index in polled.indices where polled[index].revents != 0 {
                let events = Int32(polled[index].revents)
                polled[index].revents = 0
                let connection = connections[index]
                if events & Int32(POLLOUT) != 0, connection.request >= 0 { flush(index) }
                guard events & Int32(POLLIN | POLLHUP | POLLERR) != 0 else { continue }
                let count = read(connection.fd, &scratch, scratch.count)
                if count < 0, errno == EAGAIN || errno == EINTR { continue }
                guard count > 0 else {
                    // Closed (or failed) by the server: the request in flight, if any, got no answer.
                    if connection.request >= 0 { complete(index, status: -1) }
                    try reconnect(index)
                    startNext(index)
                    continue
                }
                connection.received.append(contentsOf: scratch[0..<count])
                guard connection.request >= 0, let answer = Self.parse(connection.received) else { continue }
                complete(index, status: answer.status)
                if answer.closes { try reconnect(index) }
                startNext(index)
            }
        }
        return result
    }

    /// A complete answer in `bytes`: its status and whether the server closes the connection after it; nil while
    /// the head or the body is incomplete.
    static func parse(_ bytes: [UInt8]) -> (status: Int, closes: Bool)? {
        guard let headEnd = bytes.firstRange(of: [13, 10, 13, 10])?.upperBound, bytes.count >= 12 else { return nil }
        let head = String(decoding: bytes[0..<headEnd], as: UTF8.self).lowercased()
        let status = Int(head.dropFirst(9).prefix(3)) ?? -1
        var length = 0
        var closes = false
        for line in head.split(separator: "\r\n") {
            if line.hasPrefix("content-length:") { length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0 }
            if line.hasPrefix("connection:"), line.contains("close") { closes = true }
        }
        guard bytes.count >= headEnd + length else { return nil }
        return (status, closes)
    }

    /// A blocking connect, then non-blocking with Nagle off (requests are written whole).
    private func connect() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw Failure(description: "\(host) is not an IPv4 address")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "cannot connect to \(host):\(port): errno \(errno)")
        }
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }
}
