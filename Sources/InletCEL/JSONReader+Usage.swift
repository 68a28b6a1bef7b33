extension CELValue {
    /// Reads a JSON document (UTF-8), building only the parts `usage` says an expression can observe: objects keep
    /// the keys it lists (recursively), everything else is built whole. An expression whose
    /// ``CELProgram/usage(ofVariable:)`` is `usage` evaluates on the result exactly as on the whole document.
    ///
    /// The whole document is still validated: what ``init(jsonUTF8:numbers:)-(UnsafeRawBufferPointer,_)`` rejects,
    /// this rejects with the same error. Skipped parts cost a scan, not strings, maps and lists.
    /// - Throws: ``CELError`` with code `.invalidJSON` naming the byte offset of the problem (never the content).
    public init(
        jsonUTF8 bytes: UnsafeRawBufferPointer, reading usage: CELValueUsage, numbers: JSONNumberMode = .integersAsInt
    ) throws(CELError) {
        if usage.isWhole {
            try self.init(jsonUTF8: bytes, numbers: numbers)
            return
        }
        var reader = JSONReader(bytes: bytes, numbers: numbers)
        do {
            self = try reader.readDocument(usage)
        } catch {
            // Rejected documents are rare (dead letters): read the whole one again so that the error is exactly
            // the one the full reader gives (the skipping scan accepts and rejects the same documents, but stops
            // at its own first problem).
            try self.init(jsonUTF8: bytes, numbers: numbers)
            throw error
        }
    }

    /// Reads the parts of a JSON document `usage` names; see
    /// ``init(jsonUTF8:reading:numbers:)-(UnsafeRawBufferPointer,_,_)``.
    public init(
        jsonUTF8 bytes: [UInt8], reading usage: CELValueUsage, numbers: JSONNumberMode = .integersAsInt
    ) throws(CELError) {
        let result: Result<CELValue, CELError> = bytes.withUnsafeBytes { buffer in
            do throws(CELError) {
                return .success(try CELValue(jsonUTF8: buffer, reading: usage, numbers: numbers))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }
}

extension JSONReader {
    mutating func readDocument(_ usage: CELValueUsage) throws(CELError) -> CELValue {
        skipWhitespace()
        let value = try readValue(usage)
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected trailing characters") }
        return value
    }

    /// A value of which `usage` is read: an object keeps the listed keys (or all), an array no element, each
    /// element read for the usage of elements, or all; anything else is read whole.
    mutating func readValue(_ usage: CELValueUsage) throws(CELError) -> CELValue {
        guard index < bytes.count else { return try readValue() }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            guard let fields = usage.fieldList else { return try readValue() }
            // The fields are read in place (copying a field would retain its name, bytes and nested usage).
            return try fields.withUnsafeBufferPointer { (fields) throws(CELError) -> CELValue in
                try readObject(keeping: fields)
            }
        case UInt8(ascii: "["):
            switch usage.elementPart {
            case .whole: return try readValue()
            case .empty:
                try skipArray()
                return .list([])
            case .each(let elementUsage): return try readArray(each: elementUsage)
            }
        default:
            return try readValue()
        }
    }

    /// An array whose elements are each read for `usage` (the whole reader reads arrays with `.whole`).
    mutating func readArray(each usage: CELValueUsage) throws(CELError) -> CELValue {
        if try opensEmptyContainer(closing: UInt8(ascii: "]")) { return .list([]) }
        let base = valueStack.count
        let whole = usage.isWhole
        while true {
            skipWhitespace()
            let value = whole ? try readValue() : try readValue(usage)
            valueStack.push(value)
            if try closesContainer(UInt8(ascii: "]")) { break }
        }
        depth -= 1
        return .list(valueStack.pop(from: base))
    }

    /// An object of which only `fields` are built; the values of other keys are validated and skipped.
    mutating func readObject(keeping fields: UnsafeBufferPointer<CELValueUsage.Field>) throws(CELError) -> CELValue {
        if try opensEmptyContainer(closing: UInt8(ascii: "}")) { return .map(CELMap()) }
        let base = entryStack.count
        while true {
            try expectKey()
            let kept = try readKey(matching: fields)
            try skipColon()
            if let kept {
                let value = try readValue(fields[kept].usage)
                // A repeated key: the later value wins, in the place of the first (as the full reader does).
                var probe = base
                while probe < entryStack.count {
                    if entryStack.storage[probe].hash == fields[kept].hash,
                       case .string(let existing) = entryStack.storage[probe].key, existing == fields[kept].name {
                        break
                    }
                    probe += 1
                }
                if probe < entryStack.count {
                    entryStack.storage[probe].value = value
                } else {
                    entryStack.push(CELMap.Entry(hash: fields[kept].hash, key: .string(fields[kept].name), value: value))
                }
            } else {
                try skipValue()
            }
            if try closesContainer(UInt8(ascii: "}")) { break }
        }
        depth -= 1
        return .map(entryStack.popMap(from: base))
    }

    /// Reads a key (at its opening quote) and returns the index of the field it names, or `nil`. Keys without
    /// escapes are compared as bytes, without making a `String`.
    mutating func readKey(matching fields: UnsafeBufferPointer<CELValueUsage.Field>) throws(CELError) -> Int? {
        let start = index + 1
        guard let end = try skipString() else {
            // Escapes: decode the key as the full reader does and compare the text.
            index = start - 1
            var hash: UInt32 = 0
            let key = try readString(hash: &hash, computeHash: true)
            return fields.firstIndex { $0.hash == hash && $0.name.celEquals(key) }
        }
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let key = UnsafeBufferPointer(start: base + start, count: end - start)
        let hash = CELMap.hashBytes(key)
        for position in fields.indices where fields[position].hash == hash {
            if fields[position].utf8.withUnsafeBufferPointer({ $0.elementsEqual(key) }) { return position }
        }
        return nil
    }

    /// Validates and skips one value, building nothing (numbers are read as the full reader reads them, so the
    /// same numerals are accepted).
    mutating func skipValue() throws(CELError) {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try skipObject()
        case UInt8(ascii: "["): try skipArray()
        case UInt8(ascii: "\""): _ = try skipString()
        case UInt8(ascii: "t"): try expectWord("true")
        case UInt8(ascii: "f"): try expectWord("false")
        case UInt8(ascii: "n"): try expectWord("null")
        default: _ = try readNumber()
        }
    }

    mutating func skipObject() throws(CELError) {
        if try opensEmptyContainer(closing: UInt8(ascii: "}")) { return }
        while true {
            try expectKey()
            _ = try skipString()
            try skipColon()
            try skipValue()
            if try closesContainer(UInt8(ascii: "}")) { break }
        }
        depth -= 1
    }

    mutating func skipArray() throws(CELError) {
        if try opensEmptyContainer(closing: UInt8(ascii: "]")) { return }
        while true {
            skipWhitespace()
            try skipValue()
            if try closesContainer(UInt8(ascii: "]")) { break }
        }
        depth -= 1
    }

    /// Validates and skips a string starting at its opening quote, with the full reader's rules (no raw control
    /// characters, known escapes, four hex digits after `\u`, surrogates in pairs).
    /// - Returns: the offset of the closing quote when the string has no escapes (its bytes are its text), else nil.
    mutating func skipString() throws(CELError) -> Int? {
        index += 1
        let count = bytes.count
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw fail("unexpected end of input") }
        // Eight bytes at a time while none is '"', '\\' or a control character (as in readString).
        var i = JSONReader.skipPlainWords(base, from: index, count: count)
        var escaped = false
        while i < count {
            let byte = base[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return escaped ? nil : i
            }
            if byte < 0x20 {
                index = i
                throw fail("control character in string")
            }
            guard byte == UInt8(ascii: "\\") else {
                i += 1
                continue
            }
            escaped = true
            i += 1
            guard i < count else { break }
            let escape = base[i]
            i += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                continue
            case UInt8(ascii: "u"):
                index = i
                let code = try readHex4()
                if code >= 0xD800, code < 0xDC00 {
                    guard index + 1 < count, base[index] == UInt8(ascii: "\\"), base[index + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate")
                    }
                    index += 2
                    let low = try readHex4()
                    guard low >= 0xDC00, low < 0xE000 else { throw fail("invalid surrogate pair") }
                } else if code >= 0xDC00, code < 0xE000 {
                    throw fail("unpaired surrogate")
                }
                i = index
            default:
                index = i
                throw fail("invalid escape")
            }
        }
        index = i
        throw fail("unterminated string")
    }
}
