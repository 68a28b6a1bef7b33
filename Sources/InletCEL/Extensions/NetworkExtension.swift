/// The network extension, with cel-go's `ext.Network()` semantics: opaque types `net.IP` and `net.CIDR`.
///
/// Parsing follows Go's `net/netip`: IPv4 in strict dotted-decimal (no leading zeros), IPv6 per RFC 4291 with an
/// optional trailing IPv4 part; zones (`fe80::1%en0`) are rejected, and a CIDR over an IPv4-mapped IPv6 address is
/// rejected. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is an IPv6 address, unequal to the IPv4 one.
/// Addresses print in RFC 5952 canonical form.
extension CELLibrary {
    public static let network = CELLibrary(
        name: "network", overloads: NetworkExtension.overloads, types: [CELIPAddress.celType, CELCIDR.celType])
}

/// An IP address (the CEL type `net.IP`).
public struct CELIPAddress: CELOpaqueValue, Hashable {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public static let celType = CELType.opaque("net.IP", [])
    public var celType: CELType { CELIPAddress.celType }

    /// Parses an address; throws for invalid text, zones included.
    public init(parsing text: String) throws(CELError) {
        guard let bytes = IPAddressParser.parse(text) else {
            if text.contains("%") {
                throw CELError(.evaluation, "IP Address with zone value is not allowed")
            }
            throw CELError(.evaluation, "IP Address '\(text)' parse error during conversion from string")
        }
        self.bytes = bytes
    }

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 4 || bytes.count == 16, "an IP address has 4 or 16 bytes")
        self.bytes = bytes
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address of an IPv4 or IPv4-mapped IPv6 address.
    var unmapped: [UInt8] {
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return Array(bytes[12..<16])
        }
        return bytes
    }

    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }

    public var isLoopback: Bool {
        let b = unmapped
        if b.count == 4 { return b[0] == 127 }
        return b[0..<15].allSatisfy { $0 == 0 } && b[15] == 1
    }

    public var isMulticast: Bool {
        let b = unmapped
        return b.count == 4 ? b[0] & 0xF0 == 0xE0 : b[0] == 0xFF
    }

    public var isLinkLocalUnicast: Bool {
        let b = unmapped
        return b.count == 4 ? b[0] == 169 && b[1] == 254 : b[0] == 0xFE && b[1] & 0xC0 == 0x80
    }

    public var isLinkLocalMulticast: Bool {
        let b = unmapped
        return b.count == 4 ? b[0] == 224 && b[1] == 0 && b[2] == 0 : b[0] == 0xFF && b[1] & 0x0F == 0x02
    }

    /// Go's `IsGlobalUnicast`: not unspecified, not the IPv4 broadcast address, not loopback, multicast or link-local.
    public var isGlobalUnicast: Bool {
        let b = unmapped
        if b.count == 4, b == [0, 0, 0, 0] || b == [255, 255, 255, 255] { return false }
        return !isUnspecified && !isLoopback && !isMulticast && !isLinkLocalUnicast
    }

    /// RFC 5952 text: dotted IPv4; lowercase IPv6 with the longest run of two or more zero groups as `::`, and
    /// IPv4-mapped addresses as `::ffff:a.b.c.d`.
    public var description: String {
        if bytes.count == 4 { return bytes.map { String($0) }.joined(separator: ".") }
        if unmapped.count == 4 { return "::ffff:" + unmapped.map { String($0) }.joined(separator: ".") }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8, groups[end] == 0 { end += 1 }
            if end - index > bestLength {
                bestStart = index
                bestLength = end - index
            }
            index = end
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    public func isEqual(to other: any CELOpaqueValue) -> Bool {
        (other as? CELIPAddress)?.bytes == bytes
    }
}

/// A CIDR range (the CEL type `net.CIDR`): an address and a prefix length. The address keeps its host bits
/// (`cidr('10.1.2.3/8').ip()` is `10.1.2.3`); ``masked`` clears them.
public struct CELCIDR: CELOpaqueValue, Hashable {
    public let address: CELIPAddress
    public let prefixLength: Int

    public static let celType = CELType.opaque("net.CIDR", [])
    public var celType: CELType { CELCIDR.celType }

    public init(parsing text: String) throws(CELError) {
        guard let slash = text.lastIndex(of: "/") else {
            throw CELError(.evaluation, "network address parse error during conversion from string")
        }
        let addressText = String(text[..<slash])
        let lengthText = text[text.index(after: slash)...]
        if addressText.contains("%") { throw CELError(.evaluation, "CIDR with zone value is not allowed") }
        guard let bytes = IPAddressParser.parse(addressText),
              !lengthText.isEmpty, lengthText.count <= 3, lengthText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              lengthText == "0" || !lengthText.hasPrefix("0"),
              let length = Int(lengthText), length <= bytes.count * 8
        else {
            throw CELError(.evaluation, "network address parse error during conversion from string")
        }
        let address = CELIPAddress(bytes: bytes)
        if bytes.count == 16, address.unmapped.count == 4 {
            throw CELError(.evaluation, "IPv4-mapped IPv6 address is not allowed")
        }
        self.address = address
        self.prefixLength = length
    }

