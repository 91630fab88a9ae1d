/// The checks that keep the client from sending what the server would split, truncate, reject
/// or crash on (PROTOCOL.md §6 and §7).
///
/// The request encoder runs them on every argument before anything is written to a connection;
/// a refused request is an ``ZCachedError/Code/invalidArgument`` error naming the argument and
/// the reason, and no byte of it is sent. Refused:
/// - empty strings (the server answers `-ERR unprocessable`);
/// - `\n` (the server silently cuts the value there), `\r` and `0x03` (the server splits the
///   frame there). A lone `\r` would in fact round-trip (PROTOCOL.md §1.1); it is refused by
///   choice, so that one simple rule covers keys, values and text alike (binary data is rarely
///   free of `\n` anyway, and ZCachedCodable escapes all three);
/// - empty maps (`-ERR unprocessable`) and error values (nested ones corrupt the key space and
///   later crash the server);
/// - values nested deeper than ``ZCachedRequestLimits/maximumNestingDepth``;
/// - requests larger than ``ZCachedRequestLimits/maximumRequestSize``.
public enum ZCachedValidation {
    /// Why a string cannot be sent, or `nil` when it can.
    /// - Parameter bytes: The string's bytes.
    /// - Returns: A reason such as `"is empty"` or `"contains a line feed (0x0A) at byte 3"`.
    @inlinable
    public static func problem<Bytes: Collection>(inString bytes: Bytes) -> String? where Bytes.Element == UInt8 {
        if bytes.isEmpty { return "is empty; the server cannot receive empty strings" }
        let forbidden = bytes.withContiguousStorageIfAvailable { firstForbiddenByte(in: $0) }
            ?? firstForbiddenByte(in: bytes)
        guard let (offset, byte) = forbidden else { return nil }
        return "contains \(forbiddenByteName(byte)) at byte \(offset); the server would cut or split it there"
    }

    /// Checks a key, command name or string argument.
    /// - Parameters:
    ///   - string: The text to check.
    ///   - argument: The argument's name for the error, such as `key`; only built on failure.
    ///   - isKey: Whether `string` is a key, so the error carries it in ``ZCachedError/key``.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` when the server could not take it.
    @inlinable
    public static func checkString(_ string: String, argument: @autoclosure () -> String, isKey: Bool = true) throws(ZCachedError) {
        if let problem = problem(inString: string.utf8) {
            throw refusal(of: string, problem, argument: argument(), isKey: isKey)
        }
    }

    /// The error that refuses `string`.
    /// - Parameters:
    ///   - string: The refused text.
    ///   - problem: What ``problem(inString:)`` found.
    ///   - argument: The argument's name, such as `key`.
    ///   - isKey: Whether `string` is a key, so the error carries it in ``ZCachedError/key``.
    @usableFromInline
    package static func refusal(of string: String, _ problem: String, argument: String, isKey: Bool) -> ZCachedError {
        ZCachedError(code: .invalidArgument, message: "\(argument) \(problem)", argument: argument, key: isKey ? string : nil)
    }

    /// Checks that a value can be stored and read back unchanged.
    /// - Parameters:
    ///   - value: The value to check, with everything nested in it.
    ///   - argument: The argument's name for the error, such as `value`; only built on failure.
    ///   - key: The key the value is stored under, for the error.
    ///   - limits: The nesting limit to apply.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` naming the path to the bad element,
    ///   such as `value[2][entry 0]` (map entries by position: their keys are data).
    public static func checkStorable(
        _ value: ZCachedValue,
        argument: @autoclosure () -> String,
        key: String? = nil,
        limits: ZCachedRequestLimits = ZCachedRequestLimits()
    ) throws(ZCachedError) {
        try checkStorable(value, path: argument, argument: argument, key: key, depth: 0, limits: limits)
    }

    /// The recursive check. The names are closures, built only when a value is refused, so a
    /// valid value costs no string formatting at any depth.
    private static func checkStorable(
        _ value: ZCachedValue,
        path: () -> String,
        argument: () -> String,
        key: String?,
        depth: Int,
        limits: ZCachedRequestLimits
    ) throws(ZCachedError) {
        func refuse(_ message: String) -> ZCachedError {
            ZCachedError(code: .invalidArgument, message: "\(path()) \(message)", argument: argument(), key: key)
        }
        switch value {
        case .integer, .double, .boolean, .null:
            return
        case .bulkString(let bytes):
            if let problem = problem(inString: bytes) { throw refuse(problem) }
        case .simpleString(let text):
            if let problem = problem(inString: text.utf8) { throw refuse(problem) }
        case .error:
            throw refuse("is an error value; the server cannot store errors (a nested one corrupts its key space)")
        case .array(let elements), .orderedSet(let elements), .unorderedSet(let elements):
            guard depth < limits.maximumNestingDepth else {
                throw refuse("nests deeper than \(limits.maximumNestingDepth) levels")
            }
            for (index, element) in elements.enumerated() {
                try checkStorable(element, path: { "\(path())[\(index)]" }, argument: argument, key: key, depth: depth + 1, limits: limits)
            }
        case .map(let map):
            guard !map.isEmpty else { throw refuse("is an empty map; the server rejects empty maps") }
            guard depth < limits.maximumNestingDepth else {
                throw refuse("nests deeper than \(limits.maximumNestingDepth) levels")
            }
            for (index, entry) in map.enumerated() {
                if let problem = problem(inString: entry.key.utf8) { throw refuse("has a key (entry \(index)) that \(problem)") }
                // The entry's position, not its key: map keys are data, and the message is logged.
                try checkStorable(entry.value, path: { "\(path())[entry \(index)]" }, argument: argument, key: key, depth: depth + 1, limits: limits)
            }
        }
    }

    @usableFromInline
    static func firstForbiddenByte<Bytes: Collection>(in bytes: Bytes) -> (Int, UInt8)? where Bytes.Element == UInt8 {
        var offset = 0
        for byte in bytes {
            // 0x0A and 0x03 are the bytes the server mangles, 0x0D the one refused by choice (see
            // the type's doc); one compare clears every other byte.
            if byte <= 0x0D, byte == 0x0A || byte == 0x0D || byte == 0x03 { return (offset, byte) }
            offset += 1
        }
        return nil
    }

    @usableFromInline
    static func forbiddenByteName(_ byte: UInt8) -> String {
        switch byte {
        case 0x0A: "a line feed (0x0A)"
        case 0x0D: "a carriage return (0x0D)"
        default: "the frame terminator byte 0x03"
        }
    }
}
