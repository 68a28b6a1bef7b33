import Foundation
import Testing
@testable import InletCore

/// The batched providers' documented payloads (`Tests/Fixtures/batches/`), split and checked item by item against
/// Foundation's parser, plus the limits and failures.
@Suite struct BatchSplitterTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/batches/\(name)")
        return Array(try Data(contentsOf: url))
    }

    static func split(_ definition: WebhookDefinition, _ body: [UInt8], headers: [String: String] = [:]) throws -> [BatchItem] {
        let layout = try #require(definition.batch)
        return try BatchSplitter(layout: layout).split(body: body) { name in
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// The items Foundation finds at `path`, re-serialised canonically, to compare with the bytes the splitter cut.
    static func foundationItems(_ body: [UInt8], at path: [String]) throws -> [Data] {
        var node = try JSONSerialization.jsonObject(with: Data(body))
        for key in path { node = try #require((node as? [String: Any])?[key]) }
        let items = try #require(node as? [Any])
        return try items.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
    }

    static func canonical(_ bytes: ArraySlice<UInt8>) throws -> Data {
        try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(bytes)), options: [.sortedKeys])
    }

    static func expectExactItems(_ items: [BatchItem], body: [UInt8], path: [String]) throws {
        let expected = try foundationItems(body, at: path)
        #expect(items.count == expected.count)
        for (item, reference) in zip(items, expected) {
            #expect(item.bytes.first == UInt8(ascii: "{") && item.bytes.last == UInt8(ascii: "}"))
            #expect(try canonical(item.bytes) == reference, "item \(item.index) is not the body's item")
        }
    }

    // MARK: Provider payloads

    @Test func hubSpotArraySplitsIntoOneDeliveryPerSubscriptionEvent() throws {
        let body = try Self.fixture("hubspot.json")
        let items = try Self.split(.hubspot, body)
        try Self.expectExactItems(items, body: body, path: [])
        #expect(items.map(\.attributes.event) == ["contact.propertyChange", "contact.creation", "deal.deletion"])
        #expect(items[0].attributes.variant == "lifecyclestage")
        #expect(items[1].attributes.variant == nil)
        #expect(items[0].attributes.eventTime == "2016-05-02T19:11:47.945Z")
        // Items 1 and 2 share HubSpot's eventId (documented as not unique); the derived IDs still differ.
        #expect(Set(items.map(\.attributes.deliveryID)).count == 3)
        #expect(items.allSatisfy { $0.attributes.deliveryID.hasPrefix("hubspot-") && $0.attributes.deliveryID.count == "hubspot-".count + 32 })
    }

    @Test func hubSpotRetryKeepsTheDeliveryIDThoughAttemptNumberChanges() throws {
        let first = Array(#"[{"eventId":1,"subscriptionId":2,"portalId":3,"objectId":4,"occurredAt":5,"subscriptionType":"contact.creation","attemptNumber":0}]"#.utf8)
        let retry = Array(#"[ {"attemptNumber":3, "subscriptionType":"contact.creation","occurredAt":5,"objectId":4,"portalId":3,"subscriptionId":2,"eventId":1} ]"#.utf8)
        let other = Array(#"[{"eventId":1,"subscriptionId":2,"portalId":3,"objectId":5,"occurredAt":5,"subscriptionType":"contact.creation","attemptNumber":0}]"#.utf8)
        let id = try Self.split(.hubspot, first)[0].attributes.deliveryID
        #expect(try Self.split(.hubspot, retry)[0].attributes.deliveryID == id)
        #expect(try Self.split(.hubspot, other)[0].attributes.deliveryID != id)
    }

    @Test func oktaEventsAreFoundUnderDataEvents() throws {
        let body = try Self.fixture("okta.json")
        let items = try Self.split(.okta, body)
        try Self.expectExactItems(items, body: body, path: ["data", "events"])
        #expect(items.map(\.attributes.deliveryID) == ["5c8dfd2f-5091-11e9-a1a6-4f3e26a69e42", "6e1f0a7c-5091-11e9-8c2b-2b4a9f6d1e77"])
        #expect(items.map(\.attributes.event) == ["user.session.start", "user.lifecycle.create"])
        #expect(items[1].attributes.eventTime == "2019-03-27T17:01:14.411Z")
    }

    @Test func microsoftGraphNotificationsGetDerivedIDsThatSurviveReserialisation() throws {
        let body = try Self.fixture("microsoft-graph.json")
        let items = try Self.split(.microsoftGraph, body)
        try Self.expectExactItems(items, body: body, path: ["value"])
        #expect(items.map(\.attributes.event) == ["created", "updated", "deleted", "reauthorizationRequired"])
        #expect(items[0].attributes.variant == "#Microsoft.Graph.Message")
        #expect(items[2].attributes.variant == "#Microsoft.Graph.Event")
        #expect(items[3].attributes.variant == nil)
        // Two changes of one message differ by ETag: distinct IDs.
        #expect(Set(items.map(\.attributes.deliveryID)).count == 4)
        #expect(items.allSatisfy { $0.attributes.deliveryID.hasPrefix("graph-") })

        // A retry serialised differently (key order, whitespace) is the same delivery.
        let reordered = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(body)), options: [.sortedKeys])
        let again = try Self.split(.microsoftGraph, Array(reordered))
        #expect(again.map(\.attributes.deliveryID) == items.map(\.attributes.deliveryID))
    }

    @Test func sendGridEventsUseTheirOwnIDs() throws {
        let body = try Self.fixture("sendgrid.json")
        let items = try Self.split(.sendgrid, body)
        try Self.expectExactItems(items, body: body, path: [])
        #expect(items.map(\.attributes.event) == ["processed", "deferred", "delivered", "open", "click", "bounce", "dropped",
                                                  "spamreport", "unsubscribe", "group_unsubscribe", "group_resubscribe"])
        #expect(items[0].attributes.deliveryID == "rbtnWrG1DVDGGGFHFyun0A==")
        #expect(items[5].attributes.variant == "bounce")
        #expect(items[0].attributes.eventTime == "2017-12-15T00:59:29.000Z")
        #expect(items.allSatisfy { WebhookDefinition.sendgrid.declares($0.attributes.event) })
    }

    @Test func itemBytesAreTheBodysOwnSlices() throws {
        let body = Array(#"  [ {"sg_event_id":"a","event":"open"} ,{"sg_event_id":"b","event":"click","x":[1,{"y":null}]}]  "#.utf8)
        let items = try Self.split(.sendgrid, body)
        #expect(items.map { String(decoding: $0.bytes, as: UTF8.self) } == [#"{"sg_event_id":"a","event":"open"}"#,
                                                                            #"{"sg_event_id":"b","event":"click","x":[1,{"y":null}]}"#])
        #expect(items[1].bytes.startIndex == 40)
    }

    @Test func anEmptyBatchHasNoItems() throws {
        #expect(try Self.split(.sendgrid, Array("[]".utf8)).isEmpty)
        #expect(try Self.split(.microsoftGraph, Array(#"{"value":[ ]}"#.utf8)).isEmpty)
    }

    @Test func itemSourcesMayReadRequestHeaders() throws {
        let layout = BatchLayout(itemsPath: ["items"], deliveryID: .digest(prefix: "x-", of: [.header("X-Batch"), .bodyField("n")]),
                                 eventName: .firstPresent([.bodyField("kind"), .constant("unknown")]))
        let body = Array(#"{"items":[{"n":1,"kind":"a"},{"n":2}],"items":"ignored duplicate"}"#.utf8)
        let items = try BatchSplitter(layout: layout).split(body: body) { $0 == "X-Batch" ? "b7" : nil }
        #expect(items.map(\.attributes.event) == ["a", "unknown"])
        #expect(items[0].attributes.deliveryID == "x-" + StableDigest.fnv1a128(parts: ["b7", "1"]))
    }

    // MARK: Failures

    func failure(_ definition: WebhookDefinition, _ text: String) -> DeliveryReadError? {
        do {
            _ = try Self.split(definition, Array(text.utf8))
            return nil
        } catch let error as DeliveryReadError {
            return error
        } catch {
            return nil
        }
    }

    @Test func anItemWithoutItsEventNamesTheItem() throws {
        let error = try #require(failure(.sendgrid, #"[{"sg_event_id":"a","event":"open"},{"sg_event_id":"b"}]"#))
        #expect(error.reason == .missingEvent)
        #expect(error.itemIndex == 1)
        #expect(error.message.contains("item 1"))
        #expect(error.message.contains("body field 'event'"))
        #expect(failure(.sendgrid, #"[{"event":"open"}]"#)?.reason == .missingDeliveryID)
    }

    @Test func structuralProblemsAreMalformedBodies() {
        let cases = [
            (WebhookDefinition.sendgrid, #"{"events":[]}"#, "must be a JSON array"),
            (.sendgrid, #"[{"sg_event_id":"a","event":"open"}, 3]"#, "item 1 of the batch is not a JSON object"),
            (.sendgrid, #"[{"sg_event_id":"a","event":"open"}] trailing"#, "unexpected content after"),
            (.sendgrid, #"[{"sg_event_id":"a","event":"open"},]"#, "item 1 of the batch is not a JSON object"),
            (.sendgrid, #"[{"sg_event_id":"a","event":"open"}"#, "unexpected end"),
            (.microsoftGraph, #"{"value":{"changeType":"created"}}"#, "must be a JSON array"),
            (.microsoftGraph, #"{"values":[]}"#, "no array of items at 'value'"),
            (.microsoftGraph, #"[]"#, "must be a JSON object holding the items"),
            (.okta, #"{"data":[{"events":[]}]}"#, "passes through a value that is not an object"),
            (.okta, #"{"data":{"events":[]},"extra":tru}"#, "invalid literal"),
        ]
        for (definition, body, fragment) in cases {
            let error = failure(definition, body)
            #expect(error?.reason == .malformedBody, "\(body)")
            #expect(error?.message.contains(fragment) == true, "\(body): \(error?.message ?? "accepted")")
        }
    }

    @Test func moreItemsThanTheLimitAreRefused() throws {
        let layout = BatchLayout(itemsPath: [], deliveryID: .bodyField("id"), eventName: .bodyField("e"), maximumItems: 2)
        let splitter = BatchSplitter(layout: layout)
        let two = Array(#"[{"id":"1","e":"x"},{"id":"2","e":"x"}]"#.utf8)
        #expect(try splitter.split(body: two) { _ in nil }.count == 2)
        let three = Array(#"[{"id":"1","e":"x"},{"id":"2","e":"x"},{"id":"3","e":"x"}]"#.utf8)
        #expect(throws: DeliveryReadError.self) { try splitter.split(body: three) { _ in nil } }
        do {
            _ = try splitter.split(body: three) { _ in nil }
        } catch {
            #expect(error.reason == .tooManyItems)
            #expect(error.message.contains("more than 2 items"))
        }
    }

    @Test func nestingBeyondTheLimitIsRefusedWithoutRecursion() throws {
        let layout = BatchLayout(itemsPath: [], deliveryID: .bodyField("id"), eventName: .bodyField("e"), maximumDepth: 5)
        let splitter = BatchSplitter(layout: layout)
        // Levels: array 1, item 2, then 3 more = 5.
        let atLimit = Array(#"[{"id":"1","e":"x","a":[[{}]]}]"#.utf8)
        #expect(try splitter.split(body: atLimit) { _ in nil }.count == 1)
        let beyond = Array(#"[{"id":"1","e":"x","a":[[{"b":[]}]]}]"#.utf8)
        do {
            _ = try splitter.split(body: beyond) { _ in nil }
            Issue.record("accepted nesting beyond the limit")
        } catch {
            #expect(error.reason == .bodyTooDeep)
        }
        // A hostile body far deeper than any stack would allow is refused, not crashed on.
        let hostile = Array(("[{\"id\":\"1\",\"e\":\"x\",\"a\":" + String(repeating: "[", count: 200_000)).utf8)
        #expect(throws: DeliveryReadError.self) { try Self.split(.sendgrid, hostile) }
    }

    @Test func invalidLayoutsAreRegistryErrors() {
        let bad = WebhookDefinition(name: try! DefinitionName("bad-batch"), title: "Bad", signature: .genericHMAC,
                                    batch: BatchLayout(itemsPath: ["a", ""], deliveryID: .bodyField("id"), eventName: .header("bad header"),
                                                       maximumItems: 0),
                                    events: [])
        #expect(bad.problems.count == 3)
        #expect(throws: InletCoreError.self) { try DefinitionRegistry([bad]) }
    }

    // MARK: Differential checks against Foundation

    /// Random batches of random objects: every item the splitter cuts must be the document's item, byte for byte.
    @Test func randomBatchesSplitExactlyAsFoundationParsesThem() throws {
        var random = SplitMix64(seed: 0x1DEF1)
        for _ in 0..<300 {
            let count = Int(random.next() % 6)
            var text = "["
            for index in 0..<count {
                if index > 0 { text += random.next() % 2 == 0 ? "," : " ,\n" }
                text += "{\"sg_event_id\":\"id\(index)\",\"event\":\"e\",\"payload\":\(RandomJSON.value(&random, depth: 0))}"
            }
            text += "]"
            let body = Array(text.utf8)
            let items = try Self.split(.sendgrid, body)
            try Self.expectExactItems(items, body: body, path: [])
        }
    }

    /// Random single-byte corruptions of valid batches: whatever the splitter still accepts, Foundation must parse
    /// too (the splitter never hands on invalid JSON).
    @Test func corruptedBatchesAreNeverAcceptedWhenFoundationRefusesThem() throws {
        var random = SplitMix64(seed: 0xC0FFEE)
        let alphabet = Array(#"{}[],:"\ -0123456789.eEtruefalsn"#.utf8) + [0x00, 0x1F, 0xC3, 0xA9, 0xFF]
        var accepted = 0
        for _ in 0..<2_000 {
            // Short numbers only: one corrupted byte can turn 6.02e+23 into 6.02e323, valid JSON
            // that Foundation refuses because it overflows a Double.
            var text = "[{\"sg_event_id\":\"a\",\"event\":\"e\",\"p\":\(RandomJSON.value(&random, depth: 0, numbers: RandomJSON.shortNumbers))}]"
            if random.next() % 2 == 0 { text = "[" + String(text.dropFirst().dropLast()) + ",{\"sg_event_id\":\"b\",\"event\":\"f\"}]" }
            var body = Array(text.utf8)
            let position = Int(random.next() % UInt64(body.count))
            body[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
            guard (try? Self.split(.sendgrid, body)) != nil else { continue }
            accepted += 1
            #expect((try? JSONSerialization.jsonObject(with: Data(body))) != nil, "accepted invalid JSON: \(String(decoding: body, as: UTF8.self))")
        }
        #expect(accepted > 100) // the corruption sometimes leaves valid JSON: the check above ran
    }
}

/// A small deterministic generator (SplitMix64), so random tests are reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random JSON text: nested objects and arrays, strings with escapes and non-ASCII, numbers in every form.
enum RandomJSON {
    static let strings = [#""""#, #""plain""#, #""esc\"aped\\ \/ \n\t\b\f\r""#, #""\u00e9t\u00C9""#, "\"caf\u{e9} \u{1F600}\"",
                          #""\ud83d\ude00""#, #""with , and : and ] inside""#]
    static let shortNumbers = ["0", "-0", "12", "-3.25", "1e10", "1E-2", "6.02e+2"]
    static let allNumbers = shortNumbers + ["6.02e+23", "9007199254740993"]

    static func value(_ random: inout SplitMix64, depth: Int, numbers: [String] = allNumbers) -> String {
        switch random.next() % (depth > 4 ? 4 : 6) {
        case 0: return strings[Int(random.next() % UInt64(strings.count))]
        case 1: return numbers[Int(random.next() % UInt64(numbers.count))]
        case 2: return ["true", "false", "null"][Int(random.next() % 3)]
        case 3: return " \t\n"
            .prefix(Int(random.next() % 3)) + strings[Int(random.next() % UInt64(strings.count))]
        case 4:
            let members = (0..<Int(random.next() % 4)).map { index in "\"k\(index)\" : \(value(&random, depth: depth + 1, numbers: numbers))" }
            return "{" + members.joined(separator: ",") + "}"
        default:
            let elements = (0..<Int(random.next() % 4)).map { _ in value(&random, depth: depth + 1, numbers: numbers) }
            return "[" + elements.joined(separator: ", ") + "]"
        }
    }
}
