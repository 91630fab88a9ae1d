import NIOCore

/// Cuts a connection's bytes into request frames at every `0x03`, as the real server does.
///
/// The split is naive on purpose (PROTOCOL.md §1.1): lengths are never used, so a `0x03` inside
/// a value splits the frame. Bytes after the last `0x03` wait for more input.
struct RequestDeframer {
    private var buffer: ByteBuffer?
    /// How many bytes after the reader index are known to hold no `0x03`.
    private var scannedByteCount = 0

    /// The bytes held that do not form a complete frame yet (after ``nextFrame()`` returned `nil`).
    var bufferedByteCount: Int { buffer?.readableBytes ?? 0 }

    /// Adds bytes read from the connection.
    mutating func append(_ bytes: ByteBuffer) {
        guard var existing = buffer, existing.readableBytes > 0 else {
            buffer = bytes
            scannedByteCount = 0
            return
        }
        buffer = nil  // keep the storage uniquely referenced while writing
        if existing.readerIndex > 0 && existing.readerIndex >= existing.capacity / 2 {
            existing.discardReadBytes()
        }
        var bytes = bytes
        existing.writeBuffer(&bytes)
        buffer = existing
    }

    /// The next complete frame without its `0x03`, or `nil` when no `0x03` is buffered.
    ///
    /// The frame shares storage with the buffered bytes; nothing is copied.
    mutating func nextFrame() -> ByteBuffer? {
        guard var bytes = buffer else { return nil }
        let found = bytes.withUnsafeReadableBytes { raw in
            raw[scannedByteCount...].firstIndex(of: 0x03)
        }
        guard let end = found else {
            scannedByteCount = bytes.readableBytes
            return nil
        }
        buffer = nil
        let frame = bytes.readSlice(length: end)
        bytes.moveReaderIndex(forwardBy: 1)
        buffer = bytes
        scannedByteCount = 0
        return frame
    }
}
