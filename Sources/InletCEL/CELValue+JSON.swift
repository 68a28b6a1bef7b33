/// How JSON numbers become CEL values.
public enum JSONNumberMode: Sendable {
    /// Integral numbers written without fraction or exponent that fit in int64 bind as `int`; all others as `double`.
    /// Heterogeneous numeric equality makes the difference invisible to comparisons (`payload.number == 1347.0`),
    /// while `string(payload.number)` gives `"1347"` and `payload.a + payload.b` stays integral. Default.
    case integersAsInt
    /// Every number is a `double`, exactly as `google.protobuf.Value` defines JSON for CEL.
    case double
}

extension CELValue {
    /// Reads a JSON document (UTF-8) straight into CEL values in one pass: objects become maps with string keys,
    /// arrays lists, `null` null, numbers per `numbers`.
    /// - Throws: ``CELError`` with code `.invalidJSON` naming the byte offset of the problem (never the content).
    public init(jsonUTF8 bytes: UnsafeRawBufferPointer, numbers: JSONNumberMode = .integersAsInt) throws(CELError) {
        var reader = JSONReader(bytes: bytes, numbers: numbers)
        self = try reader.readDocument()
    }

    /// Reads a JSON document from bytes; see ``init(jsonUTF8:numbers:)-(UnsafeRawBufferPointer,_)``.
    public init(jsonUTF8 bytes: [UInt8], numbers: JSONNumberMode = .integersAsInt) throws(CELError) {
        let result: Result<CELValue, CELError> = bytes.withUnsafeBytes { buffer in
            do throws(CELError) { return .success(try CELValue(jsonUTF8: buffer, numbers: numbers)) } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// Reads a JSON document from any byte collection (`Data`, `ArraySlice<UInt8>`, ...); contiguous storage is read in
    /// place, anything else is copied once.
    public init(jsonUTF8 bytes: some Collection<UInt8>, numbers: JSONNumberMode = .integersAsInt) throws(CELError) {
        let contiguous: Result<CELValue, CELError>? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(CELError) {
                return .success(try CELValue(jsonUTF8: UnsafeRawBufferPointer(buffer), numbers: numbers))
            } catch {
                return .failure(error)
            }
        }
        if let contiguous {
            self = try contiguous.get()
        } else {
            self = try CELValue(jsonUTF8: Array(bytes), numbers: numbers)
        }
    }

    /// Reads a JSON document from a string.
    public init(json: String, numbers: JSONNumberMode = .integersAsInt) throws(CELError) {
        var copy = json
        let result: Result<CELValue, CELError> = copy.withUTF8 { buffer in
            do throws(CELError) {
                return .success(try CELValue(jsonUTF8: UnsafeRawBufferPointer(buffer), numbers: numbers))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// Renders the value as compact JSON: ints and uints as numbers, doubles as numbers (NaN and infinities as the
    /// strings `"NaN"`, `"Infinity"`, `"-Infinity"`), bytes as base64, timestamps and durations in their protobuf
    /// JSON string forms, types as their names, `optional.none()` as `null`, map keys as strings.
    public func jsonString() -> String {
        var output = ""
        writeJSON(into: &output)
        return output
    }

    func writeJSON(into output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let b): output += b ? "true" : "false"
        case .int(let i): output += String(i)
        case .uint(let u): output += String(u)
        case .double(let d):
            if d.isNaN {
                output += "\"NaN\""
            } else if d.isInfinite {
                output += d > 0 ? "\"Infinity\"" : "\"-Infinity\""
            } else if d == d.rounded(), abs(d) < 1e15 {
                // Integral doubles print without a fraction (JSON has one number type).
                output += d == 0 && d.sign == .minus ? "-0" : String(Int64(d))
            } else {
                output += "\(d)"
            }
        case .string(let s): CELValue.writeJSONString(s, into: &output)
        case .bytes(let b): output += "\"" + Base64.encode(b) + "\""
        case .list(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                item.writeJSON(into: &output)
            }
            output += "]"
        case .map(let map):
            output += "{"
            var first = true
            for (key, value) in map {
                if !first { output += "," }
                first = false
                switch key {
                case .string(let s): CELValue.writeJSONString(s, into: &output)
                default: CELValue.writeJSONString(key.jsonString(), into: &output)
                }
                output += ":"
                value.writeJSON(into: &output)
            }
            output += "}"
        case .type(let type): CELValue.writeJSONString(type.runtimeName, into: &output)
        case .timestamp(let t): output += "\"" + t.rfc3339 + "\""
        case .duration(let d): output += "\"" + d.protobufJSON + "\""
        case .optional(let inner):
            if let inner { inner.writeJSON(into: &output) } else { output += "null" }
        case .opaque(let value): CELValue.writeJSONString(value.description, into: &output)
        }
    }

    static func writeJSONString(_ string: String, into output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}

/// A one-pass JSON reader producing ``CELValue``s directly. Depth-bounded (512) so hostile input cannot overflow the
/// stack.
struct JSONReader: ~Copyable {
    let bytes: UnsafeRawBufferPointer
    let numbers: JSONNumberMode
    var index = 0
    var depth = 0
    var entryStack = ScratchStack<CELMap.Entry>()
    var valueStack = ScratchStack<CELValue>()
    static let maxDepth = 512

    init(bytes: UnsafeRawBufferPointer, numbers: JSONNumberMode) {
        self.bytes = bytes
        self.numbers = numbers
    }

    func fail(_ message: String) -> CELError {
        CELError(.invalidJSON, "invalid JSON at byte \(index): \(message)")
    }

    mutating func readDocument() throws(CELError) -> CELValue {
        skipWhitespace()
        let value = try readValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected trailing characters") }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 } else { return }
        }
    }

    mutating func readValue() throws(CELError) -> CELValue {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try readObject()
        case UInt8(ascii: "["): return try readArray()
        case UInt8(ascii: "\""):
            var hash: UInt32 = 0
            return .string(try readString(hash: &hash, computeHash: false))
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        default: return try readNumber()
        }
    }

    mutating func expectWord(_ word: StaticString) throws(CELError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("unexpected end of input") }
        let pointer = word.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] {
            throw fail("unexpected character")
        }
        index += count
    }

    mutating func readObject() throws(CELError) -> CELValue {
        if try opensEmptyContainer(closing: UInt8(ascii: "}")) { return .map(CELMap()) }
        // Entries of all open objects share one scratch stack; the finished object copies out its tail.
        let base = entryStack.count
        // A 256-bit filter of key hashes: the duplicate-key scan runs only when a hash bucket repeats.
        var seen: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        while true {
            try expectKey()
            var hash: UInt32 = 0
            let key = try readString(hash: &hash, computeHash: true)
            try skipColon()
            let value = try readValue()
            let bit = UInt64(1) << UInt64(hash & 63)
            let wasSeen: Bool
            switch (hash >> 6) & 3 {
            case 0: wasSeen = seen.0 & bit != 0; seen.0 |= bit
            case 1: wasSeen = seen.1 & bit != 0; seen.1 |= bit
            case 2: wasSeen = seen.2 & bit != 0; seen.2 |= bit
            default: wasSeen = seen.3 & bit != 0; seen.3 |= bit
            }
            // JSON objects rarely repeat keys; when one does, the later value wins.
            var duplicate = false
            if wasSeen {
                var probe = base
                while probe < entryStack.count {
                    if entryStack.storage[probe].hash == hash, case .string(let existing) = entryStack.storage[probe].key,
                       existing.celEquals(key) {
                        entryStack.storage[probe].value = value
                        duplicate = true
                        break
                    }
                    probe += 1
                }
            }
            if !duplicate { entryStack.push(CELMap.Entry(hash: hash, key: .string(key), value: value)) }
            if try closesContainer(UInt8(ascii: "}")) { break }
        }
        depth -= 1
        return .map(entryStack.popMap(from: base))
    }

    mutating func readArray() throws(CELError) -> CELValue {
        try readArray(each: .whole)
    }

    /// At an opening `{` or `[`: one nesting level deeper (bounded by ``maxDepth``), past the bracket and any
    /// whitespace. True when the container is empty: its `closing` bracket is consumed and the level left again.
    mutating func opensEmptyContainer(closing: UInt8) throws(CELError) -> Bool {
        depth += 1
        guard depth <= JSONReader.maxDepth else { throw fail("nesting deeper than \(JSONReader.maxDepth)") }
        index += 1
        skipWhitespace()
        guard index < bytes.count, bytes[index] == closing else { return false }
        index += 1
        depth -= 1
        return true
    }

    /// Before an object's key: skips whitespace and checks that a string starts here (the index stays on its quote).
    mutating func expectKey() throws(CELError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
    }

    /// Between an object's key and its value: the ':' with the whitespace around it.
    mutating func skipColon() throws(CELError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        index += 1
        skipWhitespace()
    }

    /// After a member of an array or object: skips whitespace and reads the separator.
    /// - Returns: true when it was `closing` (the container ended), false for ',' (another member follows).
    /// - Throws: at the end of the input or before any other byte.
    mutating func closesContainer(_ closing: UInt8) throws(CELError) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of input") }
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: ",") { return false }
        if byte == closing { return true }
        throw fail("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
    }

    /// Skips whole eight-byte words from `start` while none of their bytes is '"', '\\' or a control character
    /// (SWAR: each test sets a byte's high bit when it matches), so a string's byte-by-byte scan starts near its end.
    /// - Returns: the offset of the first word holding such a byte, or of the last partial word.
    @inline(__always)
    static func skipPlainWords(_ base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var i = start
        while i + 8 <= count {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
            if special & highs != 0 { break }
            i += 8
        }
        return i
    }

    /// Reads a string starting at the opening quote; `hash` receives the FNV-1a hash of its UTF-8 (map key hash).
    mutating func readString(hash: inout UInt32, computeHash: Bool) throws(CELError) -> String {
        index += 1
        let start = index
        let count = bytes.count
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw fail("unexpected end of input") }
        // Fast path: no escapes. Scan eight bytes at a time for '"', '\\' or a control character (SWAR), then
        // byte by byte; hash only keys.
        var i = JSONReader.skipPlainWords(base, from: index, count: count)
        while i < count {
            let byte = base[i]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(start: base + start, count: i - start)
                index = i + 1
                if computeHash { hash = CELMap.hashBytes(slice) }
                return String(decoding: slice, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 {
                index = i
                throw fail("control character in string")
            }
            i += 1
        }
        index = i
        // Slow path: escapes. The runs between them are copied whole.
        var utf8: [UInt8] = []
        utf8.reserveCapacity(index - start + 32)
        utf8.append(contentsOf: UnsafeBufferPointer(start: base + start, count: index - start))
        while index < count {
            var runEnd = index
            while runEnd < count, base[runEnd] >= 0x20, base[runEnd] != UInt8(ascii: "\""), base[runEnd] != UInt8(ascii: "\\") {
                runEnd += 1
            }
            if runEnd > index {
                utf8.append(contentsOf: UnsafeBufferPointer(start: base + index, count: runEnd - index))
                index = runEnd
                guard index < count else { break }
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                let string = String(decoding: utf8, as: UTF8.self)
                hash = CELMap.hashString(string)
                return string
            }
            if byte < 0x20 { throw fail("control character in string") }
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): utf8.append(0x22)
            case UInt8(ascii: "\\"): utf8.append(0x5C)
            case UInt8(ascii: "/"): utf8.append(0x2F)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var code = try readHex4()
                if code >= 0xD800, code < 0xDC00 {
                    // A high surrogate must be followed by an escaped low surrogate.
                    if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try readHex4()
                        guard low >= 0xDC00, low < 0xE000 else { throw fail("invalid surrogate pair") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        throw fail("unpaired surrogate")
                    }
                } else if code >= 0xDC00, code < 0xE000 {
                    throw fail("unpaired surrogate")
                }
                utf8.append(contentsOf: Unicode.Scalar(code)!.utf8)
            default: throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }

    mutating func readHex4() throws(CELError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func readNumber() throws(CELError) -> CELValue {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let digitsStart = index
        var magnitude: UInt64 = 0
        var overflow = false
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            magnitude = m2
            index += 1
        }
        let digitCount = index - digitsStart
        guard digitCount > 0 else { throw fail("unexpected character") }
        if digitCount > 1, bytes[digitsStart] == UInt8(ascii: "0") { throw fail("leading zero") }
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            let fractionStart = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > fractionStart else { throw fail("digit expected after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            integral = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponentStart = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > exponentStart else { throw fail("digit expected in exponent") }
        }
        if integral, !overflow, numbers == .integersAsInt {
            if negative {
                if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
                if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            } else if magnitude <= UInt64(Int64.max) {
                return .int(Int64(magnitude))
            }
        }
        if integral, !overflow, magnitude < (1 << 53) {
            return .double(negative ? -Double(magnitude) : Double(magnitude))
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text) else { throw fail("invalid number") }
        return .double(double)
    }
}

