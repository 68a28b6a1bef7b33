/// Settings for ``KafkaProducer``.
///
/// `acks=all` and `enable.idempotence=true` are always set and cannot be overridden.
public struct KafkaProducerConfiguration: Sendable {
    /// Comma-separated `host:port` list. Default: `127.0.0.1:9092`.
    public var brokers: String = "127.0.0.1:9092"
    /// `client.id`. Default: `inlet-producer`.
    public var clientID: String = "inlet-producer"
    /// `linger.ms`: how long a message may wait for a batch to fill. A lone request pays it in full (0.15 ms p50 at
    /// 0 versus 5.6 ms at 5); under load batches fill anyway. See docs/kafka.md for the measurement. Default: 1 ms.
    public var lingerMilliseconds: Double = 1
    /// `message.timeout.ms`: how long librdkafka retries a message before reporting it failed. Default: 30 s.
    public var deliveryTimeout: Duration = .seconds(30)
    /// `queue.buffering.max.messages`: messages librdkafka holds locally before refusing with queue-full.
    /// Default: 100,000.
    public var maxQueuedMessages: Int = 100_000
    /// How long `send` keeps backing off and retrying while the local queue is full before throwing a retriable
    /// ``KafkaError/Code/queueFull``. Default: 5 s.
    public var queueFullTimeout: Duration = .seconds(5)
    /// How long a graceful shutdown waits for outstanding messages before purging them (their `send`s then throw).
    /// Default: 10 s.
    public var flushTimeout: Duration = .seconds(10)
    /// `compression.type`: how each record batch is compressed before it leaves. Consumers decompress on their own
    /// (any Kafka client does), so it is invisible downstream. LZ4 halved the local broker's CPU per webhook with
    /// every stage running and raised end to end by 40–65 % (docs/kafka.md, "Compression"). An entry for
    /// `compression.type` in ``extraProperties`` wins. Default: `.lz4`.
    public var compression: KafkaCompression = .lz4
    /// The nice value (0…19) of the client's broker threads: librdkafka busy-waits on them while the idempotent
    /// producer's five requests in flight await the broker, and at a lower priority that wait yields to the threads
    /// doing work (``BrokerThreadPriority``, docs/kafka.md). 0 leaves them at the process's priority. Default: 19.
    public var brokerThreadNiceness: Int32 = 19
    /// Any other librdkafka property (`batch.size`, …), applied before the ones above but after ``compression``.
    /// Default: empty.
    public var extraProperties: [String: String] = [:]

    public init(brokers: String = "127.0.0.1:9092") {
        self.brokers = brokers
    }

    var properties: [(String, String)] {
        var result = [("compression.type", compression.rawValue)]
        result += extraProperties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        result += [
            ("bootstrap.servers", brokers),
            ("client.id", clientID),
            ("linger.ms", formatNumber(lingerMilliseconds)),
            ("message.timeout.ms", String(deliveryTimeout.milliseconds)),
            ("queue.buffering.max.messages", String(maxQueuedMessages)),
            ("acks", "all"),
            ("enable.idempotence", "true"),
        ]
        return result
    }
}

/// librdkafka's `compression.type` values.
public enum KafkaCompression: String, Sendable, CaseIterable {
    case none
    case gzip
    case snappy
    case lz4
    case zstd
}

/// Where a consumer group without a committed offset starts.
public enum KafkaAutoOffsetReset: String, Sendable {
    case earliest
    case latest
}

