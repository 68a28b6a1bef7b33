import CCurl
import Synchronization

// Owners of libcurl handles. Each handle lives in exactly one final class that frees it in `deinit`;
// raw pointers never leave this module.

/// `curl_global_init` exactly once per process, before the first handle (Swift runs a static initialiser once).
enum CurlGlobal {
    static let initResult: CURLcode = inlet_global_init()
}

/// Live handle counts for one client, so tests can prove every handle was freed.
final class HandleCounts: Sendable {
    let easy = Atomic<Int>(0)
    let multi = Atomic<Int>(0)
}

/// Owns one `CURLM`.
///
/// `@unchecked Sendable`: every call except `wakeup()` is made on the client's loop thread; `curl_multi_wakeup` is
/// documented as callable from any thread. `EasyHandle` keeps its multi alive while attached, so
/// `curl_multi_cleanup` can only run after every easy handle has been removed.
final class MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    private let counts: HandleCounts

    init?(counts: HandleCounts) {
        guard let pointer = curl_multi_init() else { return nil }
        self.pointer = pointer
        self.counts = counts
        counts.multi.add(1, ordering: .relaxed)
    }

    /// Interrupts `curl_multi_poll` on the loop thread. Safe from any thread.
    func wakeup() { _ = curl_multi_wakeup(pointer) }

    deinit {
        curl_multi_cleanup(pointer)
        counts.multi.subtract(1, ordering: .relaxed)
    }
}

/// Owns one `CURL` easy handle and its error buffer. Confined to the loop thread (not Sendable).
/// Reused for many requests to the same host (`curl_easy_reset` keeps its connection and DNS caches).
final class EasyHandle {
    let pointer: UnsafeMutableRawPointer
    /// `CURLOPT_ERRORBUFFER` target: curl writes a human message here on failure.
    let errorBuffer: UnsafeMutablePointer<CChar>
    private var attachedTo: MultiHandle?
    private let counts: HandleCounts

    init?(counts: HandleCounts) {
        guard let pointer = curl_easy_init() else { return nil }
        self.pointer = pointer
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        self.counts = counts
        counts.easy.add(1, ordering: .relaxed)
    }

    func attach(to multi: MultiHandle) -> CURLMcode {
        let result = curl_multi_add_handle(multi.pointer, pointer)
        if result == CURLM_OK { attachedTo = multi }
        return result
    }

    func detach() {
        guard let multi = attachedTo else { return }
        curl_multi_remove_handle(multi.pointer, pointer)
        attachedTo = nil
    }

    /// curl's message for the last failure, or "".
    var errorMessage: String { String(cString: errorBuffer) }

    deinit {
        detach()                      // curl_multi_remove_handle before curl_easy_cleanup
        curl_easy_cleanup(pointer)
        errorBuffer.deallocate()
        counts.easy.subtract(1, ordering: .relaxed)
    }
}

/// Owns one `curl_slist` of request header lines.
final class HeaderList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    /// Appends a line; curl copies the string. Returns false if curl could not allocate.
    func append(_ line: String) -> Bool {
        guard let next = curl_slist_append(pointer, line) else { return false }
        pointer = next
        return true
    }

    deinit { curl_slist_free_all(pointer) }
}