extension ScratchStack where Element == CELMap.Entry {
    /// Moves the entries from `base` to the top into a new map and shrinks the stack to `base`.
    mutating func popMap(from base: Int) -> CELMap {
        let map = CELMap(storage: .make(moving: storage + base, count: count - base))
        shrink(to: base)
        return map
    }
}

/// A growable stack whose finished tail is moved (not copied) into a new array: the JSON reader keeps the entries
/// of all open objects (or elements of all open arrays) here, so each finished container costs one exact-size
/// allocation and no reference-count traffic.
///
/// A non-copyable struct rather than a class: the reader owns it outright, so it costs no object allocation, no
/// generic metadata look-up per document and no dynamic exclusivity checks on every push.
struct ScratchStack<Element>: ~Copyable {
    private(set) var storage: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 32) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (storage + count).initialize(to: element)
        count += 1
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let newStorage = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newStorage.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    /// Moves the elements from `base` to the top into a new array and shrinks the stack to `base`.
    mutating func pop(from base: Int) -> [Element] {
        let n = count - base
        guard n > 0 else { return [] }
        let source = storage + base
        let result = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: source, count: n)
            initialized = n
        }
        count = base
        return result
    }

    /// Forgets the elements from `base` up, which the caller has moved out.
    mutating func shrink(to base: Int) {
        count = base
    }
}
