/// Turns commands into the exact request bytes the server expects: an array of bulk strings
/// (typed values for SET and MSET) followed by one `0x03` (PROTOCOL.md §7.1).
///
/// Every argument is checked by ``ZCachedValidation`` while it is written. When a check fails the
/// encoder drops the partly written frame, so ``bytes`` holds only whole, valid frames and nothing
/// of a refused request can reach a connection.
///
/// Reuse one encoder per connection: ``reset()`` keeps the buffer's capacity.
public struct ZCachedRequestEncoder: Sendable {
    /// The limits every request is checked against.
    public var limits: ZCachedRequestLimits
    /// The encoded frames, each ending in `0x03`.
    public private(set) var bytes: [UInt8]

    /// Makes an encoder.
    /// - Parameters:
    ///   - limits: The limits to enforce.
    ///   - capacity: The number of bytes to reserve up front.
    public init(limits: ZCachedRequestLimits = ZCachedRequestLimits(), capacity: Int = 256) {
        self.limits = limits
        self.bytes = []
        self.bytes.reserveCapacity(capacity)
    }

    /// Removes the encoded bytes, keeping the buffer's capacity.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends one command's request frame to ``bytes``.
    /// - Parameter command: The command to encode.
    /// - Returns: The size of the frame in bytes, `0x03` included.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` when an argument cannot be sent or the frame
    ///   is over ``ZCachedRequestLimits/maximumRequestSize``; ``bytes`` is then unchanged.
    @discardableResult
    public mutating func encode<Command: ZCachedCommand>(_ command: Command) throws(ZCachedError) -> Int {
        let start = bytes.count
        do {
            try command.encode(into: &self)
        } catch {
            bytes.removeSubrange(start...)
            throw error
        }
        bytes.append(0x03)
        let size = bytes.count - start
        guard size <= limits.maximumRequestSize else {
            bytes.removeSubrange(start...)
            throw ZCachedError(
                code: .invalidArgument,
                message: "the request is \(size) bytes, over the server's request limit of \(limits.maximumRequestSize) bytes",
                argument: "request"
            )
        }
        return size
    }

    /// Starts a request: the array header and the command name.
    /// - Parameters:
    ///   - name: The command name, such as `GET`. Must be a valid string (checked).
    ///   - argumentCount: How many arguments will follow.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` when the name is empty or has a forbidden byte.
    public mutating func writeCommand(_ name: String, argumentCount: Int) throws(ZCachedError) {
        try ZCachedValidation.checkString(name, argument: "command name", isKey: false)
        // Room for short arguments up front: a 100-key MGET would otherwise grow the buffer
        // by doubling, three copies and allocations on the way.
        bytes.reserveCapacity(bytes.count + Self.reservedBytesPerArgument * (argumentCount + 1))
        ZCachedWireWriter.writeHeader(UInt8(ascii: "*"), count: argumentCount + 1, into: &bytes)
        ZCachedWireWriter.writeBulkString(name.utf8, into: &bytes)
    }

    /// The bytes ``writeCommand(_:argumentCount:)`` reserves per argument: a key of ~10 bytes
    /// with its `$<length>\r\n` header and `\r\n`.
    private static let reservedBytesPerArgument = 16

    /// Writes a key as a bulk string.
    /// - Parameters:
    ///   - key: The key.
    ///   - argument: The argument's name for errors, such as `key` or `keys[3]`; only built when
    ///     the key is refused.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` when the key is empty or has a forbidden byte.
    public mutating func writeKey(_ key: String, argument: @autoclosure () -> String = "key") throws(ZCachedError) {
        try writeCheckedString(key, argument: argument, isKey: true)
    }

    /// Writes a text argument (an ECHO message, an option) as a bulk string.
    /// - Parameters:
    ///   - text: The text.
    ///   - argument: The argument's name for errors.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` when the text is empty or has a forbidden byte.
    public mutating func writeText(_ text: String, argument: @autoclosure () -> String) throws(ZCachedError) {
        try writeCheckedString(text, argument: argument, isKey: false)
    }

    /// Checks `string` and writes it as a bulk string, both from its contiguous UTF-8 bytes
    /// (the generic `String.UTF8View` paths cost more than the check itself). Writes nothing
    /// when it is refused.
    private mutating func writeCheckedString(_ string: String, argument: () -> String, isKey: Bool) throws(ZCachedError) {
        var string = string
        let problem: String? = string.withUTF8 { utf8 in
            if let problem = ZCachedValidation.problem(inString: utf8) { return problem }
            ZCachedWireWriter.writeBulkString(utf8, into: &bytes)
            return nil
        }
        if let problem { throw ZCachedValidation.refusal(of: string, problem, argument: argument(), isKey: isKey) }
    }

    /// Writes a value in its own type's encoding, as SET and MSET send values.
    /// - Parameters:
    ///   - value: The value.
    ///   - argument: The argument's name for errors, such as `value`; only built when the value
    ///     is refused.
    ///   - key: The key it is stored under, for errors.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` when the value cannot be stored unchanged.
    public mutating func writeValue(_ value: ZCachedValue, argument: @autoclosure () -> String = "value", key: String? = nil) throws(ZCachedError) {
        try ZCachedValidation.checkStorable(value, argument: argument(), key: key, limits: limits)
        ZCachedWireWriter.writeValue(value, into: &bytes)
    }
}
