/// Writes protocol elements into a byte array with no checks: the shared low level of the
/// request encoder and of the embedded server's replies.
package enum ZCachedWireWriter {
    @inlinable
    package static func writeCRLF(into buffer: inout [UInt8]) {
        buffer.append(0x0D)
        buffer.append(0x0A)
    }

    /// Appends the decimal digits of `value`, with a `-` when negative.
    @inlinable
    package static func writeDecimal(_ value: Int64, into buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            buffer.append(UInt8(ascii: "0") &+ UInt8(magnitude))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 20 digits at most, kept off the heap
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            while magnitude > 0 {
                scratch[count] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { buffer.append(scratch[index]) }
        }
    }

    /// Appends `<prefix><decimal>\r\n`, the header of a bulk string or an aggregate.
    @inlinable
    package static func writeHeader(_ prefix: UInt8, count: Int, into buffer: inout [UInt8]) {
        buffer.append(prefix)
        writeDecimal(Int64(count), into: &buffer)
        writeCRLF(into: &buffer)
    }

    /// Appends a bulk string: `$<length>\r\n<bytes>\r\n`.
    @inlinable
    package static func writeBulkString<Bytes: Collection>(_ bytes: Bytes, into buffer: inout [UInt8]) where Bytes.Element == UInt8 {
        writeHeader(UInt8(ascii: "$"), count: bytes.count, into: &buffer)
        buffer.append(contentsOf: bytes)
        writeCRLF(into: &buffer)
    }

    /// Appends a bulk string from contiguous bytes. A short one (a typical key) is composed on
    /// the stack and appended in one go: each array append pays a capacity and uniqueness check,
    /// and a key took six of them.
    @inlinable
    package static func writeBulkString(_ bytes: UnsafeBufferPointer<UInt8>, into buffer: inout [UInt8]) {
        guard bytes.count <= shortBulkStringLimit, let source = bytes.baseAddress else {
            writeBulkString(bytes[...], into: &buffer)
            return
        }
        // `$`, two length digits, \r\n, the bytes and \r\n fit in 64 bytes.
        var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { frame in
            var end = 0
            func put(_ byte: UInt8) {
                frame[end] = byte
                end += 1
            }
            put(UInt8(ascii: "$"))
            if bytes.count >= 10 { put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: bytes.count / 10)) }
            put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: bytes.count % 10))
            put(0x0D)
            put(0x0A)
            (frame.baseAddress! + end).copyMemory(from: source, byteCount: bytes.count)
            end += bytes.count
            put(0x0D)
            put(0x0A)
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: frame[..<end]))
        }
    }

    /// The longest bulk string that is composed on the stack before it is appended.
    @usableFromInline
    static var shortBulkStringLimit: Int { 57 }

    /// Appends `value` in its own type's encoding (PROTOCOL.md §2), map keys as bulk strings.
    package static func writeValue(_ value: ZCachedValue, into buffer: inout [UInt8]) {
        switch value {
        case .bulkString(let bytes):
            bytes.withUnsafeBufferPointer { writeBulkString($0, into: &buffer) }
        case .simpleString(let text):
            buffer.append(UInt8(ascii: "+"))
            buffer.append(contentsOf: text.utf8)
            writeCRLF(into: &buffer)
        case .integer(let number):
            buffer.append(UInt8(ascii: ":"))
            writeDecimal(number, into: &buffer)
            writeCRLF(into: &buffer)
        case .double(let number):
            buffer.append(UInt8(ascii: ","))
            buffer.append(contentsOf: ZCachedDoubleFormat.plainDecimal(number).utf8)
            writeCRLF(into: &buffer)
        case .boolean(let flag):
            buffer.append(UInt8(ascii: "#"))
            buffer.append(flag ? UInt8(ascii: "t") : UInt8(ascii: "f"))
            writeCRLF(into: &buffer)
        case .null:
            buffer.append(UInt8(ascii: "_"))
            writeCRLF(into: &buffer)
        case .array(let elements):
            writeAggregate(UInt8(ascii: "*"), elements, into: &buffer)
        case .orderedSet(let elements):
            writeAggregate(UInt8(ascii: "/"), elements, into: &buffer)
        case .unorderedSet(let elements):
            writeAggregate(UInt8(ascii: "~"), elements, into: &buffer)
        case .map(let map):
            writeHeader(UInt8(ascii: "%"), count: map.count, into: &buffer)
            for entry in map {
                writeBulkString(entry.key.utf8, into: &buffer)
                writeValue(entry.value, into: &buffer)
            }
        case .error(let text):
            buffer.append(UInt8(ascii: "-"))
            buffer.append(contentsOf: text.utf8)
            writeCRLF(into: &buffer)
        }
    }

    /// The complete reply frame for `value`: its encoding followed by `0x03`, as the server sends it.
    package static func encodedReply(_ value: ZCachedValue) -> [UInt8] {
        var bytes: [UInt8] = []
        writeValue(value, into: &bytes)
        bytes.append(0x03)
        return bytes
    }

    private static func writeAggregate(_ prefix: UInt8, _ elements: [ZCachedValue], into buffer: inout [UInt8]) {
        writeHeader(prefix, count: elements.count, into: &buffer)
        for element in elements { writeValue(element, into: &buffer) }
    }
}
