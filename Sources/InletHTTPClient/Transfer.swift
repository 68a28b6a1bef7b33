import CCurl
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Decides, for one request, who resumes its continuation: completion, cancellation or shutdown, exactly once.
/// Pure state, no I/O: callers act on the returned continuation outside the lock.
struct ResumptionState: ~Copyable {
    enum Phase {
        /// `execute` has not installed its continuation yet.
        case created
        case waiting(CheckedContinuation<HTTPResponse, any Error>)
        /// Cancelled before the continuation existed; `install` must resume it with `CancellationError`.
        case cancelledEarly
        case resumed
    }

    private(set) var phase: Phase = .created

    enum InstallAction { case submit, resumeCancelled }

    mutating func install(_ continuation: CheckedContinuation<HTTPResponse, any Error>) -> InstallAction {
        switch phase {
        case .created:
            phase = .waiting(continuation)
            return .submit
        case .cancelledEarly:
            phase = .resumed
            return .resumeCancelled
        case .waiting, .resumed:
            preconditionFailure("continuation installed twice")
        }
    }

    /// Returns the continuation to resume, or nil if someone already did (or will, in `install`).
    mutating func take(cancelling: Bool) -> CheckedContinuation<HTTPResponse, any Error>? {
        switch phase {
        case .created:
            if cancelling { phase = .cancelledEarly }
            return nil
        case .waiting(let continuation):
            phase = .resumed
            return continuation
        case .cancelledEarly, .resumed:
            return nil
        }
    }

    var isSettled: Bool {
        switch phase {
        case .created, .waiting: false
        case .cancelledEarly, .resumed: true
        }
    }
}

/// The per-request context handed to libcurl's callbacks (`WRITEDATA`, `HEADERDATA`, `READDATA`, `SEEKDATA`).
///
/// `@unchecked Sendable`: the request is immutable; the response buffers, the easy handle and the retained
/// pointer are touched only on the loop thread; the resumption state is behind its own lock.
/// - Important: While attached to the multi handle, the transfer is retained exactly once through `retainedSelf`
///   and released exactly once when it is detached.
final class Transfer: @unchecked Sendable {
    let request: HTTPRequest
    /// `scheme://authority` in lower case: the key of the per-host easy-handle pool.
    let hostKey: String
    let bodyLimit: Int
    let timeoutMilliseconds: Int
    let connectTimeoutMilliseconds: Int

    // Loop thread only.
    var easy: EasyHandle?
    var headerList: HeaderList?
    var retainedSelf: UnsafeMutableRawPointer?
    var uploadOffset = 0
    var responseHeaders = HTTPHeaders()
    var responseBody: [UInt8] = []
    var bodyLimitExceeded = false

    private let resumption = Mutex(ResumptionState())

    init(request: HTTPRequest, configuration: HTTPClient.Configuration) {
        self.request = request
        self.hostKey = Self.hostKey(of: request.url)
        self.bodyLimit = configuration.maximumResponseBodySize
        self.timeoutMilliseconds = Self.milliseconds(request.timeout ?? configuration.timeout)
        self.connectTimeoutMilliseconds = Self.milliseconds(request.connectTimeout ?? configuration.connectTimeout)
    }

    func install(_ continuation: CheckedContinuation<HTTPResponse, any Error>) -> ResumptionState.InstallAction {
        resumption.withLock { $0.install(continuation) }
    }

    /// Resumes the caller with `result` unless it was already resumed (e.g. by cancellation).
    func complete(_ result: Result<HTTPResponse, HTTPClientError>) {
        let continuation = resumption.withLock { $0.take(cancelling: false) }
        continuation?.resume(with: result.mapError { $0 as any Error })
    }

    /// Resumes the caller with `CancellationError` unless it was already resumed.
    func cancel() {
        let continuation = resumption.withLock { $0.take(cancelling: true) }
        continuation?.resume(throwing: CancellationError())
    }

    /// Whether the caller has already been answered, so the transfer need not (or must not) run.
    var isSettled: Bool { resumption.withLock { $0.isSettled } }

    /// curl treats 0 as "no timeout", so anything positive is at least 1 ms.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    static func hostKey(of url: String) -> String {
        let bytes = Array(url.utf8)
        var start = 0
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: "://".utf8) {
            start = colon + 3
        }
        let isDelimiter: (UInt8) -> Bool = { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
        let end = bytes[start...].firstIndex(where: isDelimiter) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self).lowercased()
    }
}

// MARK: libcurl callbacks (run on the loop thread, inside curl_multi_perform)

/// CURLOPT_WRITEFUNCTION: appends to the response body; returning less than given aborts the transfer when the
/// body would exceed the limit (a stranger's server can send anything).
func transferWriteCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    guard transfer.responseBody.count + length <= transfer.bodyLimit else {
        transfer.bodyLimitExceeded = true
        return 0
    }
    transfer.responseBody.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// CURLOPT_HEADERFUNCTION: one call per header line, including status lines; a new status line (after a 1xx)
/// starts a new header set.
func transferHeaderCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let line = UnsafeRawBufferPointer(start: data, count: length)
    if line.starts(with: "HTTP/".utf8) {
        transfer.responseHeaders.removeAll()
    } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
        let name = String(decoding: line[..<colon], as: UTF8.self)
        let value = String(decoding: line[(colon + 1)...], as: UTF8.self)
        transfer.responseHeaders.append(
            name: name.trimmingHTTPWhitespace(),
            value: value.trimmingHTTPWhitespace()
        )
    }
    return length
}

/// CURLOPT_READFUNCTION: copies the next slice of the request body into curl's buffer.
func transferReadCallback(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let buffer else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.request.body.withUnsafeBytes { body in
        let length = min(size * count, body.count - transfer.uploadOffset)
        guard length > 0 else { return 0 }
        UnsafeMutableRawPointer(buffer).copyMemory(from: body.baseAddress! + transfer.uploadOffset, byteCount: length)
        transfer.uploadOffset += length
        return length
    }
}

/// CURLOPT_SEEKFUNCTION: curl rewinds the body when it resends on a fresh connection.
func transferSeekCallback(_ userdata: UnsafeMutableRawPointer?, _ offset: curl_off_t, _ origin: Int32) -> Int32 {
    guard let userdata, origin == SEEK_SET, offset >= 0 else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    guard offset <= transfer.request.body.count else { return Int32(CURL_SEEKFUNC_FAIL) }
    transfer.uploadOffset = Int(offset)
    return Int32(CURL_SEEKFUNC_OK)
}

extension String {
    /// Drops leading and trailing spaces, tabs, CR and LF.
    func trimmingHTTPWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
