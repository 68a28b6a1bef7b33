import CRdKafka
import Glibc

/// Lowers the CPU priority of a librdkafka client's broker threads, the threads that build produce requests and read
/// their acknowledgements.
///
/// Why: an idempotent producer may have at most five produce requests in flight per partition. While all five wait
/// for the broker and more records are queued, librdkafka's broker thread does not sleep: it polls its socket with a
/// zero timeout until a slot frees. With every stage on one host that busy wait took about 40 % of the receiver's CPU
/// (38–67 `poll` calls per webhook) — CPU the broker needed to answer sooner. At a lower priority the busy wait yields
/// to the threads doing real work; docs/kafka.md ("The broker thread's busy wait") has the measurements.
///
/// Installed as librdkafka interceptors: `on_new` registers `on_thread_start`, which runs on each new thread and
/// changes only that thread (on Linux a thread's nice value is its own).
enum BrokerThreadPriority {
    /// Registers the interceptor on `conf` so that every broker thread of the client runs at `niceness`
    /// (0…19; 0 leaves the threads alone). Raising one's own nice value needs no privilege.
    static func install(niceness: Int32, on conf: OpaquePointer) throws {
        guard niceness > 0 else { return }
        let opaque = UnsafeMutableRawPointer(bitPattern: Int(min(niceness, 19)))
        let result = rd_kafka_conf_interceptor_add_on_new(conf, "inlet-broker-thread-priority", { rk, _, opaque, _, _ in
            rd_kafka_interceptor_add_on_thread_start(rk, "inlet-broker-thread-priority", { _, type, _, opaque in
                guard type == RD_KAFKA_THREAD_BROKER, let opaque else { return RD_KAFKA_RESP_ERR_NO_ERROR }
                // `who` 0 is the calling task, which on Linux is this thread alone. Best effort: a thread left at the
                // process's priority still works, it only busy-waits at full weight.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Int32(Int(bitPattern: opaque)))
                return RD_KAFKA_RESP_ERR_NO_ERROR
            }, opaque)
        }, opaque)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: .configuration, reason: "could not register the broker-thread priority interceptor: \(String(cString: rd_kafka_err2str(result)))")
        }
    }
}
