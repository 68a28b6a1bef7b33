import Foundation
import InletCore
import InletKafka
import InletStageRuntime
import Testing

@testable import InletOperations

@Suite struct OpsStreamPositionTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func namedPositionsAndOffsets() throws {
        #expect(try StreamPosition.parse("beginning") == .beginning)
        #expect(try StreamPosition.parse("earliest") == .beginning)
        #expect(try StreamPosition.parse("END") == .end)
        #expect(try StreamPosition.parse("42") == .offset(42))
        #expect(try StreamPosition.parse("now", now: now) == .time(milliseconds: 1_795_000_000_000))
    }

    @Test func timesAbsoluteAndRelative() throws {
        #expect(try StreamPosition.parse("2026-11-21T09:30:00Z") == .time(milliseconds: 1_795_253_400_000))
        #expect(try StreamPosition.parse("2026-11-21T10:30:00.250+01:00") == .time(milliseconds: 1_795_253_400_250))
        #expect(try StreamPosition.parse("2026-11-21") == .time(milliseconds: 1_795_219_200_000))
        #expect(try StreamPosition.parse("-15m", now: now) == .time(milliseconds: 1_795_000_000_000 - 900_000))
        #expect(try StreamPosition.parse("-2d", now: now) == .time(milliseconds: 1_795_000_000_000 - 172_800_000))
    }

    @Test func canonicalTextReadsBack() throws {
        for position in [StreamPosition.beginning, .end, .offset(7), .time(milliseconds: 1_795_253_400_250)] {
            #expect(try StreamPosition.parse(position.canonicalText) == position)
        }
    }

    @Test func rejectsNonsenseAndOffsetsWhereTimesAreExpected() {
        #expect(throws: OperationsError.self) { try StreamPosition.parse("yesterday-ish") }
        #expect(throws: OperationsError.self) { try StreamPosition.parse("-5") }
        #expect { try StreamPosition.parse("12", allowOffset: false) } throws: { ($0 as? OperationsError)?.code == .invalidArgument }
    }
}

@Suite struct OpsRateLimiterTests {
    @Test func allowsOneSecondOfBurstThenPaces() {
        var limiter = RateLimiter(perSecond: 100)
        #expect(limiter.reserve(100, now: .zero) == .zero)
        // The bucket is empty: 50 more need half a second.
        #expect(limiter.reserve(50, now: .zero) == .milliseconds(500))
        // One second refills 100 tokens: the debt of 50 is paid and 50 are left, enough for 50 more at once.
        #expect(limiter.reserve(50, now: .seconds(1)) == .zero)
    }

    @Test func refillIsCappedAtOneSecond() {
        var limiter = RateLimiter(perSecond: 10)
        #expect(limiter.reserve(10, now: .zero) == .zero)
        // A long pause refills at most 10 tokens, so 20 at once waits for 10 of them.
        #expect(limiter.reserve(20, now: .seconds(60)) == .seconds(1))
    }
}

@Suite struct OpsRecordFilterTests {
    func record(headers: [KafkaHeader], value: String, topic: String = "t") -> KafkaRecord {
        KafkaRecord(topic: topic, partition: 3, offset: 17, key: Array("k".utf8), value: Array(value.utf8), headers: headers,
                    timestampMilliseconds: 1_795_253_400_000)
    }

