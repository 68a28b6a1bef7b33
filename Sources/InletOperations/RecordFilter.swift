import Foundation
import InletCEL
import InletKafka

/// A compiled `--filter` expression. Without an expression every record passes.
///
/// `Sendable`: a ``CELProgram`` evaluates concurrently from any thread.
public struct RecordFilter: Sendable {
    /// The source text, for logs and the replay record; nil when no filter was given.
    public let source: String?
    private let program: CELProgram?

    /// Every record passes.
    public static let all = RecordFilter()

    private init() {
        self.init(source: nil, program: nil)
    }

    private init(source: String?, program: CELProgram?) {
        self.source = source
        self.program = program
    }

    /// Compiles `source` (nil or blank: no filter).
    /// - Throws: ``OperationsError`` `.invalidFilter` with the CEL error and its line and column.
    public init(_ source: String?) throws(OperationsError) {
        guard let source, !source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            self.init()
            return
        }
        do {
            self.init(source: source, program: try RecordVariables.environment.compile(source))
        } catch {
            throw OperationsError(.invalidFilter, "the filter does not compile: \(error)", underlying: error)
        }
    }

    /// Whether `record` passes.
    /// - Throws: ``OperationsError`` `.invalidFilter` when the expression fails or yields something other than a
    ///   bool for this record (the message names the record's coordinates, never its content).
    public func accepts(_ record: KafkaRecord) throws(OperationsError) -> Bool {
        guard let program else { return true }
        let result: CELValue
        do {
            result = try program.evaluate(RecordVariables.bindings(for: record, reading: program.variableNames))
        } catch {
            throw OperationsError(.invalidFilter, "the filter failed on \(record.topic)[\(record.partition)]@\(record.offset): \(error)", underlying: error)
        }
        guard case .bool(let accepted) = result else {
            throw OperationsError(.invalidFilter, "the filter must yield a bool, but gave \(result.typeName) on \(record.topic)[\(record.partition)]@\(record.offset)")
        }
        return accepted
    }
}
