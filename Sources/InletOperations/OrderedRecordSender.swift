import InletKafka

/// Produces a batch of records as fast as the broker acknowledges them, while records that share a key keep their
/// order: records of one key go one after another, different keys concurrently (Kafka orders per partition, and a
/// key always lands in the same partition).
public struct OrderedRecordSender: Sendable {
    let sender: any KafkaRecordSending

    public init(sender: any KafkaRecordSending) {
        self.sender = sender
    }

    /// Sends every record and returns the delivery reports in the order of `records`.
    /// - Throws: the first delivery error, after every send of the batch has finished.
    public func send(_ records: [KafkaProducerRecord]) async throws -> [KafkaDeliveryReport] {
        var chains: [[UInt8]: [Int]] = [:]
        var keyless: [Int] = []
        for (index, record) in records.enumerated() {
            if let key = record.key { chains[key, default: []].append(index) } else { keyless.append(index) }
        }
        let work = Array(chains.values) + keyless.map { [$0] }
        var reports = [KafkaDeliveryReport?](repeating: nil, count: records.count)
        var firstError: (any Error)?
        await withTaskGroup(of: [(Int, Result<KafkaDeliveryReport, any Error>)].self) { group in
            for chain in work {
                group.addTask {
                    var results: [(Int, Result<KafkaDeliveryReport, any Error>)] = []
                    for index in chain {
                        do {
                            results.append((index, .success(try await sender.send(records[index]))))
                        } catch {
                            // Later records of the key would overtake this one: stop the chain.
                            results.append((index, .failure(error)))
                            break
                        }
                    }
                    return results
                }
            }
            for await results in group {
                for (index, result) in results {
                    switch result {
                    case .success(let report): reports[index] = report
                    case .failure(let error): if firstError == nil { firstError = error }
                    }
                }
            }
        }
        if let firstError { throw firstError }
        return reports.map { $0! }
    }
}
