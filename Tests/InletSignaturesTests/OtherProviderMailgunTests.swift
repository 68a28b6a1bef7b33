@testable import InletSignatures
import Testing

@Suite("OtherProvider MailgunVerifier")
struct OtherProviderMailgunTests {
    static let key = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
    let now = OtherProviderRequests.now

    func body(timestamp: String, token: String, key: String = key, signature: String? = nil) throws -> String {
        let signature = try signature ?? MailgunVerifier.signature(timestamp: timestamp, token: token, signingKey: key)
        return #"{"signature":{"timestamp":"\#(timestamp)","token":"\#(token)","signature":"\#(signature)"},"event-data":{"event":"opened"}}"#
    }

    func request(_ body: String, now: Int64? = nil) -> InboundRequest {
        OtherProviderRequests.request(headers: [("Content-Type", "application/json")], body: body, now: now ?? self.now)
    }

    @Test func acceptsAFreshSignedTokenOnceThenReportsTheReplay() throws {
        let verifier = try MailgunVerifier(signingKeys: [Self.key])
        let signed = try body(timestamp: String(now - 5), token: "token-1")
        #expect(verifier.verify(request(signed)) == nil)
        let replay = verifier.verify(request(signed, now: now + 10))
        #expect(replay?.reason == .replayed)
        #expect(replay?.message.contains("signature.token") == true)
        // A copy of the verifier shares the cache.
        let copy = verifier
        #expect(copy.verify(request(signed))?.reason == .replayed)
    }

    @Test func forgedRequestsDoNotConsumeTheToken() throws {
        let verifier = try MailgunVerifier(signingKeys: [Self.key])
        let forged = try body(timestamp: String(now), token: "token-2", key: "wrong-key")
        #expect(verifier.verify(request(forged))?.reason == .signatureMismatch)
        #expect(verifier.verify(request(try body(timestamp: String(now), token: "token-2"))) == nil)
    }

    @Test func rejectsStaleAndFutureTimestampsWithTheConfiguredTolerance() throws {
        let verifier = try MailgunVerifier(signingKeys: [Self.key], options: .init(toleranceSeconds: 60))
        #expect(verifier.verify(request(try body(timestamp: String(now - 61), token: "t3")))?.reason == .timestampOutOfTolerance)
        #expect(verifier.verify(request(try body(timestamp: String(now + 61), token: "t4")))?.reason == .timestampOutOfTolerance)
        #expect(verifier.verify(request(try body(timestamp: String(now - 60), token: "t5"))) == nil)
    }

    @Test func acceptsAnyKeyDuringRotationAndRejectsAnAlteredToken() throws {
        let verifier = try MailgunVerifier(signingKeys: ["old-key", Self.key])
        #expect(verifier.verify(request(try body(timestamp: String(now), token: "t6"))) == nil)
        let signature = try MailgunVerifier.signature(timestamp: String(now), token: "t7", signingKey: Self.key)
        #expect(verifier.verify(request(try body(timestamp: String(now), token: "t8", signature: signature)))?.reason == .signatureMismatch)
    }

    @Test("missing or malformed signature fields are named",
          arguments: [
            (#"{"event-data":{}}"#, SignatureRejection.Reason.signatureMissing),
            (#"{"signature":"abc"}"#, .signatureMissing),
            (#"{"signature":{"timestamp":"1735689600","token":"t"}}"#, .signatureMissing),
            (#"{"signature":{"timestamp":"soon","token":"t","signature":"00"}}"#, .signatureMalformed),
            (#"{"signature":{"timestamp":"1735689600","token":"t","signature":"xyz"}}"#, .signatureMalformed),
            (#"{"signature":{"timestamp":"1735689600","token":"","signature":"\#(String(repeating: "0", count: 64))"}}"#, .signatureMalformed),
            ("not json", .signatureMalformed),
          ])
    func rejectsBadSignatureBlocks(body: String, reason: SignatureRejection.Reason) throws {
        let rejection = try MailgunVerifier(signingKeys: [Self.key]).verify(request(body))
        #expect(rejection?.reason == reason)
    }

    @Test func neverCrashesOnHostileBodies() throws {
        let verifier = try MailgunVerifier(signingKeys: [Self.key])
        for body in OtherProviderRequests.hostileBodies {
            #expect(verifier.verify(InboundRequest(url: "https://h/", headers: [:], body: body, now: now)) != nil)
        }
    }

    @Test func ledgerForgetsExpiredTokensAndEvictsTheOldestWhenFull() {
        var ledger = MailgunTokenLedger(capacity: 2)
        var outcomes: [Bool] = []
        outcomes.append(ledger.admit("a", expiresAt: 100, now: 0))
        outcomes.append(ledger.admit("b", expiresAt: 110, now: 0))
        outcomes.append(ledger.admit("a", expiresAt: 100, now: 50))   // replay
        outcomes.append(ledger.admit("c", expiresAt: 120, now: 50))   // full: "a" is evicted
        outcomes.append(ledger.admit("a", expiresAt: 130, now: 50))   // evicted, so admitted again ("b" evicted)
        outcomes.append(ledger.admit("c", expiresAt: 120, now: 60))   // replay
        outcomes.append(ledger.admit("c", expiresAt: 200, now: 121))  // expired, so admitted again
        #expect(outcomes == [true, true, false, true, true, false, true])
        #expect(ledger.count <= 2)
    }

    @Test func ledgerStaysBoundedUnderManyTokens() {
        var ledger = MailgunTokenLedger(capacity: 1_000)
        var admitted = 0
        for index in 0..<50_000 where ledger.admit("token-\(index)", expiresAt: Int64(index / 10 + 300), now: Int64(index / 10)) {
            admitted += 1
        }
        #expect(admitted == 50_000)
        #expect(ledger.count <= 1_000)
    }

    @Test func concurrentReplaysAdmitExactlyOne() async throws {
        let verifier = try MailgunVerifier(signingKeys: [Self.key])
        let signed = request(try body(timestamp: String(now), token: "shared-token"))
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 { group.addTask { verifier.verify(signed) == nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 1)
    }

    @Test func refusesUnusableConfiguration() {
        #expect(throws: SignatureError.self) { try MailgunVerifier(signingKeys: []) }
        #expect(throws: SignatureError.self) { try MailgunVerifier(signingKeys: [""]) }
        #expect(throws: SignatureError.self) { try MailgunVerifier(signingKeys: ["k"], options: .init(replayCacheCapacity: 0)) }
    }
}
