import CCurl
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How `shutdown` treats requests already submitted.
enum ShutdownMode: Equatable {
    /// Let them finish (each is bounded by its own timeout).
    case finishInFlight
    /// Fail them now with `HTTPClientError.Code.shutDown`.
    case failInFlight
}

/// The hand-over point between callers (any task) and the loop thread.
/// Mutable state sits behind one lock; libcurl is only poked (`curl_multi_wakeup`) outside it.
final class TransferInbox: Sendable {
    private struct State: ~Copyable {
        var submitted: [Transfer] = []
        var cancelled: [Transfer] = []
        var shutdown: ShutdownMode?
        var terminated = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    struct Work {
        var submitted: [Transfer]
        var cancelled: [Transfer]
        var shutdown: ShutdownMode?
    }

    let multi: MultiHandle
    private let state = Mutex(State())

    init(multi: MultiHandle) { self.multi = multi }

    /// Queues `transfer` for the loop, or returns the error to answer with when the client no longer takes work.
    func submit(_ transfer: Transfer) -> HTTPClientError? {
        let accepted = state.withLock { state -> Bool in
            guard state.shutdown == nil else { return false }
            state.submitted.append(transfer)
            return true
        }
        guard accepted else { return .shutDownError }
        multi.wakeup()
        return nil
    }

    /// Asks the loop to remove `transfer`'s easy handle if it is running.
    func cancel(_ transfer: Transfer) {
        let wake = state.withLock { state -> Bool in
            guard !state.terminated else { return false }
            state.cancelled.append(transfer)
            return true
        }
        if wake { multi.wakeup() }
    }

    /// Stops intake and waits until the loop thread has exited. A stronger mode wins over a weaker one.
    func shutdown(_ mode: ShutdownMode) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyDone = state.withLock { state -> Bool in
                if state.terminated { return true }
                if state.shutdown != .failInFlight { state.shutdown = mode }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if alreadyDone { continuation.resume() } else { multi.wakeup() }
        }
    }

    /// Stops intake without waiting (for `HTTPClient.deinit`): the loop finishes in-flight work and exits.
    func beginShutdown() {
        let wake = state.withLock { state -> Bool in
            guard !state.terminated, state.shutdown == nil else { return false }
            state.shutdown = .finishInFlight
            return true
        }
        if wake { multi.wakeup() }
    }

    /// Loop thread: takes everything queued since the last call.
    func drain() -> Work {
        state.withLock { state in
            defer {
                state.submitted.removeAll(keepingCapacity: true)
                state.cancelled.removeAll(keepingCapacity: true)
            }
            return Work(submitted: state.submitted, cancelled: state.cancelled, shutdown: state.shutdown)
        }
    }

