import Testing
@testable import InletCEL

@Suite struct ExtNetworkTests {
    func eval(_ source: String) throws -> CELValue { try evaluateExtension(source, [.network]) }
    func fails(_ source: String) -> CELError? { extensionError(source, [.network]) }

    @Test func parsesLikeGoNetip() {
        for valid in ["192.168.0.1", "0.0.0.0", "::", "::1", "2001:db8::68", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8",
                      "fe80::1:2:3:4:5:6", "::1.2.3.4"] {
            #expect(IPAddressParser.parse(valid) != nil, "\(valid)")
        }
        for invalid in ["192.168.0.1.0", "01.2.3.4", "256.1.1.1", "1.2.3", "2001:db8:::68", "fe80::1%en0", "1::2::3",
                        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", ":1::", "12345::", "", "1.2.3.4:"] {
            #expect(IPAddressParser.parse(invalid) == nil, "\(invalid)")
        }
    }

    @Test func printsRFC5952CanonicalText() throws {
        #expect(try eval("string(ip('2001:DB8:0:0:1:0:0:1'))") == "2001:db8::1:0:0:1")
        #expect(try eval("string(ip('::ffff:c0a8:1'))") == "::ffff:192.168.0.1")
        #expect(try eval("ip.isCanonical('2001:db8::68')") == true)
        #expect(try eval("ip.isCanonical('2001:DB8::68')") == false)
        #expect(fails("ip.isCanonical('1.2.3')") != nil)
    }

    @Test func rejectsZonesAndInvalidAddresses() {
        #expect(fails("ip('fe80::1%en0')") != nil)
        #expect(fails("ip('1.2.3.4.5')") != nil)
        #expect(fails("cidr('::ffff:192.168.0.1/24')") != nil)
        #expect(fails("cidr('10.0.0.0/33')") != nil)
        #expect(fails("cidr('10.0.0.0/08')") != nil)
    }

    @Test func classifiesAddresses() throws {
        #expect(try eval("ip('192.168.0.1').family()") == .int(4))
        #expect(try eval("ip('::1').isLoopback()") == true)
        #expect(try eval("ip('10.0.0.1').isGlobalUnicast()") == true)
        #expect(try eval("ip('255.255.255.255').isGlobalUnicast()") == false)
        #expect(try eval("ip('fe80::1').isLinkLocalUnicast()") == true)
        #expect(try eval("ip('ff02::1').isLinkLocalMulticast()") == true)
        #expect(try eval("ip('::').isUnspecified()") == true)
        #expect(try eval("isIP('1.2.3.4')") == true)
        #expect(try eval("isIP('1.2.3.4/8')") == false)
    }

    @Test func cidrContainmentRespectsFamilies() throws {
        #expect(try eval("cidr('10.0.0.0/8').containsIP('10.1.2.3')") == true)
        #expect(try eval("cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')") == true)
        #expect(try eval("cidr('10.1.0.0/16').containsCIDR('10.0.0.0/8')") == false)
        #expect(try eval("cidr('::/0').containsIP(ip('1.2.3.4'))") == false)
        #expect(try eval("cidr('192.168.1.5/24').ip() == ip('192.168.1.5')") == true)
        #expect(try eval("cidr('192.168.1.5/24').masked() == cidr('192.168.1.0/24')") == true)
        #expect(try eval("cidr('2001:db8::/33').prefixLength()") == .int(33))
        #expect(try eval("string(cidr('2001:db8::1/64').masked())") == "2001:db8::/64")
    }

    @Test func typesAreNamedIdentifiers() throws {
        #expect(try eval("type(ip('1.2.3.4')) == net.IP") == true)
        #expect(try eval("type(cidr('1.2.3.4/32')) == net.CIDR") == true)
        #expect(fails("ip('1.2.3.4').prefixLength()") != nil)
    }
}
