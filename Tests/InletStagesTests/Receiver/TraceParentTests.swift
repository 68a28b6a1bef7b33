@testable import InletReceiver
import Testing

@Suite("TraceParent")
struct TraceParentTests {
    static let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func keepsAValidIncomingValue() {
        #expect(TraceParent.continuing(Self.valid) == Self.valid)
    }

    @Test(arguments: [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  // no flags
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // forbidden version
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 has no extra fields
        "",
    ])
    func replacesAnInvalidIncomingValue(value: String) {
        let result = TraceParent.continuing(value)
        #expect(result != value)
        #expect(TraceParent.isValid(result))
    }

    @Test func createsValidDistinctValues() {
        let first = TraceParent.make(), second = TraceParent.make()
        #expect(TraceParent.isValid(first))
        #expect(first.utf8.count == 55)
        #expect(first != second)
        #expect(TraceParent.continuing(nil) != first)
    }

    @Test func newTraceIDsAreRandomInEveryHexDigit() {
        let made = (0..<300).map { _ in Array(TraceParent.make().utf8) }
        #expect(made.allSatisfy { TraceParent.isValid(String(decoding: $0, as: UTF8.self)) })
        #expect(Set(made).count == made.count)
        // Every digit of the trace and parent IDs varies (the last of each is odd: never all zero).
        for position in Array(3..<35) + Array(36..<52) {
            #expect(Set(made.map { $0[position] }).count > 4, "hex digit \(position) barely varies")
        }
    }

    @Test func acceptsLaterVersionsWithExtraFields() {
        #expect(TraceParent.isValid("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"))
    }
}
