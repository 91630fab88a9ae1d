/// Decodes the server's reply stream incrementally: feed it bytes as they arrive, in pieces of
/// any size, and take out whole replies.
///
/// Each reply is parsed with its declared lengths and must be followed by exactly one `0x03`
/// (PROTOCOL.md §1.2), and hold none (no value can contain one). Anything else (a missing,
/// misplaced or inner terminator, an unknown prefix, a malformed length or number, a reply past
/// ``ZCachedDecoderLimits``) throws
/// ``ZCachedError/Code/protocolViolation``; the connection must then be closed, because the
/// stream can no longer be matched to requests.
///
/// The decoder only tries to parse once a `0x03` has arrived, and it remembers how far it has
/// looked, so bytes arriving in many small reads are scanned once.
public struct ZCachedReplyDecoder: Sendable {
    /// The limits replies are checked against.
    public let limits: ZCachedDecoderLimits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Bytes before this index (and after `readIndex`) are known to hold no usable terminator.
    private var scanIndex = 0

    /// Makes a decoder.
    /// - Parameter limits: The limits to enforce.
    public init(limits: ZCachedDecoderLimits = ZCachedDecoderLimits()) {
        self.limits = limits
    }

    /// The number of bytes received but not yet returned as replies.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds received bytes.
    /// - Parameter bytes: The bytes, in the order they arrived.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Adds received bytes.
    /// - Parameter bytes: The bytes, in the order they arrived.
    public mutating func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Takes the next whole reply out of the buffer.
    /// - Returns: The reply, or `nil` when more bytes are needed.
    /// - Throws: ``ZCachedError/Code/protocolViolation`` when the bytes are not a valid reply.
    public mutating func next() throws(ZCachedError) -> ZCachedValue? {
        let terminator = firstTerminator(from: max(scanIndex, readIndex))
        // Without a 0x03 no reply can be complete. Small partial replies are still parsed so that
        // garbage is reported at once; large ones wait for a 0x03 so each byte is scanned once.
        guard terminator != nil || bufferedByteCount <= Self.eagerParseLimit else {
            scanIndex = buffer.count
            try checkPendingSize()
            return nil
        }
        let limits = self.limits
        let start = readIndex
        let outcome = buffer.withUnsafeBufferPointer { bytes in
            Result { () throws(ZCachedError) -> (ZCachedValue, Int)? in
                var parser = ZCachedReplyParser(bytes: bytes, index: start, limits: limits)
                guard let value = try parser.parseValue(depth: 0) else { return nil }
                return (value, parser.index)
            }
        }
        // The server cannot store or send a 0x03 inside a value (no request can carry one), so a
        // 0x03 before a reply's end means the stream is corrupt: two of the server's frames read
        // as one reply would shift every later reply onto the wrong request.
        guard let (value, end) = try outcome.get() else {
            if terminator != nil { throw Self.terminatorInsideReply }
            scanIndex = buffer.count
            try checkPendingSize()
            return nil
        }
        if let terminator, terminator < end { throw Self.terminatorInsideReply }
        guard end < buffer.count else {
            scanIndex = end
            return nil
        }
        guard buffer[end] == 0x03 else {
            throw .protocolViolation("expected the 0x03 terminator after a reply, found byte 0x\(String(buffer[end], radix: 16))")
        }
        readIndex = end + 1
        scanIndex = readIndex
        return value
    }

    private static var terminatorInsideReply: ZCachedError {
        .protocolViolation("a 0x03 arrived inside a reply, which the server never sends: the stream is corrupt")
    }

    /// Partial replies up to this size are parsed on every call, to find garbage early. Larger
    /// ones (a long reply's first 4 KiB chunk, say) wait for their `0x03` instead of being
    /// parsed, allocated and thrown away once per chunk.
    private static let eagerParseLimit = 512

    private func firstTerminator(from index: Int) -> Int? {
        guard index < buffer.count else { return nil }
        return buffer.withUnsafeBufferPointer { bytes in
            bytes.firstIndex(of: 0x03, from: index)
        }
    }

    private func checkPendingSize() throws(ZCachedError) {
        if bufferedByteCount > limits.maximumFrameSize {
            throw .protocolViolation("a reply exceeds the maximum frame size of \(limits.maximumFrameSize) bytes")
        }
    }

    private mutating func compactIfWorthwhile() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
            scanIndex = 0
        } else if readIndex > 64 * 1024 && readIndex * 2 > buffer.count {
            buffer.removeSubrange(..<readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }
}
