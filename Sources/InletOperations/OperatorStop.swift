import Dispatch
import Foundation
import Synchronization

/// Turns the first Ctrl-C (SIGINT) or SIGTERM into a stop request the long-running commands check between
/// batches, so they finish the batch in flight, record where they are, and say how to resume. A second signal
/// exits at once.
///
/// - Important: create one per process, before the work starts; it replaces the default signal handlers until
///   ``cancel()``.
///
/// `@unchecked Sendable`: the signal sources are only touched by `init` and ``cancel()``; the flag is atomic.
public final class OperatorStop: @unchecked Sendable {
    private let flag = StopFlag()
    private let sources: [any DispatchSourceSignal]

    public init() {
        let requested = flag
        let queue = DispatchQueue(label: "inlet.operator-stop")
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if requested.value.exchange(true, ordering: .acquiringAndReleasing) {
                    FileHandle.standardError.write(Data("\nstopping now\n".utf8))
                    exit(130)
                }
                FileHandle.standardError.write(Data("\nstopping after the batch in flight (press Ctrl-C again to exit at once)\n".utf8))
            }
            source.resume()
            return source
        }
    }

    /// Whether a stop was requested.
    public var isRequested: Bool { flag.value.load(ordering: .acquiring) }

    /// A closure for the `shouldStop` parameters.
    public var check: @Sendable () -> Bool { { [flag] in flag.value.load(ordering: .acquiring) } }

    /// Restores the default handlers.
    public func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// The shared stop flag: the signal handler sets it, the work reads it.
private final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)
}
