import ZCachedCore

/// Reads one request frame the lenient way the real server does (PROTOCOL.md §1.1 and §2).
///
/// - Only the first value of a frame is read; bytes after it are ignored.
/// - A line's content runs up to the next `\n`; one `\r` before it is removed, then the parser
///   always skips 2 bytes, so a bare `\n` line ending breaks the parse.
/// - Bulk string lengths must parse but are otherwise ignored; empty strings are unprocessable.
struct RequestParser {
    /// Deeper nesting is answered with `-ERR unexpected` instead of exhausting the stack.
    static let maximumDepth = 512

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Parses a frame (without its `0x03`) into the request's elements.
    ///
    /// - Parameters:
    ///   - frame: The frame's bytes.
    ///   - elements: Receives the elements in order; the first is the command name. Elements
    ///     read before an error stay in it.
    /// - Throws: The ``ServerError`` the real server answers with: parse errors as in §2,
    ///   `unknownCommand(name: nil)` when the frame is not an array, `unexpected` for `*0`.
    static func parse(_ frame: UnsafeRawBufferPointer, into elements: inout [ZCachedValue]) throws(ServerError) {
        var parser = RequestParser(bytes: frame)
        guard try parser.readPrefix() == UInt8(ascii: "*") else {
            parser.index -= 1
            _ = try parser.readValue(depth: 0)
            throw .unknownCommand(name: nil)
        }
        let count = try parser.readCount()
        guard count > 0 else { throw .unexpected }  // the real server crashes here (§6.1)
        for _ in 0..<count {
            elements.append(try parser.readValue(depth: 1))
        }
    }

    private mutating func readPrefix() throws(ServerError) -> UInt8 {
        guard index < bytes.count else { throw .unexpected }  // end of stream
        defer { index += 1 }
        return bytes[index]
    }

    /// The content of the line starting at the current index.
    private mutating func readLine() throws(ServerError) -> UnsafeRawBufferPointer {
        guard index < bytes.count, let newline = bytes[index...].firstIndex(of: 0x0A) else {
            throw .unprocessable
        }
        var end = newline
        if end > index && bytes[end - 1] == 0x0D { end -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: bytes[index..<end])
        index = end + 2
        return line
    }

    private mutating func readCount() throws(ServerError) -> Int {
        guard let count = NumberParsing.count(try readLine()) else { throw .invalidLength }
        return count
    }

    private mutating func readValue(depth: Int) throws(ServerError) -> ZCachedValue {
        guard depth <= Self.maximumDepth else { throw .unexpected }
        switch try readPrefix() {
        case UInt8(ascii: "$"):
            guard NumberParsing.count(try readLine()) != nil else { throw .unprocessable }
            let content = try readLine()
            guard !content.isEmpty else { throw .unprocessable }
            return .bulkString(Array(content))
        case UInt8(ascii: "+"):
            let content = try readLine()
            guard !content.isEmpty else { throw .unprocessable }
            return .simpleString(String(decoding: content, as: UTF8.self))
        case UInt8(ascii: ":"):
            guard let number = NumberParsing.integer(try readLine()) else { throw .invalidType }
            return .integer(number)
        case UInt8(ascii: ","):
            guard let number = NumberParsing.double(try readLine()) else { throw .invalidType }
            return .double(number)
        case UInt8(ascii: "#"):
            return .boolean(try readBoolean())
        case UInt8(ascii: "_"):
            index += 2  // skipped without looking, as the real server does
            return .null
        case UInt8(ascii: "-"):
            return .error(String(decoding: try readLine(), as: UTF8.self))
        case UInt8(ascii: "*"):
            return .array(try readElements(depth: depth))
        case UInt8(ascii: "/"):
            return .orderedSet(Self.removingDuplicates(try readElements(depth: depth)))
        case UInt8(ascii: "~"):
            return .unorderedSet(HashOrder.sorted(Self.removingDuplicates(try readElements(depth: depth)), by: HashOrder.bytes(of:)))
        case UInt8(ascii: "%"):
            return .map(try readMap(depth: depth))
        default:
            throw .unprocessable
        }
    }

    private mutating func readBoolean() throws(ServerError) -> Bool {
        let content = try readLine()
        guard content.count == 1 else { throw .unprocessable }
        switch content[0] {
        case UInt8(ascii: "t"), UInt8(ascii: "T"): return true
        case UInt8(ascii: "f"), UInt8(ascii: "F"): return false
        default: throw .invalidType
        }
    }

    private mutating func readElements(depth: Int) throws(ServerError) -> [ZCachedValue] {
        let count = try readCount()
        var elements: [ZCachedValue] = []
        elements.reserveCapacity(min(count, bytes.count - index))
        for _ in 0..<count {
            elements.append(try readValue(depth: depth + 1))
        }
        return elements
    }

    private mutating func readMap(depth: Int) throws(ServerError) -> ZCachedMap {
        let count = try readCount()
        guard count > 0 else { throw .unprocessable }
        var entries: [ZCachedMap.Entry] = []
        var positions: [String: Int] = [:]
        for _ in 0..<count {
            let key: String
            switch try readValue(depth: depth + 1) {
            case .bulkString(let bytes): key = String(decoding: bytes, as: UTF8.self)
            case .simpleString(let text): key = text
            default: throw .keyMustBeString
            }
            let value = try readValue(depth: depth + 1)
            if let position = positions[key] {
                entries[position].value = value  // a repeated key keeps the last value
            } else {
                positions[key] = entries.count
                entries.append(ZCachedMap.Entry(key: key, value: value))
            }
        }
        return ZCachedMap(HashOrder.sorted(entries) { Array($0.key.utf8) })
    }

    private static func removingDuplicates(_ elements: [ZCachedValue]) -> [ZCachedValue] {
        var seen: Set<ZCachedValue> = []
        return elements.filter { seen.insert($0).inserted }
    }
}
