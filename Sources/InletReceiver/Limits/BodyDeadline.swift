import Hummingbird
import NIOCore

/// Reads a request body with a size limit and a deadline, so a sender that trickles its body cannot hold a request
/// (and the memory of what it sent so far) for longer than the body timeout.
///
/// The read runs in a child task raced against a timer; when the timer wins the read is cancelled, which ends the
/// request's body stream, and the caller answers 408 with `Connection: close`.
struct BodyDeadline: Sendable {
    let timeout: Duration

    enum Outcome: Sendable {
        case body(ByteBuffer)
        /// More than the size limit arrived (or was declared).
        case tooLarge
        /// The body was not complete within ``timeout``.
        case timedOut
    }

    /// - Throws: when reading fails for another reason (the connection broke).
    func collect(_ body: RequestBody, upTo maximumSize: Int) async throws -> Outcome {
        let timeout = self.timeout
        return try await withThrowingTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do {
                    return .body(try await body.collect(upTo: maximumSize))
                } catch is NIOTooManyBytesError {
                    return .tooLarge
                }
            }
            group.addTask {
                // Cancelled once the body arrived: no outcome from the timer then.
                do { try await Task.sleep(for: timeout) } catch { return nil }
                return .timedOut
            }
            defer { group.cancelAll() }
            while let outcome = try await group.next() {
                if let outcome { return outcome }
            }
            return .timedOut  // unreachable: the read always yields an outcome or throws
        }
    }
}
