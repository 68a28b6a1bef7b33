import InletSignatures

/// Builders shared by the OtherProvider* suites (named so they cannot collide with other suites' helpers).
enum OtherProviderRequests {
    static let now: Int64 = 1_735_689_600

    static func request(url: String = "https://hooks.example.com/webhooks/test/acme", headers: [(String, String)],
                        body: String, now: Int64 = now) -> InboundRequest {
        InboundRequest(url: url, headers: InboundHeaders(headers.map { (name: $0.0, value: $0.1) }), body: Array(body.utf8), now: now)
    }

    /// Every byte string a total parser must survive: empty, truncated, binary, deep and odd input.
    static let hostileBodies: [[UInt8]] = [
        [], [0x00], [0xFF, 0xFE, 0xFD], Array("{".utf8), Array("[".utf8), Array("\"".utf8), Array("{\"a\":".utf8),
        Array(repeating: UInt8(ascii: "["), count: 100_000), Array(repeating: UInt8(ascii: "{"), count: 50_000),
        Array("{\"signature\":{\"timestamp\":\"1\",\"token\":\"\\ud800\",\"signature\":\"zz\"}}".utf8),
        Array("{\"value\":[{\"clientState\":\"\\u0000\"}]}".utf8), Array("-".utf8), Array("1e".utf8),
        Array("\u{FEFF}{}".utf8), Array("{\"a\":1,\"a\":2}".utf8), Array("%%%&&&===+++".utf8),
    ] + (0..<64).map { seed in
        // Deterministic pseudo-random bytes (a linear congruential generator), so failures reproduce.
        var state = UInt64(seed) &* 6364136223846793005 &+ 1442695040888963407
        return (0..<(seed * 7 % 200)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }
}
