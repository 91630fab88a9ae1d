/// Parses one value from a byte buffer with its declared lengths: the inner loop of
/// ``ZCachedReplyDecoder``. A `nil` result means the value is not complete yet.
struct ZCachedReplyParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int
    let limits: ZCachedDecoderLimits

    init(bytes: UnsafeBufferPointer<UInt8>, index: Int, limits: ZCachedDecoderLimits) {
        self.bytes = bytes
        self.index = index
        self.limits = limits
    }

    mutating func parseValue(depth: Int) throws(ZCachedError) -> ZCachedValue? {
        guard index < bytes.count else { return nil }
        let prefix = bytes[index]
        index += 1
        switch prefix {
        case UInt8(ascii: "$"):
            return try parseBulkString()
        case UInt8(ascii: "+"):
            guard let line = try readLine() else { return nil }
            return .simpleString(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: "-"):
            guard let line = try readLine() else { return nil }
            return .error(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: ":"):
            guard let line = try readLine() else { return nil }
            return .integer(try parseInteger(line, what: "integer"))
        case UInt8(ascii: ","):
            guard let line = try readLine() else { return nil }
            return .double(try parseDouble(line))
        case UInt8(ascii: "#"):
            guard let line = try readLine() else { return nil }
            guard line.count == 1, line[line.startIndex] == UInt8(ascii: "t") || line[line.startIndex] == UInt8(ascii: "f") else {
                throw .protocolViolation("a boolean reply is neither #t nor #f")
            }
            return .boolean(line[line.startIndex] == UInt8(ascii: "t"))
        case UInt8(ascii: "_"):
            guard let line = try readLine() else { return nil }
            guard line.isEmpty else { throw .protocolViolation("a null reply has content") }
            return .null
        case UInt8(ascii: "*"):
            return try parseElements(depth: depth).map(ZCachedValue.array)
        case UInt8(ascii: "/"):
            return try parseElements(depth: depth).map(ZCachedValue.orderedSet)
        case UInt8(ascii: "~"):
            return try parseElements(depth: depth).map(ZCachedValue.unorderedSet)
        case UInt8(ascii: "%"):
            return try parseMap(depth: depth)
        default:
            throw .protocolViolation("unknown type prefix byte 0x\(String(prefix, radix: 16))")
        }
    }

    /// The bytes up to the next `\r\n`, which is consumed; `nil` when it has not arrived yet.
    private mutating func readLine() throws(ZCachedError) -> UnsafeBufferPointer<UInt8>.SubSequence? {
        guard let newline = bytes.firstIndex(of: 0x0A, from: index) else {
            if bytes.count - index > limits.maximumFrameSize {
                throw .protocolViolation("a reply line exceeds the maximum frame size")
            }
            return nil
        }
        guard newline > index, bytes[newline - 1] == 0x0D else {
            throw .protocolViolation("a reply line ends in a bare line feed")
        }
        let line = bytes[index..<(newline - 1)]
        index = newline + 1
        return line
    }

    private mutating func parseBulkString() throws(ZCachedError) -> ZCachedValue? {
        try parseBulkContent().map { .bulkString(Array($0)) }
    }

    /// Reads a bulk string's header and content (after its `$`) and returns the content bytes,
    /// or `nil` when they have not all arrived.
    private mutating func parseBulkContent() throws(ZCachedError) -> UnsafeBufferPointer<UInt8>.SubSequence? {
        guard let count = try readBulkLength() else { return nil }
        guard bytes.count - index >= count + 2 else { return nil }
        guard bytes[index + count] == 0x0D, bytes[index + count + 1] == 0x0A else {
            throw .protocolViolation("a bulk string is not followed by \\r\\n at its declared length")
        }
        let content = bytes[index..<(index + count)]
        index += count + 2
        return content
    }

    /// Reads a bulk string's `<length>\r\n` header. The server's form, plain digits, is read in
    /// one pass; anything else (a sign, a bare line feed, garbage, a header still arriving) goes
    /// through `readLine()` and `parseInteger(_:what:)`, which wait for it or report it.
    private mutating func readBulkLength() throws(ZCachedError) -> Int? {
        var position = index
        var length = 0
        // 18 digits cannot overflow an Int; longer lengths take the general path.
        let digitsEnd = min(bytes.count, index + 18)
        while position < digitsEnd, case let digit = bytes[position] &- UInt8(ascii: "0"), digit < 10 {
            length = length &* 10 &+ Int(digit)
            position += 1
        }
        if position > index, position + 1 < bytes.count, bytes[position] == 0x0D, bytes[position + 1] == 0x0A {
            index = position + 2
        } else {
            guard let header = try readLine() else { return nil }
            let parsed = try parseInteger(header, what: "bulk string length")
            guard parsed >= 0 else { throw .protocolViolation("a bulk string has a negative length") }
            length = Int(clamping: parsed)
        }
        // The second test keeps `length + 2` (the content and its \r\n) from overflowing.
        guard length <= limits.maximumFrameSize, length <= Int.max - 2 else {
            throw .protocolViolation("a bulk string of \(length) bytes exceeds the maximum frame size")
        }
        return length
    }

    /// Reads a map key. Bulk-string keys, the server's only kind, become a `String` straight
    /// from the buffer, without an intermediate byte array.
    private mutating func parseMapKey(depth: Int) throws(ZCachedError) -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "$") else {
            guard let key = try parseValue(depth: depth) else { return nil }
            guard let keyText = key.string else {
                throw .protocolViolation("a map key is a \(key.typeName), not a string")
            }
            return keyText
        }
        index += 1
        return try parseBulkContent().map { String(decoding: $0, as: UTF8.self) }
    }

    private mutating func parseCount(what: String, depth: Int) throws(ZCachedError) -> Int? {
        guard let header = try readLine() else { return nil }
        let count = try parseInteger(header, what: "\(what) count")
        guard count >= 0 else { throw .protocolViolation("an \(what) has a negative count") }
        guard count <= limits.maximumElementCount else {
            throw .protocolViolation("an \(what) of \(count) elements exceeds the element limit of \(limits.maximumElementCount)")
        }
        guard depth < limits.effectiveMaximumDepth else {
            throw .protocolViolation("a reply nests deeper than \(limits.effectiveMaximumDepth) levels")
        }
        return Int(count)
    }

    private mutating func parseElements(depth: Int) throws(ZCachedError) -> [ZCachedValue]? {
        guard let count = try parseCount(what: "aggregate", depth: depth) else { return nil }
        var elements: [ZCachedValue] = []
        // Every element takes at least 3 bytes: never reserve more than the bytes could hold.
        elements.reserveCapacity(min(count, (bytes.count - index) / 3))
        for _ in 0..<count {
            guard let element = try parseValue(depth: depth + 1) else { return nil }
            elements.append(element)
        }
        return elements
    }

    private mutating func parseMap(depth: Int) throws(ZCachedError) -> ZCachedValue? {
        guard let count = try parseCount(what: "map", depth: depth) else { return nil }
        var entries: [ZCachedMap.Entry] = []
        entries.reserveCapacity(min(count, (bytes.count - index) / 6))
        for _ in 0..<count {
            guard let keyText = try parseMapKey(depth: depth + 1) else { return nil }
            guard let value = try parseValue(depth: depth + 1) else { return nil }
            entries.append(ZCachedMap.Entry(key: keyText, value: value))
        }
        return .map(ZCachedMap(entries))
    }

    private func parseInteger(_ text: UnsafeBufferPointer<UInt8>.SubSequence, what: String) throws(ZCachedError) -> Int64 {
        var position = text.startIndex
        var negative = false
        if position < text.endIndex, text[position] == UInt8(ascii: "-") || text[position] == UInt8(ascii: "+") {
            negative = text[position] == UInt8(ascii: "-")
            position += 1
        }
        guard position < text.endIndex, text.endIndex - position <= 19 else {
            throw .protocolViolation("a reply's \(what) is not a 64-bit decimal integer")
        }
        var magnitude: UInt64 = 0
        while position < text.endIndex {
            let digit = text[position] &- UInt8(ascii: "0")
            guard digit < 10 else { throw .protocolViolation("a reply's \(what) is not a decimal integer") }
            magnitude = magnitude * 10 + UInt64(digit)  // 19 digits never overflow UInt64
            position += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw .protocolViolation("a reply's \(what) is out of range") }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw .protocolViolation("a reply's \(what) is out of range") }
        return Int64(magnitude)
    }

    private func parseDouble(_ text: UnsafeBufferPointer<UInt8>.SubSequence) throws(ZCachedError) -> Double {
        // The server prints nan, inf, -inf or a plain decimal of up to ~330 digits.
        let string = String(decoding: text, as: UTF8.self)
        guard !string.isEmpty, string.utf8.allSatisfy(Self.isDoubleCharacter), let value = Double(string) else {
            throw .protocolViolation("a reply's double is not a number")
        }
        return value
    }

    private static func isDoubleCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"),
            UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "n"), UInt8(ascii: "a"), UInt8(ascii: "i"), UInt8(ascii: "f"):
            true
        default:
            false
        }
    }
}