    /// Loop thread, last act: marks the loop gone and resumes everyone waiting in `shutdown`.
    func terminate() {
        let waiters = state.withLock { state in
            state.terminated = true
            defer { state.shutdownWaiters = [] }
            return state.shutdownWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var isTerminated: Bool { state.withLock { $0.terminated } }
}

/// Drives the multi handle on one dedicated thread: `curl_multi_perform`, completions, `curl_multi_poll`.
/// Everything here except `inbox` is confined to that thread.
final class TransferLoop {
    private let inbox: TransferInbox
    private let multi: MultiHandle
    private let configuration: HTTPClient.Configuration
    private let counts: HandleCounts
    private let logger: Logger
    /// Running transfers by easy handle.
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    /// Idle easy handles by `scheme://authority`, reused for keep-alive.
    private var idle: [String: [EasyHandle]] = [:]

    init(inbox: TransferInbox, configuration: HTTPClient.Configuration, counts: HandleCounts, logger: Logger) {
        self.inbox = inbox
        self.multi = inbox.multi
        self.configuration = configuration
        self.counts = counts
        self.logger = logger
    }

    /// Starts the loop on a new detached thread; the thread owns the loop until it exits.
    static func start(_ loop: TransferLoop) {
        let box = Unmanaged.passRetained(ThreadBody { loop.run() }).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        precondition(result == 0, "could not start the HTTP client thread (pthread_create returned \(result))")
        pthread_detach(thread)
    }

    private func run() {
        logger.debug("HTTP client loop started")
        var shutdown: ShutdownMode?
        while true {
            let work = inbox.drain()
            for transfer in work.submitted { start(transfer) }
            for transfer in work.cancelled { stop(transfer, answer: nil) }
            shutdown = work.shutdown
            if shutdown == .failInFlight {
                for transfer in Array(active.values) { stop(transfer, answer: .failure(.shutDownError)) }
            }
            if shutdown != nil && active.isEmpty { break }

            var running: Int32 = 0
            _ = curl_multi_perform(multi.pointer, &running)
            collectCompletions()
            // Returns early on socket activity, on curl's own timers, or on curl_multi_wakeup.
            _ = curl_multi_poll(multi.pointer, nil, 0, 1000, nil)
        }
        idle.removeAll()   // curl_easy_cleanup of every pooled handle; none is attached
        logger.debug("HTTP client loop stopped")
        inbox.terminate()
    }

    private func start(_ transfer: Transfer) {
        guard !transfer.isSettled else { return }   // cancelled before it reached us
        guard let easy = idle[transfer.hostKey]?.popLast() ?? EasyHandle(counts: counts) else {
            transfer.complete(.failure(HTTPClientError(code: .transferFailed, reason: "libcurl could not create a handle (out of memory?)", isRetriable: true)))
            return
        }
        curl_easy_reset(easy.pointer)
        let retained = Unmanaged.passRetained(transfer).toOpaque()
        transfer.retainedSelf = retained
        transfer.easy = easy
        if let error = configure(easy, for: transfer, context: retained) {
            finish(transfer, answer: .failure(error))
            return
        }
        let added = easy.attach(to: multi)
        guard added == CURLM_OK else {
            finish(transfer, answer: .failure(HTTPClientError(code: .transferFailed, reason: "curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(added)))", isRetriable: false)))
            return
        }
        active[easy.pointer] = transfer
    }

    private func configure(_ easy: EasyHandle, for transfer: Transfer, context: UnsafeMutableRawPointer) -> HTTPClientError? {
        let h = easy.pointer
        let request = transfer.request
        easy.errorBuffer[0] = 0
        var result = CURLE_OK
        func set(_ code: CURLcode) { if result == CURLE_OK { result = code } }

        set(inlet_easy_setopt_str(h, CURLOPT_URL, request.url))
        set(inlet_easy_setopt_long(h, CURLOPT_NOSIGNAL, 1))
        set(inlet_easy_setopt_str(h, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(inlet_easy_setopt_ptr(h, CURLOPT_ERRORBUFFER, easy.errorBuffer))
        set(inlet_easy_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, transfer.connectTimeoutMilliseconds))
        set(inlet_easy_setopt_long(h, CURLOPT_TIMEOUT_MS, transfer.timeoutMilliseconds))
        set(inlet_easy_setopt_off_t(h, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(transfer.bodyLimit)))
        if configuration.followRedirects {
            set(inlet_easy_setopt_long(h, CURLOPT_FOLLOWLOCATION, 1))
            set(inlet_easy_setopt_long(h, CURLOPT_MAXREDIRS, 5))
            set(inlet_easy_setopt_str(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        }
        if !configuration.userAgent.isEmpty { set(inlet_easy_setopt_str(h, CURLOPT_USERAGENT, configuration.userAgent)) }
        set(inlet_easy_setopt_writefn(h, transferWriteCallback))
        set(inlet_easy_setopt_ptr(h, CURLOPT_WRITEDATA, context))
        set(inlet_easy_setopt_headerfn(h, transferHeaderCallback))
        set(inlet_easy_setopt_ptr(h, CURLOPT_HEADERDATA, context))

        switch request.method {
        case .get where request.body.isEmpty:
            set(inlet_easy_setopt_long(h, CURLOPT_HTTPGET, 1))
        case .head:
            set(inlet_easy_setopt_long(h, CURLOPT_NOBODY, 1))
        default:
            if request.method != .post { set(inlet_easy_setopt_str(h, CURLOPT_CUSTOMREQUEST, request.method.rawValue)) }
            if request.method == .post || !request.body.isEmpty {
                // The body is streamed from the request's own array by the read callback: no copy held by curl.
                transfer.uploadOffset = 0
                set(inlet_easy_setopt_long(h, CURLOPT_POST, 1))
                set(inlet_easy_setopt_off_t(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
                set(inlet_easy_setopt_readfn(h, transferReadCallback))
                set(inlet_easy_setopt_ptr(h, CURLOPT_READDATA, context))
                set(inlet_easy_setopt_seekfn(h, transferSeekCallback))
                set(inlet_easy_setopt_ptr(h, CURLOPT_SEEKDATA, context))
            }
        }

        let headers = HeaderList()
        var hasExpect = false
        var hasContentType = false
        var appended = true
        for (name, value) in request.headers {
            if HTTPHeaders.namesMatch(name, "Expect") { hasExpect = true }
            if HTTPHeaders.namesMatch(name, "Content-Type") { hasContentType = true }
            // "Name:" would tell curl to remove the header; "Name;" sends it with an empty value.
            appended = appended && headers.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // curl would add "Expect: 100-continue" to large bodies (a 1 s stall with servers that ignore it) and a
        // form Content-Type to every POST; an empty "Name:" line removes curl's default.
        if !hasExpect { appended = appended && headers.append("Expect:") }
        if !hasContentType { appended = appended && headers.append("Content-Type:") }
        transfer.headerList = headers
        set(inlet_easy_setopt_slist(h, CURLOPT_HTTPHEADER, headers.pointer))
        guard appended else { return HTTPClientError(code: .transferFailed, reason: "libcurl could not allocate the header list", isRetriable: true) }

        guard result == CURLE_OK else {
            return HTTPClientError.from(result, detail: "", bodyLimitExceeded: false, limit: transfer.bodyLimit)
        }
        return nil
    }

    private func collectCompletions() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi.pointer, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                  let transfer = active[handle], let easy = transfer.easy else { continue }
            let result = inlet_multi_msg_result(message)
            if result == CURLE_OK {
                var status = 0
                _ = inlet_easy_getinfo_long(easy.pointer, CURLINFO_RESPONSE_CODE, &status)
                let response = HTTPResponse(status: status, headers: transfer.responseHeaders, body: transfer.responseBody)
                transfer.responseBody = []
                finish(transfer, answer: .success(response))
            } else {
                let error = HTTPClientError.from(result, detail: easy.errorMessage, bodyLimitExceeded: transfer.bodyLimitExceeded, limit: transfer.bodyLimit)
                finish(transfer, answer: .failure(error))
            }
        }
    }

    /// Removes a cancelled or shut-down transfer if it is still running; `answer` nil means the caller was
    /// already answered (cancellation resumes before asking the loop to stop the transfer).
    private func stop(_ transfer: Transfer, answer: Result<HTTPResponse, HTTPClientError>?) {
        guard transfer.easy != nil else { return }   // not running: finished already or never started
        finish(transfer, answer: answer)
    }

    /// Detaches the easy handle (remove from multi), returns it to the pool, releases the retain taken in `start`,
    /// then answers the caller (resumption happens outside every lock).
    private func finish(_ transfer: Transfer, answer: Result<HTTPResponse, HTTPClientError>?) {
        if let easy = transfer.easy {
            easy.detach()
            active[easy.pointer] = nil
            transfer.easy = nil
            if idle[transfer.hostKey, default: []].count < configuration.maximumIdleHandlesPerHost {
                idle[transfer.hostKey, default: []].append(easy)
            }
        }
        transfer.headerList = nil
        if let retained = transfer.retainedSelf {
            transfer.retainedSelf = nil
            Unmanaged<Transfer>.fromOpaque(retained).release()
        }
        if let answer { transfer.complete(answer) }
    }
}

/// Carries the thread's body through `pthread_create`'s opaque argument.
private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
