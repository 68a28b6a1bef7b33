import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 for tests: one thread accepts, one thread per connection answers
/// requests in order (keep-alive, Content-Length bodies). Routes:
/// - `/echo`: 200, body "ok", headers `X-Received-Bytes`, `X-Received-Method`, `X-Received-Signature`
/// - `/status/N`: status N, empty body
/// - `/headers`: 200 with `Retry-After: 120` and two `X-Multi` fields
/// - `/big/N`: N bytes with Content-Length; `/stream/N`: N bytes without length, then close
/// - `/delay/MS`: waits MS milliseconds, then 200
/// - `/hang`: reads the request and never answers (until the client closes)
final class HTTPSink: Sendable {
    struct RecordedRequest: Sendable {
        var method: String
        var path: String
        var headers: [(String, String)]
        var body: [UInt8]
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }
    let acceptedConnections = Atomic<Int>(0)
    let closedConnections = Atomic<Int>(0)
    let requestsReceived = Atomic<Int>(0)
    let hangingRequests = Atomic<Int>(0)
    let lastRequest = Mutex<RecordedRequest?>(nil)
    private let listenFD: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SinkError.socket(errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1024) == 0 else { close(fd); throw SinkError.socket(errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.listenFD = fd
        spawnThread { [self] in acceptLoop() }
    }

    /// Stops accepting (open connections end when their clients close them).
    func stop() {
        Glibc.shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
    }

    /// A port on which nothing listens (bound, then closed).
    static func refusedPort() throws -> Int {
        let sink = try HTTPSink()
        sink.stop()
        return sink.port
    }

    enum SinkError: Error { case socket(Int32) }

    private func acceptLoop() {
        while true {
            let connection = accept(listenFD, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            acceptedConnections.add(1, ordering: .relaxed)
            spawnThread { [self] in serve(connection) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            close(fd)
            closedConnections.add(1, ordering: .relaxed)
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        func fill() -> Bool {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        while true {
            var headerEnd: Int?
            while headerEnd == nil {
                headerEnd = Self.find([13, 10, 13, 10], in: buffer)
                if headerEnd == nil, !fill() { return }
            }
            let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
            buffer.removeFirst(headerEnd! + 4)
            var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
            guard requestLine.count >= 2 else { return }
            let headers = lines.compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: " "))
            }
            let contentLength = Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
            while buffer.count < contentLength { if !fill() { return } }
            let body = Array(buffer[0..<contentLength])
            buffer.removeFirst(contentLength)
            let request = RecordedRequest(method: requestLine[0], path: requestLine[1], headers: headers, body: body)
            lastRequest.withLock { $0 = request }
            requestsReceived.add(1, ordering: .relaxed)
            guard respond(to: request, on: fd) else { return }
        }
    }

    /// Returns false when the connection must close.
    private func respond(to request: RecordedRequest, on fd: Int32) -> Bool {
        let parts = request.path.split(separator: "/").map(String.init)
        switch parts.first ?? "" {
        case "hang":
            hangingRequests.add(1, ordering: .relaxed)
            var byte: UInt8 = 0
            while recv(fd, &byte, 1, 0) > 0 {}
            return false
        case "status":
            let status = Int(parts.dropFirst().first ?? "") ?? 200
            return send(fd, status: status, headers: [], body: [])
        case "headers":
            return send(fd, status: 200, headers: [("Retry-After", "120"), ("X-Multi", "a"), ("x-multi", "b")], body: Array("ok".utf8))
        case "big":
            let count = Int(parts.dropFirst().first ?? "") ?? 0
            return send(fd, status: 200, headers: [], body: [UInt8](repeating: 0x61, count: count))
        case "stream":
            let count = Int(parts.dropFirst().first ?? "") ?? 0
            _ = writeAll(fd, Array("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".utf8))
            _ = writeAll(fd, [UInt8](repeating: 0x62, count: count))
            return false
        case "delay":
            usleep(UInt32((Int(parts.dropFirst().first ?? "") ?? 0) * 1000))
            return send(fd, status: 200, headers: [], body: Array("late".utf8))
        default:
            return send(fd, status: 200, headers: [
                ("X-Received-Bytes", String(request.body.count)),
                ("X-Received-Method", request.method),
                ("X-Received-Signature", request.header("webhook-signature") ?? "-"),
            ], body: Array("ok".utf8))
        }
    }

    private func send(_ fd: Int32, status: Int, headers: [(String, String)], body: [UInt8]) -> Bool {
        var head = "HTTP/1.1 \(status) Sink\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return writeAll(fd, Array(head.utf8) + body)
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

func spawnThread(_ body: @escaping @Sendable () -> Void) {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { argument in
        Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().run()
        return nil
    }, box)
    precondition(result == 0)
    pthread_detach(thread)
}

/// Waits until `condition` holds, polling; fails the wait after `timeout`.
func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
