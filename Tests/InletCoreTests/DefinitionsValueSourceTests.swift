import Foundation
import Testing
@testable import InletCore

/// Resolving value sources: JSON member lookup, fallbacks, digests, times, forms, and the limits on values.
@Suite struct DefinitionsValueSourceTests {
    static func definition(_ deliveryID: ValueSource, _ eventName: ValueSource = .constant("e"), variant: ValueSource? = nil,
                           eventTime: ValueSource? = nil, encoding: BodyEncoding = .json) -> WebhookDefinition {
        WebhookDefinition(name: try! DefinitionName("test"), title: "Test", signature: .genericHMAC, bodyEncoding: encoding,
                          deliveryID: deliveryID, eventName: eventName, variant: variant, eventTime: eventTime, events: [])
    }

    static func read(_ definition: WebhookDefinition, _ body: String, headers: [String: String] = [:]) throws(DeliveryReadError) -> DeliveryAttributes {
        try DeliveryAttributeReader(definition: definition).read(body: Array(body.utf8)) { name in
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    static func failure(_ definition: WebhookDefinition, _ body: String, headers: [String: String] = [:]) -> DeliveryReadError? {
        do {
            _ = try read(definition, body, headers: headers)
            return nil
        } catch {
            return error
        }
    }

    // MARK: JSON members

    @Test func nestedPathsAndKeysWithDotsAreFound() throws {
        let body = #"{"resourceData":{"@odata.etag":"W/\"1\"","id":"r1"},"event":{"type":"message","ts":12}}"#
        let attributes = try Self.read(Self.definition(.bodyPath(["resourceData", "@odata.etag"]), .bodyPath(["event", "type"]),
                                                       variant: .bodyPath(["event", "ts"])), body)
        #expect(attributes == DeliveryAttributes(deliveryID: #"W/"1""#, event: "message", variant: "12"))
    }

    @Test func escapedKeysMatchAndEscapedValuesAreDecoded() throws {
        let body = #"{"\u0069d":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/","ev\u0065nt":"x"}"#
        let attributes = try Self.read(Self.definition(.bodyField("id"), .bodyField("event")), body)
        #expect(attributes.deliveryID == "café 😀 \"q\" \\ /")
        #expect(attributes.event == "x")
    }

    @Test func numbersYieldTheirLiteralTextAndOtherKindsYieldNothing() throws {
        let body = #"{"id":1564113600000,"big":9007199254740993123,"f":-1.5e3,"t":true,"n":null,"o":{},"a":["x"]}"#
        #expect(try Self.read(Self.definition(.bodyField("id")), body).deliveryID == "1564113600000")
        #expect(try Self.read(Self.definition(.bodyField("big")), body).deliveryID == "9007199254740993123")
        #expect(try Self.read(Self.definition(.bodyField("f")), body).deliveryID == "-1.5e3")
        for key in ["t", "n", "o", "a", "missing"] {
            #expect(Self.failure(Self.definition(.bodyField(key)), body)?.reason == .missingDeliveryID, "\(key)")
        }
    }

    @Test func theFirstOccurrenceOfARepeatedMemberWins() throws {
        let attributes = try Self.read(Self.definition(.bodyField("id")), #"{"id":"first","id":"second"}"#)
        #expect(attributes.deliveryID == "first")
    }

    @Test func anEmptyValueCountsAsAbsent() throws {
        let definition = Self.definition(.firstPresent([.bodyField("id"), .header("X-Id")]))
        #expect(try Self.read(definition, #"{"id":""}"#, headers: ["x-id": "h1"]).deliveryID == "h1")
        #expect(Self.failure(definition, #"{"id":""}"#, headers: ["X-Id": ""])?.reason == .missingDeliveryID)
    }

    @Test func fallbacksTakeTheFirstPresentSource() throws {
        let definition = Self.definition(.firstPresent([.header("X-Shopify-Event-Id"), .header("X-Shopify-Webhook-Id")]))
        #expect(try Self.read(definition, "", headers: ["X-Shopify-Webhook-Id": "w", "X-Shopify-Event-Id": "e"]).deliveryID == "e")
        #expect(try Self.read(definition, "", headers: ["X-Shopify-Webhook-Id": "w"]).deliveryID == "w")
    }

    @Test func sourcesListTheHeadersAndBodyPathsTheyRead() {
        #expect(WebhookDefinition.shopify.deliveryID.headerNames == ["X-Shopify-Event-Id", "X-Shopify-Webhook-Id"])
        #expect(WebhookDefinition.shopify.deliveryID.bodyPaths.isEmpty)
        let zoom = WebhookDefinition.zoom.deliveryID
        #expect(zoom.headerNames.isEmpty)
        #expect(zoom.bodyPaths.first == ["event"])
        #expect(zoom.bodyPaths.contains(["payload", "object", "participant", "user_id"]))
        let repeated = ValueSource.firstPresent([.bodyField("a"), .time(.bodyPath(["a"]), .rfc3339), .digest(prefix: "x", of: [.bodyField("b")])])
        #expect(repeated.bodyPaths == [["a"], ["b"]])
    }

    @Test func headerOnlyDefinitionsNeverReadTheBody() throws {
        let reader = DeliveryAttributeReader(definition: .github)
        #expect(!reader.readsBody)
        let attributes = try reader.read(body: Array("not json at all".utf8)) { name in
            ["x-github-delivery": "d1", "x-github-event": "push"][name.lowercased()]
        }
        #expect(attributes == DeliveryAttributes(deliveryID: "d1", event: "push"))
    }

    @Test func theScanStopsOnceEverythingWasFound() throws {
        // The garbage after the wanted member is never reached (downstream stages parse the body fully).
        #expect(try Self.read(Self.definition(.bodyField("id")), #"{"id":"x", garbage"#).deliveryID == "x")
        #expect(Self.failure(Self.definition(.bodyField("other")), #"{"id":"x", garbage"#)?.reason == .malformedBody)
    }

    @Test func malformedBodiesNameTheByteAndNeverQuoteThePayload() {
        let cases = [
            (#"["id"]"#, "must be a JSON object"),
            (#"{"a":1,}"#, "expected a member name"),
            (#"{"a" 1}"#, "expected ':'"),
            (#"{"a":"\x"}"#, "invalid escape"),
            ("{\"a\":\"tab\there\"}", "control character"),
            (#"{"a":"\u12G4"}"#, "four hex digits"),
            (#"{"a":"\ud800"}"#, "unpaired UTF-16 surrogate"),
            (#"{"a":"\udc00\ud800"}"#, "unpaired UTF-16 surrogate"),
            (#"{"a":01}"#, "expected ',' or '}'"),
            (#"{"a":1.}"#, "digits must follow '.'"),
            (#"{"a":1e}"#, "digits must follow the exponent"),
            (#"{"a":-}"#, "invalid number"),
            (#"{"a":nul}"#, "invalid literal"),
            (#"{"a":[1 2]}"#, "expected ',' or ']'"),
            (#"{"a":1} {}"#, "unexpected content after"),
            (#"{"a":"secret-payload-value"#, "unterminated string"),
            ("", "unexpected end"),
        ]
        for (body, fragment) in cases {
            let error = Self.failure(Self.definition(.bodyField("wanted")), body)
            #expect(error?.reason == .malformedBody, "\(body)")
            #expect(error?.message.contains(fragment) == true, "\(body): \(error?.message ?? "accepted")")
            #expect(error?.message.contains("secret-payload-value") == false)
        }
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x28, 0xA1], [0xFF]] {
            let body = Array(#"{"a":""#.utf8) + bytes + Array(#""}"#.utf8)
            #expect(throws: DeliveryReadError.self) {
                try DeliveryAttributeReader(definition: Self.definition(.bodyField("b"))).read(body: body) { _ in nil }
            }
        }
        let valid = Array(#"{"b":""#.utf8) + [0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80] + Array(#""}"#.utf8)
        #expect((try? DeliveryAttributeReader(definition: Self.definition(.bodyField("b"))).read(body: valid) { _ in nil })?.deliveryID == "é€😀")
    }

    @Test func deepNestingIsRefusedAsTooDeep() {
        let deep = #"{"id":"x","a":"# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}"
        #expect(Self.failure(Self.definition(.bodyField("missing")), deep)?.reason == .bodyTooDeep)
        let fine = #"{"a":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + #","id":"x"}"#
        #expect((try? Self.read(Self.definition(.bodyField("id")), fine))?.deliveryID == "x")
    }

    // MARK: Limits on values

    @Test func overlongOrControlCharacterValuesAreInvalidMetadata() {
        let long = String(repeating: "x", count: 257)
        #expect(Self.failure(Self.definition(.header("X-Id")), "", headers: ["X-Id": long])?.reason == .invalidMetadata)
        #expect(Self.failure(Self.definition(.bodyField("id")), #"{"id":"a\nb"}"#)?.reason == .invalidMetadata)
        #expect(Self.failure(Self.definition(.constant("id"), .bodyField("e")), #"{"e":"a\u007fb"}"#)?.reason == .invalidMetadata)
        #expect((try? Self.read(Self.definition(.header("X-Id")), "", headers: ["X-Id": String(repeating: "x", count: 256)])) != nil)
    }

    @Test func missingValuesNameTheirSource() {
        let error = Self.failure(Self.definition(.bodyPath(["event-data", "id"])), #"{}"#)
        #expect(error?.reason == .missingDeliveryID)
        #expect(error?.message == "the delivery ID (body field 'event-data.id') is missing or empty")
        let event = Self.failure(Self.definition(.constant("x"), .firstPresent([.header("Linear-Event"), .bodyField("type")])), "{}")
        #expect(event?.message == "the event name (header Linear-Event or body field 'type') is missing or empty")
    }

    // MARK: Digests

    @Test func fnv1a128MatchesTheReferenceValues() {
        #expect(StableDigest.fnv1a128([UInt8]()) == "6c62272e07bb014262b821756295c58d")
        #expect(StableDigest.fnv1a128(Array("a".utf8)) == "d228cb696f1a8caf78912b704e4a8964")
        #expect(StableDigest.fnv1a128(Array("foobar".utf8)) == "343e1662793c64bf6f0d3597ba446f18")
    }

    @Test func digestPartsAreFramedSoShiftedBytesOrMissingPartsDiffer() {
        // Values computed independently (Python) from the documented framing.
        #expect(StableDigest.fnv1a128(parts: ["ab", "c"]) == "95b8673386dfbbeb842bb6707793c6ba")
        #expect(StableDigest.fnv1a128(parts: ["a", "bc"]) == "d5e345bcf8943b922c8ebe836e8f8562")
        #expect(StableDigest.fnv1a128(parts: [nil, "x"]) == "48f1a9d64e662144e18e3eff600f2ea1")
        #expect(StableDigest.fnv1a128(parts: ["x", nil]) != StableDigest.fnv1a128(parts: [nil, "x"]))
    }

    @Test func aDigestSourceNeedsAtLeastOnePart() throws {
        let definition = Self.definition(.digest(prefix: "d-", of: [.bodyField("a"), .bodyPath(["b", "c"])]))
        #expect(try Self.read(definition, #"{"b":{"c":7}}"#).deliveryID == "d-" + StableDigest.fnv1a128(parts: [nil, "7"]))
        #expect(Self.failure(definition, #"{"b":{}}"#)?.reason == .missingDeliveryID)
    }

    // MARK: Times

    @Test func unixTimesBecomeRFC3339() throws {
        let cases: [(String, ValueSource.TimeFormat, String?)] = [
            ("1700000000", .unixSeconds, "2023-11-14T22:13:20.000Z"),
            ("1521472262.908181", .unixSeconds, "2018-03-19T15:11:02.908Z"),
            ("1521472262.9", .unixSeconds, "2018-03-19T15:11:02.900Z"),
            ("1564113600123", .unixMilliseconds, "2019-07-26T04:00:00.123Z"),
            ("0", .unixSeconds, "1970-01-01T00:00:00.000Z"),
            ("-5", .unixSeconds, nil),
            ("1.5", .unixMilliseconds, nil),
            ("12a", .unixSeconds, nil),
            ("1.", .unixSeconds, nil),
            ("99999999999999", .unixSeconds, nil),
        ]
        for (text, format, expected) in cases {
            #expect(ProviderTime.rfc3339(from: text, format: format) == expected, "\(text)")
        }
    }

    @Test func rfc3339TimesAreCheckedAndNormalised() {
        let cases: [(String, String?)] = [
            ("2023-08-21T11:57:54.213786Z", "2023-08-21T11:57:54.213786Z"),
            ("2023-03-29T18:00:27.877041743Z", "2023-03-29T18:00:27.877041743Z"),
            ("2019-03-27T16:59:52+02:00", "2019-03-27T16:59:52+02:00"),
            ("2024-10-18T14:42:53.064834", "2024-10-18T14:42:53.064834Z"),
            ("2024-10-18t14:42:53z", "2024-10-18T14:42:53Z"),
            ("2024-13-18T14:42:53Z", nil),
            ("2024-10-18 14:42:53Z", nil),
            ("2024-10-18T14:42:53.Z", nil),
            ("2024-10-18T14:42:53+0200", nil),
            ("2024-10-18T14:42:53Zjunk", nil),
            ("1700000000", nil),
        ]
        for (text, expected) in cases {
            #expect(ProviderTime.normalisedRFC3339(text) == expected, "\(text)")
        }
    }

    @Test func anUnparseableTimeYieldsNothingSoTheReceiveTimeIsUsed() throws {
        let definition = Self.definition(.constant("x"), eventTime: .time(.bodyField("ts"), .unixSeconds))
        #expect(try Self.read(definition, #"{"ts":"soon"}"#).eventTime == nil)
        #expect(try Self.read(definition, #"{"ts":1700000000}"#).eventTime == "2023-11-14T22:13:20.000Z")
    }

    // MARK: Forms

    @Test func formBodiesAreReadFieldByField() throws {
        let definition = Self.definition(.bodyField("MessageSid"), .bodyField("MessageStatus"), variant: .bodyField("Body"), encoding: .formURLEncoded)
        let attributes = try Self.read(definition, "MessageSid=SM123&MessageStatus=delivered&Body=Hello+w%C3%B6rld%21&MessageSid=ignored")
        #expect(attributes == DeliveryAttributes(deliveryID: "SM123", event: "delivered", variant: "Hello wörld!"))
        #expect(Self.failure(definition, "MessageSid=%ZZ")?.reason == .malformedBody)
        #expect(Self.failure(definition, "MessageSid=%C3")?.reason == .malformedBody)
    }

    @Test func formFieldsParseEdgeCases() throws {
        let fields = try FormFields.parse(Array("a=1&&b&c=&=d&e=x=y".utf8))
        #expect(fields.map(\.name) == ["a", "b", "c", "", "e"])
        #expect(fields.map(\.value) == ["1", "", "", "d", "x=y"])
    }

    // MARK: Generic HMAC metadata

    @Test func sourceSpecificationsParse() throws {
        #expect(try ValueSource(specification: "header:X-Delivery") == .header("X-Delivery"))
        #expect(try ValueSource(specification: "body:/id") == .bodyField("id"))
        #expect(try ValueSource(specification: "body:/event/type") == .bodyPath(["event", "type"]))
        #expect(try ValueSource(specification: "body:/a~1b/c~0d/e~01") == .bodyPath(["a/b", "c~d", "e~1"]))
        #expect(try ValueSource(specification: "header:X-Id | body:/data/id|constant:fallback")
                == .firstPresent([.header("X-Id"), .bodyPath(["data", "id"]), .constant("fallback")]))
        for bad in ["X-Id", "header:", "header:bad name", "body:id", "body:/", "body:/a//b", "constant:", "header:X|"] {
            #expect(throws: InletCoreError.self, "\(bad)") { try ValueSource(specification: bad) }
        }
    }

    @Test func genericHMACMetadataConfiguresTheSources() throws {
        let sources = try GenericHMACSources(options: [
            "delivery_id": "header:X-Acme-Delivery", "event_name": "body:/event/type", "variant": "constant:v2",
            "event_time": "body:/ts", "event_time_format": "unix-milliseconds",
        ])
        let definition = sources.definition()
        #expect(definition.name.rawValue == "generic-hmac")
        #expect(definition.signature == .genericHMAC)
        #expect(definition.handshakes == [.challengeQueryEcho])
        let attributes = try Self.read(definition, #"{"event":{"type":"invoice.paid"},"ts":1564113600123}"#, headers: ["X-Acme-Delivery": "d-1"])
        #expect(attributes == DeliveryAttributes(deliveryID: "d-1", event: "invoice.paid", variant: "v2", eventTime: "2019-07-26T04:00:00.123Z"))
    }

    @Test func genericHMACDefaultsReadCommonPlaces() throws {
        let definition = GenericHMACSources().definition()
        #expect(try Self.read(definition, #"{"id":"evt_1","type":"user.created"}"#) == DeliveryAttributes(deliveryID: "evt_1", event: "user.created"))
        #expect(try Self.read(definition, #"{"event":"ping"}"#, headers: ["Webhook-Id": "w1"]) == DeliveryAttributes(deliveryID: "w1", event: "ping"))
        #expect(try Self.read(definition, #"{"id":"b"}"#, headers: ["X-Webhook-Id": "h", "X-Webhook-Event": "e"]) == DeliveryAttributes(deliveryID: "h", event: "e"))
    }

    @Test func badGenericHMACMetadataNamesTheKey() {
        let cases: [([String: String], String)] = [
            (["delivery": "header:X"], "'delivery' is unknown"),
            (["delivery_id": "query:id"], "'delivery_id': a source must start with"),
            (["event_name": "body:event"], "'event_name': 'body:' must be followed by a JSON pointer"),
            (["event_time_format": "iso"], "'event_time_format' must be one of rfc3339, unix-seconds, unix-milliseconds"),
        ]
        for (options, fragment) in cases {
            do {
                _ = try GenericHMACSources(options: options)
                Issue.record("accepted \(options)")
            } catch {
                #expect(error.code == .invalidConfiguration)
                #expect(error.reason.contains(fragment), "\(error.reason)")
            }
        }
    }

    @Test func genericHMACMetadataDecodesWithTheOffendingKeyInThePath() throws {
        struct Integration: Decodable { let metadata: GenericHMACSources }
        let good = try JSONDecoder().decode(Integration.self, from: Data(#"{"metadata":{"event_name":"header:X-Kind"}}"#.utf8))
        #expect(good.metadata.eventName == .header("X-Kind"))
        do {
            _ = try JSONDecoder().decode(Integration.self, from: Data(#"{"metadata":{"event_name":"body:kind"}}"#.utf8))
            Issue.record("accepted a bad pointer")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.codingPath.map(\.stringValue) == ["metadata", "event_name"])
            #expect(context.debugDescription.contains("JSON pointer"))
        }
    }
}
