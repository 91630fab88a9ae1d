/// Turns commands into the exact request bytes the server expects: an array of bulk strings
/// (typed values for SET and MSET) followed by one `0x03` (PROTOCOL.md §7.1).
///
/// Every argument is checked by ``ZCachedValidation`` while it is written, and so is the frame's
/// shape, for commands of the SDK's and custom ones alike: a frame is one
/// ``writeCommand(_:argumentCount:)`` followed by exactly the arguments it announced, and the key
/// of `GET`, `DELETE` and `SIZEOF` must be a bulk string (an empty command array and other keys
/// crash the server, PROTOCOL.md §6.1, §6.2). (`COPY` of a key onto itself with `REPLACE`, a
/// use-after-free in the server, is refused by ``ZCachedKeyCommands/Copy`` and
/// ``ZCachedRawCommand``; a custom command must not send it.) When a check fails the encoder
/// drops the partly written frame, so ``bytes`` holds only whole, valid frames and nothing of a
/// refused request can reach a connection.
///
/// Reuse one encoder per connection: ``reset()`` keeps the buffer's capacity.
public struct ZCachedRequestEncoder: Sendable {
    /// The limits every request is checked against.
    public var limits: ZCachedRequestLimits
    /// The encoded frames, each ending in `0x03`.
    public private(set) var bytes: [UInt8]
    /// The shape of the frame being written: what its command announced and how much followed.
    private var frame = FrameShape()

    private struct FrameShape {
        /// The argument count ``writeCommand(_:argumentCount:)`` announced; `nil` before it.
        var announcedArguments: Int?
        var writtenArguments = 0
        /// Whether the first argument must be a bulk string (the key of GET, DELETE, SIZEOF).
        var firstArgumentIsKey = false
    }

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
        frame = FrameShape()
        do {
            try command.encode(into: &self)
            try requireWholeFrame(of: command)
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
    ///   - argumentCount: How many arguments will follow; exactly that many must be written.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` when the name is empty or has a forbidden
    ///   byte, when `argumentCount` is negative or over 2³¹ − 1, or when the frame already has a
    ///   command.
    public mutating func writeCommand(_ name: String, argumentCount: Int) throws(ZCachedError) {
        guard frame.announcedArguments == nil else {
            throw .invalidArgument("a request holds one command; writeCommand was called twice", argument: "command name")
        }
        guard (0...Self.maximumArgumentCount).contains(argumentCount) else {
            throw .invalidArgument("argumentCount \(argumentCount) is not between 0 and \(Self.maximumArgumentCount)", argument: "argumentCount")
        }
        try ZCachedValidation.checkString(name, argument: "command name", isKey: false)
        frame.announcedArguments = argumentCount
        frame.firstArgumentIsKey = Self.takesKeyFirst(name)
        // Room for short arguments up front: a 100-key MGET would otherwise grow the buffer
        // by doubling, three copies and allocations on the way.
        bytes.reserveCapacity(bytes.count + Self.reservedBytesPerArgument * (min(argumentCount, 4096) + 1))
        ZCachedWireWriter.writeHeader(UInt8(ascii: "*"), count: argumentCount + 1, into: &bytes)
        ZCachedWireWriter.writeBulkString(name.utf8, into: &bytes)
    }

    /// The most arguments one command may announce.
    private static let maximumArgumentCount = Int(Int32.max)

    /// Whether a command's first argument is a key the server reads as a string without checking
    /// its type: GET, DELETE and SIZEOF crash on any other (PROTOCOL.md §6.2).
    private static func takesKeyFirst(_ name: String) -> Bool {
        let count = name.utf8.count
        guard count == 3 || count == 6 else { return false }
        return ["GET", "DELETE", "SIZEOF"].contains { name.utf8.elementsEqual($0.utf8) { $0 & 0xDF == $1 } }
    }

    /// Counts one more argument of the frame.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` before ``writeCommand(_:argumentCount:)``
    ///   or past the announced count.
    private mutating func countArgument(_ argument: () -> String) throws(ZCachedError) {
        guard let announced = frame.announcedArguments else {
            throw .invalidArgument("\(argument()) was written before writeCommand(_:argumentCount:)", argument: argument())
        }
        guard frame.writtenArguments < announced else {
            throw .invalidArgument("the command announced \(announced) arguments and wrote more", argument: argument())
        }
        frame.writtenArguments += 1
    }

    /// Checks, once `command` has written itself, that it wrote one whole request.
    private func requireWholeFrame(of command: some ZCachedCommand) throws(ZCachedError) {
        guard let announced = frame.announcedArguments else {
            throw .invalidArgument("\(command.name) wrote no writeCommand(_:argumentCount:)", argument: "request")
        }
        guard frame.writtenArguments == announced else {
            throw .invalidArgument(
                "\(command.name) announced \(announced) arguments and wrote \(frame.writtenArguments)",
                argument: "request"
            )
        }
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
        try countArgument(argument)
        try writeCheckedString(key, argument: argument, isKey: true)
    }

    /// Writes a text argument (an ECHO message, an option) as a bulk string.
    /// - Parameters:
    ///   - text: The text.
    ///   - argument: The argument's name for errors.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` when the text is empty or has a forbidden byte.
    public mutating func writeText(_ text: String, argument: @autoclosure () -> String) throws(ZCachedError) {
        try countArgument(argument)
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
    /// - Throws: ``ZCachedError/Code/invalidArgument`` when the value cannot be stored unchanged,
    ///   or is the key of GET, DELETE or SIZEOF and not a bulk string.
    public mutating func writeValue(_ value: ZCachedValue, argument: @autoclosure () -> String = "value", key: String? = nil) throws(ZCachedError) {
        try countArgument(argument)
        if frame.writtenArguments == 1, frame.firstArgumentIsKey {
            guard case .bulkString = value else {
                throw .invalidArgument(
                    "\(argument()) is a \(value.typeName) where the command takes a key; a key that is not a "
                        + "bulk string crashes the server",
                    argument: argument()
                )
            }
        }
        try ZCachedValidation.checkStorable(value, argument: argument(), key: key, limits: limits)
        ZCachedWireWriter.writeValue(value, into: &bytes)
    }
}