    init(address: CELIPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// The range with host bits cleared.
    public var masked: CELCIDR {
        CELCIDR(address: CELIPAddress(bytes: CELCIDR.mask(address.bytes, prefixLength)), prefixLength: prefixLength)
    }

    /// Whether the address lies in the range; addresses of the other family never do.
    public func contains(_ ip: CELIPAddress) -> Bool {
        ip.bytes.count == address.bytes.count
            && CELCIDR.mask(ip.bytes, prefixLength) == CELCIDR.mask(address.bytes, prefixLength)
    }

    /// Whether `other` lies entirely inside this range.
    public func contains(_ other: CELCIDR) -> Bool {
        other.address.bytes.count == address.bytes.count && prefixLength <= other.prefixLength
            && contains(other.address)
    }

    public var description: String { "\(address)/\(prefixLength)" }

    public func isEqual(to other: any CELOpaqueValue) -> Bool {
        (other as? CELCIDR) == self
    }

    static func mask(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var result = bytes
        for index in result.indices {
            let bitsHere = min(max(length - index * 8, 0), 8)
            result[index] &= bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
        }
        return result
    }
}

enum NetworkExtension {
    static let overloads: [CELOverload] = [
        .global("ip", id: "string_to_ip", .string, result: CELIPAddress.celType) { s throws(CELError) in
            .opaque(try CELIPAddress(parsing: s.asString))
        },
        .global("cidr", id: "string_to_cidr", .string, result: CELCIDR.celType) { s throws(CELError) in
            .opaque(try CELCIDR(parsing: s.asString))
        },
        .global("isIP", id: "is_ip", .string, result: .bool) { s throws(CELError) in
            .bool(IPAddressParser.parse(s.asString) != nil)
        },
        .global("isCIDR", id: "is_cidr", .string, result: .bool) { s throws(CELError) in
            do { _ = try CELCIDR(parsing: s.asString) } catch { return .bool(false) }
            return .bool(true)
        },
        .global("ip.isCanonical", id: "ip_is_canonical", .string, result: .bool) { s throws(CELError) in
            .bool(try CELIPAddress(parsing: s.asString).description == s.asString)
        },
        .global("string", id: "ip_to_string", CELIPAddress.celType, result: .string) { v throws(CELError) in
            .string(try ip(v, "string").description)
        },
        .global("string", id: "cidr_to_string", CELCIDR.celType, result: .string) { v throws(CELError) in
            .string(try cidr(v, "string").description)
        },
        .member("family", id: "ip_family", on: CELIPAddress.celType, result: .int) { v throws(CELError) in
            .int(try ip(v, "family").isIPv4 ? 4 : 6)
        },
        ipPredicate("isUnspecified", id: "ip_is_unspecified") { $0.isUnspecified },
        ipPredicate("isLoopback", id: "ip_is_loopback") { $0.isLoopback },
        ipPredicate("isGlobalUnicast", id: "ip_is_global_unicast") { $0.isGlobalUnicast },
        ipPredicate("isLinkLocalMulticast", id: "ip_is_link_local_multicast") { $0.isLinkLocalMulticast },
        ipPredicate("isLinkLocalUnicast", id: "ip_is_link_local_unicast") { $0.isLinkLocalUnicast },
        .member("containsIP", id: "cidr_contains_ip", on: CELCIDR.celType, CELIPAddress.celType, result: .bool) {
            range, address throws(CELError) in
            .bool(try cidr(range, "containsIP").contains(try ip(address, "containsIP")))
        },
        .member("containsIP", id: "cidr_contains_ip_string", on: CELCIDR.celType, .string, result: .bool) {
            range, text throws(CELError) in
            .bool(try cidr(range, "containsIP").contains(try CELIPAddress(parsing: text.asString)))
        },
        .member("containsCIDR", id: "cidr_contains_cidr", on: CELCIDR.celType, CELCIDR.celType, result: .bool) {
            range, other throws(CELError) in
            .bool(try cidr(range, "containsCIDR").contains(try cidr(other, "containsCIDR")))
        },
        .member("containsCIDR", id: "cidr_contains_cidr_string", on: CELCIDR.celType, .string, result: .bool) {
            range, text throws(CELError) in
            .bool(try cidr(range, "containsCIDR").contains(try CELCIDR(parsing: text.asString)))
        },
        .member("ip", id: "cidr_ip", on: CELCIDR.celType, result: CELIPAddress.celType) { v throws(CELError) in
            .opaque(try cidr(v, "ip").address)
        },
        .member("masked", id: "cidr_masked", on: CELCIDR.celType, result: CELCIDR.celType) { v throws(CELError) in
            .opaque(try cidr(v, "masked").masked)
        },
        .member("prefixLength", id: "cidr_prefix_length", on: CELCIDR.celType, result: .int) { v throws(CELError) in
            .int(Int64(try cidr(v, "prefixLength").prefixLength))
        },
    ]

