import InletKafka

extension KafkaProducer {
    /// Sends every record concurrently and returns when all were acknowledged.
    /// - Throws: the first delivery error; the others are awaited first, so no send outlives the call.
    public func sendAll(_ records: [KafkaProducerRecord]) async throws {
        guard !records.isEmpty else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for record in records {
                group.addTask { _ = try await self.send(record) }
            }
            var firstError: (any Error)?
            while let result = await group.nextResult() {
                if case .failure(let error) = result, firstError == nil { firstError = error }
            }
            if let firstError { throw firstError }
        }
    }
}
