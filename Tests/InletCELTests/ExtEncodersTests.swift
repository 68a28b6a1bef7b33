import Testing
@testable import InletCEL

@Suite struct ExtEncodersTests {
    @Test func encodeIsPaddedStandardBase64() throws {
        #expect(try evaluateExtension("base64.encode(b'hello')", [.encoders]) == "aGVsbG8=")
        #expect(try evaluateExtension("base64.encode(b'')", [.encoders]) == "")
    }

    @Test func decodeAcceptsPaddedAndUnpaddedInput() throws {
        #expect(try evaluateExtension("base64.decode('aGVsbG8=')", [.encoders]) == .bytes(Array("hello".utf8)))
        #expect(try evaluateExtension("base64.decode('aGVsbG8')", [.encoders]) == .bytes(Array("hello".utf8)))
    }

    @Test func decodeRejectsInvalidInput() {
        #expect(extensionError("base64.decode('a')", [.encoders]) != nil)
        #expect(extensionError("base64.decode('aGVs*G8=')", [.encoders]) != nil)
        #expect(extensionError("base64.decode('aGVsbG8==')", [.encoders]) != nil)
        #expect(extensionError("base64.decode('aG=Vs')", [.encoders]) != nil)
    }

    @Test func decodeInvertsEncodeForEveryLength() {
        for length in 0..<20 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + 11) & 0xFF) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
    }
}
