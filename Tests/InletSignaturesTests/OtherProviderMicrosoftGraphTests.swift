import InletSignatures
import Testing

@Suite("OtherProvider MicrosoftGraphVerifier")
struct OtherProviderMicrosoftGraphTests {
    static func notification(_ clientState: String?) -> String {
        let state = clientState.map { #","clientState":"\#($0)""# } ?? ""
        return #"{"subscriptionId":"7f105c7d","changeType":"created","resource":"Users/1/Messages/2","tenantId":"t"\#(state)}"#
    }

    func verify(_ body: String, states: [String] = ["secretClientValue"]) throws -> SignatureRejection? {
        try MicrosoftGraphVerifier(clientStates: states).verify(OtherProviderRequests.request(headers: [("Content-Type", "application/json")], body: body))
    }

    @Test func acceptsABatchWhoseItemsAllCarryTheClientState() throws {
        let body = #"{"value":[\#(Self.notification("secretClientValue")),\#(Self.notification("secretClientValue"))]}"#
        #expect(try verify(body) == nil)
    }

    @Test func acceptsItemsFromSubscriptionsWithTheOldAndTheNewSecret() throws {
        let body = #"{"value":[\#(Self.notification("old")),\#(Self.notification("new"))]}"#
        #expect(try verify(body, states: ["old", "new"]) == nil)
        #expect(try verify(body, states: ["new"])?.reason == .signatureMismatch)
    }

    @Test func rejectsABatchWithOneItemLackingOrMismatchingIt() throws {
        let lacking = try verify(#"{"value":[\#(Self.notification("secretClientValue")),\#(Self.notification(nil))]}"#)
        #expect(lacking?.reason == .signatureMissing)
        #expect(lacking?.message.contains("#2") == true)
        let wrong = try verify(#"{"value":[\#(Self.notification("secretClientValue")),\#(Self.notification("secretClientValuf"))]}"#)
        #expect(wrong?.reason == .signatureMismatch)
        #expect(wrong?.message.contains("secretClientValue") == false)
    }

    @Test("bodies without a usable value array are malformed",
          arguments: ["", "[]", #"{"value":[]}"#, #"{"value":{}}"#, #"{"value":[1]}"#, #"{"value":[{}],}"#,
                      #"{"value":[{"clientState":"a"}],"value":[]}"#, String(repeating: "[", count: 40) + String(repeating: "]", count: 40)])
    func rejectsMalformedBodies(body: String) throws {
        #expect(try verify(body)?.reason == .signatureMalformed)
    }

    @Test func rejectsANonStringClientState() throws {
        #expect(try verify(#"{"value":[{"clientState":1}]}"#)?.reason == .signatureMissing)
    }

    @Test func honoursTheSizeLimit() throws {
        let verifier = try MicrosoftGraphVerifier(clientStates: ["s"], options: .init(maximumBodyBytes: 64))
        let body = #"{"value":[{"clientState":"s","pad":"\#(String(repeating: "x", count: 100))"}]}"#
        #expect(verifier.verify(OtherProviderRequests.request(headers: [], body: body))?.reason == .signatureMalformed)
    }

    @Test func neverCrashesOnHostileBodies() throws {
        let verifier = try MicrosoftGraphVerifier(clientStates: ["s"])
        for body in OtherProviderRequests.hostileBodies {
            let rejection = verifier.verify(InboundRequest(url: "https://h/", headers: [:], body: body, now: 0))
            #expect(rejection != nil)
        }
    }

    @Test func refusesEmptyClientStates() {
        #expect(throws: SignatureError.self) { try MicrosoftGraphVerifier(clientStates: []) }
        #expect(throws: SignatureError.self) { try MicrosoftGraphVerifier(clientStates: [""]) }
    }
}
