import Testing
@testable import InletCore

@Suite struct EnvelopeTests {
    @Test func receivedEnvelopeRoundTripsThroughHeaders() throws {
        let envelope = Envelope.received(
            deliveryID: "d-1", definition: try DefinitionName("github"), event: "pull_request",
            integration: "acme", variant: "repository", receivedAt: "2026-11-21T10:00:00.000Z",
            traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(envelope.source == "/inlet/github/acme")
        #expect(envelope.type == "github.pull_request")
        #expect(envelope.time == envelope.receivedAt)
        let headers = envelope.headers
        #expect(headers.first { $0.key == "ce_specversion" }?.value == "1.0")
        #expect(try Envelope(headers: headers) == envelope)
    }

    @Test func headersInAnyOrderWithUnknownOnesAndRepeatsReadTheFirstOfEach() throws {
        let envelope = Envelope.received(
            deliveryID: "d-2", definition: try DefinitionName("stripe"), event: "customer.created",
            integration: "acme", variant: "livemode", receivedAt: "2026-11-21T10:00:00.000Z")
        // Reversed (every slot found out of order), with foreign headers between, and later repeats that lose.
        var headers: [(key: String, value: String)] = []
        for header in envelope.headers.reversed() {
            headers.append(header)
            headers.append((key: "x-foreign", value: "ignored"))
        }
        headers.append((key: "ce_id", value: "a-later-id"))
        headers.append((key: "ce_inletvariant", value: "a-later-variant"))
        let read = try Envelope(headers: headers)
        #expect(read == envelope)
        #expect(read.id == "d-2" && read.variant == "livemode")
    }

    @Test func missingRequiredHeaderIsNamedInTheError() {
        let headers = [(key: "ce_specversion", value: "1.0"), (key: "ce_id", value: "x")]
        #expect {
            try Envelope(headers: headers)
        } throws: { error in
            (error as? InletCoreError)?.reason.contains("ce_source") == true
        }
    }

    @Test func wrongSpecVersionIsRejected() {
        let headers = Envelope.received(deliveryID: "d", definition: try! DefinitionName("github"), event: "push",
                                        integration: "i", variant: nil, receivedAt: "t").headers
            .map { $0.key == "ce_specversion" ? (key: $0.key, value: "0.3") : $0 }
        #expect(throws: InletCoreError.self) { try Envelope(headers: headers) }
    }

    @Test func deadLetterHeadersRoundTrip() {
        let letter = DeadLetter(stage: .mapper, errorCode: "cel_evaluation", errorMessage: "no such key: x",
                                attempts: 2, originalTopic: "inlet.github.push.unique", originalPartition: 3,
                                originalOffset: 42)
        #expect(DeadLetter(headers: letter.headers) == letter)
        #expect(DeadLetter(headers: [(key: "ce_id", value: "x")]) == nil)
    }

    @Test func rfc3339FormatsEpochSecondsInUTC() {
        #expect(RFC3339.format(seconds: 0) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(seconds: 1_234_567_890, milliseconds: 5) == "2009-02-13T23:31:30.005Z")
        #expect(RFC3339.now().hasSuffix("Z"))
        #expect(RFC3339.now().count == 24)
    }
}