/// Settings for ``KafkaConsumer``.
///
/// `enable.auto.commit` and `enable.auto.offset.store` are always false: stages commit explicitly after processing.
public struct KafkaConsumerConfiguration: Sendable {
    /// Comma-separated `host:port` list. Default: `127.0.0.1:9092`.
    public var brokers: String = "127.0.0.1:9092"
    /// `client.id`. Default: `inlet-consumer`.
    public var clientID: String = "inlet-consumer"
    /// `group.id`. No default.
    public var groupID: String
    /// Topics to subscribe to. No default.
    public var topics: [String]
    /// `session.timeout.ms`. Tansu's first group join takes ~23 s at librdkafka's 45 s default and ~3 s at 6 s.
    /// Default: 6 s.
    public var sessionTimeout: Duration = .seconds(6)
    /// `heartbeat.interval.ms`. Sent as at most a third of `sessionTimeout` (librdkafka wants it well below the
    /// session timeout), so a stage that shortens the session need not lower it too. Default: 2 s.
    public var heartbeatInterval: Duration = .seconds(2)
    /// `auto.offset.reset`. Default: `.earliest` (a new group reads everything already in the topic).
    public var autoOffsetReset: KafkaAutoOffsetReset = .earliest
    /// Most records in one ``KafkaRecordBatch``. Default: 1,000.
    public var maxBatchSize: Int = 1000
    /// Batches buffered between the poll thread and the stage. When the buffer is full the poll thread stops until
    /// the stage has taken half, and pauses the partitions if that takes longer than ``pauseAfter``. Each pause and
    /// resume costs a fresh fetch, and on Tansu a resumed partition stalled 0.6–0.8 s: when every fill paused, a
    /// 20,000-record backlog spent 3.3 s waiting with 4 batches and about 30 ms with 16 (measured with the mapper
    /// benchmark). Bounded memory: at most this many batches of `maxBatchSize` records, and ``bufferedBytes``.
    /// Default: 16.
    public var bufferedBatches: Int = 16
    /// The same bound in bytes (``KafkaRecordBatch/approximateByteCount``): the poll thread also stops when the
    /// buffered batches hold this much, until the stage has taken half (see ``pauseAfter``). Sixteen batches of records
    /// would otherwise hold any amount of memory: with compressed topics the poll thread fetches faster than a stage
    /// works, and a deduplicator on a 30,000-webhook backlog peaked at 214 MB (docs/kafka.md, "Memory").
    /// Default: 16 MiB.
    public var bufferedBytes: Int = 16 << 20
    /// How long the poll thread waits, with the buffer full, for the stage to take half before it pauses the
    /// partitions. While it waits it does not poll, so librdkafka stops fetching on its own once ``prefetchKilobytes``
    /// are queued; a pause, by contrast, drops librdkafka's prefetched records and costs a fresh fetch on resume, which
    /// on Tansu stalled 0.6–0.8 s each time (the mapper benchmark fell from about 32,000 to 12,800 records/s when
    /// every fill of a 24 MiB buffer paused). Rebalances wait for the poll thread, so at most this long. Default: 2 s.
    public var pauseAfter: Duration = .seconds(2)
    /// `queued.max.messages.kbytes`: how much librdkafka itself prefetches per consumer ahead of the poll thread.
    /// librdkafka's default of 64 MiB comes on top of ``bufferedBytes``. librdkafka counts the fetched bytes as they
    /// came from the broker, compressed: 8 MiB of LZ4-compressed model records held about 35 MB more at the
    /// persister's peak than 2 MiB did, at the same drain rate (docs/kafka.md, "Memory"). An entry in
    /// ``extraProperties`` wins. Default: 2 MiB.
    public var prefetchKilobytes: Int = 2 << 10
    /// `fetch.queue.backoff.ms`: how long librdkafka waits before fetching again once its prefetch queue reached
    /// ``prefetchKilobytes``. librdkafka's default of 1 s idles a consumer working through a backlog: the mapper
    /// benchmark's copy pass did 9,866 records/s with it and 18,712 at 10 ms (both with a 24 MiB buffer that paused
    /// whenever full). An entry in ``extraProperties`` wins. Default: 10 ms.
    public var prefetchBackoff: Duration = .milliseconds(10)
    /// How long the poll thread waits for the first record of a batch before looping (bounds shutdown latency).
    /// Default: 100 ms.
    public var pollTimeout: Duration = .milliseconds(100)
    /// How long a revocation waits for the stage (the in-flight batch and the `onRevoke` hook) before giving the
    /// partitions away anyway. Keep it below `max.poll.interval.ms` (300 s). Default: 30 s.
    public var revokeTimeout: Duration = .seconds(30)
    /// How many times the consumer re-reads from the same missing offset before it accepts the gap as genuine
    /// (transactions or compaction) and moves on. Default: 20.
    public var maxGapRetries: Int = 20
    /// Any other librdkafka property, applied before the ones above. Default: empty.
    public var extraProperties: [String: String] = [:]

    public init(groupID: String, topics: [String], brokers: String = "127.0.0.1:9092") {
        self.groupID = groupID
        self.topics = topics
        self.brokers = brokers
    }

    var properties: [(String, String)] {
        var result = [
            ("queued.max.messages.kbytes", String(prefetchKilobytes)),
            ("fetch.queue.backoff.ms", String(prefetchBackoff.milliseconds)),
        ]
        result += extraProperties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        result += [
            ("bootstrap.servers", brokers),
            ("client.id", clientID),
            ("group.id", groupID),
            ("session.timeout.ms", String(sessionTimeout.milliseconds)),
            ("heartbeat.interval.ms", String(min(heartbeatInterval, sessionTimeout / 3).milliseconds)),
            ("auto.offset.reset", autoOffsetReset.rawValue),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
        ]
        return result
    }
}

/// Settings for ``KafkaAdmin``.
public struct KafkaAdminConfiguration: Sendable {
    /// Comma-separated `host:port` list. Default: `127.0.0.1:9092`.
    public var brokers: String = "127.0.0.1:9092"
    /// `client.id`. Default: `inlet-admin`.
    public var clientID: String = "inlet-admin"
    /// How long one admin or metadata request may take. Default: 10 s.
    public var requestTimeout: Duration = .seconds(10)
    /// Any other librdkafka property. Default: empty.
    public var extraProperties: [String: String] = [:]

    public init(brokers: String = "127.0.0.1:9092") {
        self.brokers = brokers
    }

    var properties: [(String, String)] {
        extraProperties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            + [("bootstrap.servers", brokers), ("client.id", clientID)]
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, at least 0.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}

private func formatNumber(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}
