// The mapper's per-record work in process (issue 5): `MapperBatchProcessor.plan` over batches of GitHub
// `pull_request` deliveries shaped like `make bench`'s (the deploy sample compacted by JSONSerialization, distinct
// id, number and title per record, the deduplicator's envelope headers). Everything the stage does per record except
// consuming and producing: envelope from headers, payload read, filter and map, validation, key, model envelope,
// record JSON and headers. Thread CPU time per record. Built and run by Benchmarks/mapper/run.sh.
//
// MapperPerfBench --root REPO [--records N] [--batch B] [--rounds R] [--payload compact|fixture] [--steps]
//
// Compare builds only by alternating them in one session (the machine is shared): run.sh REF does.
import Foundation
import InletCEL
import InletCore
import InletKafka
@testable import InletMapper
import InletStageRuntime
import Logging

func option(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    if let index = args.firstIndex(of: "--" + name), index + 1 < args.count { return args[index + 1] }
    return fallback
}
let records = Int(option("records", "20000"))!
let batchSize = Int(option("batch", "1000"))!
let rounds = Int(option("rounds", "5"))!
let root = option("root", ".")

/// CPU time of this thread: the machine is shared, so wall time mostly measures the neighbours.
func cpuNanoseconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) * 1e9 + Double(spec.tv_nsec)
}

/// The bodies `make bench` sends (Benchmarks/Sources/PipelineBench/PullRequestBodies.swift), or the
/// pretty-printed fixture as GitHub sends it.
func bodies(count: Int) throws -> [[UInt8]] {
    if option("payload", "compact") == "fixture" {
        let fixture = Array(try Data(contentsOf: URL(fileURLWithPath: root + "/Tests/Fixtures/github/pull_request/opened.json")))
        return Array(repeating: fixture, count: count)
    }
    return try benchmarkPullRequestBodies(
        samplePath: root + "/deploy/local/samples/github/pull_request.json", count: count, firstID: 2_000_000_000)
}

struct NoSink: MapperRecordSink {
    func deliver(_ record: KafkaProducerRecord) async throws {}
}

let catalog = try MappingCatalog.load(directory: root + "/mappings", definitions: try DefinitionRegistry(), models: try ModelRegistry())
let engine = MappingEngine(catalog: catalog)
let receivedAt = RFC3339.now()
let inputs: [KafkaRecord] = try bodies(count: records).enumerated().map { index, body in
    let deliveryID = "mapper-bench-run-\(index)"
    let envelope = Envelope.received(
        deliveryID: deliveryID, definition: WebhookDefinition.github.name, event: "pull_request", integration: "bench",
        variant: "repository", receivedAt: receivedAt)
    return KafkaRecord(topic: "inlet.github.pull_request.unique", partition: 0, offset: Int64(index),
                       key: Array(deliveryID.utf8), value: body, headers: envelope.kafkaHeaders)
}
let batches = stride(from: 0, to: inputs.count, by: batchSize).map {
    KafkaRecordBatch(records: Array(inputs[$0..<min($0 + batchSize, inputs.count)]))
}
var logger = Logger(label: "bench")
logger.logLevel = .info
let processor = MapperBatchProcessor(
    engine: engine, sink: NoSink(), metrics: MapperMetrics(), logger: logger, produceAttempts: 1,
    initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1))

// Every record must map to one PullRequest record, or the figure means nothing.
let check = processor.plan(batches[0])
precondition(check.outgoingCount == batches[0].records.count && check.chains.allSatisfy { $0.allSatisfy { $0.kind == .model } },
             "unexpected outputs: \(check.outgoingCount) for \(batches[0].records.count)")

func measure(_ name: String, _ body: () -> Int) {
    var sink = body()  // warm-up
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = cpuNanoseconds()
        sink &+= body()
        samples.append((cpuNanoseconds() - start) / Double(records) / 1000)
    }
    let sorted = samples.sorted()
    print(String(format: "%@: median %.2f µs CPU/record (min %.2f, max %.2f) [%d]", name, sorted[sorted.count / 2],
                 sorted[0], sorted[sorted.count - 1], sink % 7))
}

print("payload \(inputs[0].value.count) B, record \(check.chains[0][0].record.value.count) B")
measure("MapperBatchProcessor.plan (per-record path)") {
    var total = 0
    for batch in batches { total &+= processor.plan(batch).outgoingCount }
    return total
}

// The breakdown uses APIs of the current sources only; run.sh builds it for the working tree (-D MAPPER_STEPS), not
// for the git ref it compares with.
#if MAPPER_STEPS
guard CommandLine.arguments.contains("--steps") else { exit(0) }
let file = catalog.mapping(definition: "github", event: "pull_request")!
let entry = file.entries[0]
measure("  envelope from headers (KafkaRecord.envelope)") {
    var total = 0
    for record in inputs { total &+= (try! record.envelope()).id.utf8.count }
    return total
}
measure("  payload read whole (CELValue(jsonUTF8:))") {
    var total = 0
    for record in inputs { if case .map(let m) = try! CELValue(jsonUTF8: record.value) { total &+= m.count } }
    return total
}
measure("  payload read for the mapping's usage") {
    var total = 0
    for record in inputs { if case .map(let m) = try! CELValue(jsonUTF8: record.value, reading: file.payloadUsage) { total &+= m.count } }
    return total
}
let envelope = try inputs[0].envelope()
measure("  MappingEngine.map(envelope:value:)") {
    var total = 0
    for record in inputs { total &+= engine.map(envelope: envelope, value: record.value).count }
    return total
}
let payload = try CELValue(jsonUTF8: inputs[0].value, reading: file.payloadUsage)
let variables = MappingVariables.values(envelope: envelope, payload: payload, includeEnvelope: false)
measure("  filter + map evaluation") {
    var total = 0
    for _ in inputs {
        _ = try! entry.filter!.evaluate(variables)
        if case .map(let m) = try! entry.map!.evaluate(variables) { total &+= m.count }
    }
    return total
}
let produced = try entry.map!.evaluate(variables)
measure("  RecordValidator.record + key") {
    var total = 0
    for _ in inputs {
        guard case .success(let record) = entry.validator.record(from: produced, integration: "bench", definition: "github") else { continue }
        total &+= record.key(for: entry.model).utf8.count
    }
    return total
}
let mapped = engine.map(envelope: envelope, value: inputs[0].value).compactMap { output -> MappedRecord? in
    if case .record(let record) = output { return record } else { return nil }
}[0]
measure("  producer record (record JSON + model headers)") {
    var total = 0
    for _ in inputs { total &+= MapperBatchProcessor.producerRecord(mapped).value.count }
    return total
}
#endif