    @Test func seesEnvelopePayloadAndRecord() throws {
        let envelope = OpsTestEnvironment.envelope(id: "d1", integration: "acme")
        let input = record(headers: envelope.kafkaHeaders, value: #"{"action":"opened","n":4}"#)
        #expect(try RecordFilter("envelope.integration == 'acme' && payload.action == 'opened'").accepts(input))
        #expect(try RecordFilter("record.partition == 3 && record.offset == 17 && record.key == 'k'").accepts(input))
        #expect(try RecordFilter("record.timestamp == '2026-11-21T09:30:00.000Z'").accepts(input))
        #expect(try RecordFilter("envelope.type == 'github.pull_request' && envelope.replayid == null").accepts(input))
        #expect(try !RecordFilter("payload.n > 4").accepts(input))
        #expect(try RecordFilter(nil).accepts(input))
        #expect(try RecordFilter("  ").accepts(input))
    }

    @Test func seesDeadLetterHeaders() throws {
        let original = record(headers: OpsTestEnvironment.envelope(id: "d1", integration: "acme").kafkaHeaders, value: "{}")
        let letter = DeadLetter(stage: .mapper, errorCode: "map_error", errorMessage: "boom", attempts: 2, original: original)
        let produced = letter.record(for: original)
        let dead = KafkaRecord(topic: produced.topic, partition: 0, offset: 0, key: produced.key, value: produced.value, headers: produced.headers)
        #expect(try RecordFilter("deadletter.error_code == 'map_error' && deadletter.attempts == 2 && deadletter.original_offset == 17").accepts(dead))
        #expect(try RecordFilter("deadletter == null").accepts(original))
    }

    @Test func nonJSONPayloadIsNull() throws {
        #expect(try RecordFilter("payload == null").accepts(record(headers: [], value: "\u{1}binary")))
    }

    @Test func compileAndTypeErrorsAreClear() {
        #expect { try RecordFilter("payload.(") } throws: { ($0 as? OperationsError)?.code == .invalidFilter }
        let input = record(headers: [], value: #"{"n":1}"#)
        #expect { try RecordFilter("payload.n").accepts(input) } throws: {
            guard let error = $0 as? OperationsError else { return false }
            return error.code == .invalidFilter && error.reason.contains("bool") && error.reason.contains("t[3]@17")
        }
    }
}

@Suite struct OpsReplayHeaderTests {
    @Test func addsReplayIDAndOriginReplacingEarlierOnes() {
        let envelope = OpsTestEnvironment.envelope(id: "d1", integration: "acme")
        let first = KafkaRecord(topic: "inlet.github.pull_request.unique", partition: 2, offset: 40, key: Array("k".utf8),
                                value: Array("{}".utf8), headers: envelope.kafkaHeaders)
        let replayed = ReplayHeader.record(replaying: first, to: "inlet.replay.mapper", replayID: "replay-1")
        #expect(replayed.topic == "inlet.replay.mapper")
        #expect(replayed.key == first.key && replayed.value == first.value)
        #expect(replayed.headers.first(ReplayHeader.replayID) == "replay-1")
        #expect(replayed.headers.first(ReplayHeader.originalTopic) == "inlet.github.pull_request.unique")
        #expect(replayed.headers.first(ReplayHeader.originalPartition) == "2")
        #expect(replayed.headers.first(ReplayHeader.originalOffset) == "40")
        #expect(replayed.headers.first(Envelope.Header.id) == "d1")

        // Replayed again from the replay topic: the new ID, the first origin, each header once.
        let again = KafkaRecord(topic: "inlet.replay.mapper", partition: 0, offset: 3, key: replayed.key, value: replayed.value, headers: replayed.headers)
        let twice = ReplayHeader.record(replaying: again, to: "inlet.replay.mapper", replayID: "replay-2")
        #expect(twice.headers.first(ReplayHeader.replayID) == "replay-2")
        #expect(twice.headers.first(ReplayHeader.originalTopic) == "inlet.github.pull_request.unique")
        #expect(twice.headers.filter { $0.key == ReplayHeader.replayID }.count == 1)
        #expect(try! Envelope(headers: twice.headers.compactMap { h in h.stringValue.map { (key: h.key, value: $0) } }).replayID == "replay-2")
    }
}

@Suite struct OpsDeadLetterIDTests {
    @Test func parsesFullAndShortForms() throws {
        #expect(try DeadLetterID(parsing: "inlet.dlq.mapper/2/17") == DeadLetterID(topic: "inlet.dlq.mapper", partition: 2, offset: 17))
        #expect(try DeadLetterID(parsing: "deliverer/0/5") == DeadLetterID(topic: TopicName.deadLetter(.deliverer).rawValue, partition: 0, offset: 5))
        #expect(DeadLetterID(topic: "inlet.dlq.mapper", partition: 2, offset: 17).description == "inlet.dlq.mapper/2/17")
        #expect(throws: OperationsError.self) { try DeadLetterID(parsing: "mapper/2") }
        #expect(throws: OperationsError.self) { try DeadLetterID(parsing: "mapper/-1/2") }
    }
}

@Suite struct OpsRecordPrinterTests {
    @Test func prettyPrintsJSONKeepingOrderAndBytes() {
        #expect(JSONIndenter.indent(Array(#"{"b":1,"a":[1,2],"s":"x, {y}: \"z\"","e":{},"l":[]}"#.utf8)) == """
            {
              "b": 1,
              "a": [
                1,
                2
              ],
              "s": "x, {y}: \\"z\\"",
              "e": {},
              "l": []
            }
            """)
    }

    @Test func rendersAttributesHeadersAndPayload() {
        var headers = OpsTestEnvironment.envelope(id: "d1", integration: "acme").kafkaHeaders
        headers.append(KafkaHeader(key: "inlet-dlq-error-code", string: "map_error"))
        let text = RecordPrinter().render(KafkaRecord(topic: "t", partition: 1, offset: 9, key: Array("acme/d1".utf8),
                                                      value: Array(#"{"n":1}"#.utf8), headers: headers, timestampMilliseconds: 0))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "── t[1] @9  1970-01-01T00:00:00.000Z  key=acme/d1")
        #expect(lines.contains { $0.hasPrefix("    id") && $0.hasSuffix("d1") })
        #expect(lines.contains { $0.hasPrefix("    integration") && $0.hasSuffix("acme") })
        #expect(lines.contains("  headers:"))
        #expect(lines.contains { $0.contains("inlet-dlq-error-code") && $0.hasSuffix("map_error") })
        #expect(lines.suffix(3) == ["    {", "      \"n\": 1", "    }"])
    }

    @Test func binaryPayloadsBecomeAHexSummary() {
        let value: [UInt8] = [0x00, 0xff] + Array(repeating: 0x41, count: 100)
        let text = RecordPrinter().payload(value)
        #expect(text.hasPrefix("binary, 102 bytes (first 64 shown):"))
        #expect(text.contains("0000  00 ff 41 41"))
        #expect(text.split(separator: "\n").count == 5)
    }
}

@Suite struct OpsProgressDisplayTests {
    @Test func lineShowsPercentRateAndETA() {
        var progress = ReplayProgress(replayID: "r", total: 1000)
        progress.scanned = 250
        progress.matched = 100
        progress.produced = 100
        let line = ProgressDisplay.line(progress, elapsed: .seconds(5), bar: true)
        #expect(line == "[######..................]  25%  250/1000 read, 100 matched, 100 sent  50/s  ETA 15s")
        #expect(ProgressDisplay.line(progress, elapsed: .seconds(5), bar: false).hasPrefix("25%  250/1000"))
    }
}
