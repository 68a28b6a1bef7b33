import Foundation
import InletCore
import Testing
@testable import InletDeliverer

@Suite("CloudEventElement")
struct CloudEventElementTests {
    let envelope = Envelope(
        id: "rec-1", source: "/inlet/github/acme", type: "inlet.model.PullRequest", time: "2026-11-21T21:04:05.123Z",
        subject: "acme/1", definition: "github", event: "pull_request", integration: "acme",
        receivedAt: "2026-11-21T21:04:05.456Z", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")

    @Test("a JSON record becomes the data of a CloudEvents 1.0 structured event")
    func jsonRecord() throws {
        let bytes = CloudEventElement.encode(envelope: envelope, value: Array(#"{"number":1,"title":"A \"b\""}"#.utf8))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["specversion"] as? String == "1.0")
        #expect(object["id"] as? String == "rec-1")
        #expect(object["source"] as? String == "/inlet/github/acme")
        #expect(object["type"] as? String == "inlet.model.PullRequest")
        #expect(object["subject"] as? String == "acme/1")
        #expect(object["time"] as? String == "2026-11-21T21:04:05.123Z")
        #expect(object["datacontenttype"] as? String == "application/json")
        #expect(object["inletintegration"] as? String == "acme")
        #expect(object["traceparent"] as? String == envelope.traceparent)
        #expect(object["inletvariant"] == nil)
        let data = try #require(object["data"] as? [String: Any])
        #expect(data["number"] as? Int == 1)
        #expect(data["title"] as? String == "A \"b\"")
        // The record bytes are embedded unchanged.
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix(#","data":{"number":1,"title":"A \"b\""}}"#))
    }

    @Test("a record that is not valid JSON travels as data_base64")
    func invalidRecord() throws {
        let value = Array(#"{"number":1"#.utf8)
        let bytes = CloudEventElement.encode(envelope: envelope, value: value)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["data"] == nil)
        #expect(object["data_base64"] as? String == Data(value).base64EncodedString())
    }
}

@Suite("JSONSyntax")
struct JSONSyntaxTests {
    @Test("valid documents are accepted")
    func valid() {
        for text in [#"{}"#, #"[]"#, #" {"a":[1,-2.5e+3,true,false,null,"x\u00e9\n"]} "#, #""é😀""#, "0", "-0.0E1",
                     #"{"a":{"b":{"c":[[[]]]}}}"#] {
            #expect(JSONSyntax.isValid(Array(text.utf8)), "\(text)")
        }
    }

    @Test("invalid documents are refused")
    func invalid() {
        for text in ["", "{", #"{"a":1,}"#, "[1,]", "01", "1.", ".5", "+1", #"{"a" 1}"#, #"{a:1}"#, "tru", "nul",
                     #""\x""#, "\"a\u{01}\"", #"{"a":1} x"#, #""\u12G4""#, "[1 2]"] {
            #expect(!JSONSyntax.isValid(Array(text.utf8)), "\(text)")
        }
        #expect(!JSONSyntax.isValid([0x22, 0xC0, 0x80, 0x22]))  // overlong encoding
        #expect(!JSONSyntax.isValid([0x22, 0xED, 0xA0, 0x80, 0x22]))  // surrogate
        #expect(!JSONSyntax.isValid(Array(repeating: UInt8(ascii: "["), count: 300) + Array(repeating: UInt8(ascii: "]"), count: 300)))
    }
}