    private static func ipPredicate(
        _ name: String, id: String, _ body: @escaping @Sendable (CELIPAddress) -> Bool
    ) -> CELOverload {
        .member(name, id: id, on: CELIPAddress.celType, result: .bool) { v throws(CELError) in
            .bool(body(try ip(v, name)))
        }
    }

    /// Dispatch matches any opaque value for an opaque parameter, so the concrete type is checked here.
    private static func ip(_ value: CELValue, _ function: String) throws(CELError) -> CELIPAddress {
        guard case .opaque(let opaque) = value, let address = opaque as? CELIPAddress else {
            throw CELError.noSuchOverload(function, value)
        }
        return address
    }

    private static func cidr(_ value: CELValue, _ function: String) throws(CELError) -> CELCIDR {
        guard case .opaque(let opaque) = value, let range = opaque as? CELCIDR else {
            throw CELError.noSuchOverload(function, value)
        }
        return range
    }
}

/// Go `net/netip.ParseAddr` rules, zones rejected.
enum IPAddressParser {
    static func parse(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        for c in chars {
            if c == UInt8(ascii: ".") { return parseIPv4(chars[...]) }
            if c == UInt8(ascii: ":") { return parseIPv6(chars) }
            if c == UInt8(ascii: "%") { return nil }
        }
        return nil
    }

    static func parseIPv4(_ chars: ArraySlice<UInt8>) -> [UInt8]? {
        var result: [UInt8] = []
        var value = 0
        var digits = 0
        var leadingZero = false
        for c in chars {
            if c >= 48, c <= 57 {
                if digits == 1, leadingZero { return nil }
                if digits == 0, c == 48 { leadingZero = true }
                value = value * 10 + Int(c - 48)
                digits += 1
                guard value <= 255 else { return nil }
            } else if c == UInt8(ascii: ".") {
                guard digits > 0, result.count < 3 else { return nil }
                result.append(UInt8(value))
                value = 0
                digits = 0
                leadingZero = false
            } else {
                return nil
            }
        }
        guard digits > 0, result.count == 3 else { return nil }
        result.append(UInt8(value))
        return result
    }

    static func parseIPv6(_ chars: [UInt8]) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: 16)
        var filled = 0
        var ellipsis = -1
        var i = 0
        if chars.count >= 2, chars[0] == UInt8(ascii: ":"), chars[1] == UInt8(ascii: ":") {
            ellipsis = 0
            i = 2
            if i == chars.count { return bytes }
        }
        while filled < 16 {
            // A hex group of one to four digits.
            var value = 0
            var digits = 0
            while i < chars.count, let digit = hexValue(chars[i]) {
                value = value << 4 | digit
                digits += 1
                guard digits <= 4 else { return nil }
                i += 1
            }
            guard digits > 0 else { return nil }
            // An embedded IPv4 address ends the text.
            if i < chars.count, chars[i] == UInt8(ascii: ".") {
                guard ellipsis >= 0 || filled == 12, filled <= 12 else { return nil }
                var start = i
                while start > 0, chars[start - 1] != UInt8(ascii: ":") { start -= 1 }
                guard let v4 = parseIPv4(chars[start...]) else { return nil }
                bytes.replaceSubrange(filled..<filled + 4, with: v4)
                filled += 4
                i = chars.count
                break
            }
            bytes[filled] = UInt8(value >> 8)
            bytes[filled + 1] = UInt8(value & 0xFF)
            filled += 2
            if i == chars.count { break }
            guard chars[i] == UInt8(ascii: ":") else { return nil }  // includes "%zone"
            i += 1
            if i < chars.count, chars[i] == UInt8(ascii: ":") {
                guard ellipsis < 0 else { return nil }
                ellipsis = filled
                i += 1
                if i == chars.count { break }
            } else if i == chars.count {
                return nil  // trailing single colon
            }
        }
        guard i == chars.count else { return nil }
        if filled < 16 {
            guard ellipsis >= 0 else { return nil }
            let gap = 16 - filled
            var expanded = [UInt8](repeating: 0, count: 16)
            expanded.replaceSubrange(0..<ellipsis, with: bytes[0..<ellipsis])
            expanded.replaceSubrange((ellipsis + gap)..<16, with: bytes[ellipsis..<filled])
            return expanded
        }
        // "::" must stand for at least one group of zeros.
        guard ellipsis < 0 else { return nil }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: Int(c - 48)
        case 97...102: Int(c - 87)
        case 65...70: Int(c - 55)
        default: nil
        }
    }
}
