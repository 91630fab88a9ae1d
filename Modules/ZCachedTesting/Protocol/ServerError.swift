import ZCachedCore

/// An error reply of the real server, with its exact text (PROTOCOL.md §3, "Every error string").
enum ServerError: Error, Equatable {
    /// `-ERR unprocessable`: syntax error, missing `\n`, empty string, unknown prefix.
    case unprocessable
    /// `-ERR unexpected`: the catch-all (wrong arity, wrong key type, end of frame, bad option).
    case unexpected
    /// `-TYPERR invalid type`: a bad integer, float or boolean literal.
    case invalidType
    /// `-INVAL invalid length`: a bad element count.
    case invalidLength
    /// `-ERR key must be a string`: a map key that is not a string.
    case keyMustBeString
    /// `-ERR unknown command '<name>'`, or `-ERR unknown command` when the name is not a bulk string.
    case unknownCommand(name: [UInt8]?)
    /// `-ERR '<key>' not found`, or `-ERR not found` when the key was not sent as a bulk string.
    case notFound(key: [UInt8]?)
    /// `-BUSYKEY key already exists`.
    case busyKey
    /// `-NOSAVE error while saving data`.
    case noSave

    /// Appends the error reply (without the `0x03` terminator).
    func write(into buffer: inout [UInt8]) {
        switch self {
        case .unprocessable: buffer.append(contentsOf: "-ERR unprocessable".utf8)
        case .unexpected: buffer.append(contentsOf: "-ERR unexpected".utf8)
        case .invalidType: buffer.append(contentsOf: "-TYPERR invalid type".utf8)
        case .invalidLength: buffer.append(contentsOf: "-INVAL invalid length".utf8)
        case .keyMustBeString: buffer.append(contentsOf: "-ERR key must be a string".utf8)
        case .unknownCommand(let name?): Self.writeQuoted("-ERR unknown command '", name, "'", into: &buffer)
        case .unknownCommand(nil): buffer.append(contentsOf: "-ERR unknown command".utf8)
        case .notFound(let key?): Self.writeQuoted("-ERR '", key, "' not found", into: &buffer)
        case .notFound(nil): buffer.append(contentsOf: "-ERR not found".utf8)
        case .busyKey: buffer.append(contentsOf: "-BUSYKEY key already exists".utf8)
        case .noSave: buffer.append(contentsOf: "-NOSAVE error while saving data".utf8)
        }
        ZCachedWireWriter.writeCRLF(into: &buffer)
    }

    private static func writeQuoted(
        _ head: StaticString,
        _ bytes: [UInt8],
        _ tail: StaticString,
        into buffer: inout [UInt8]
    ) {
        head.withUTF8Buffer { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: bytes)
        tail.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }
}
