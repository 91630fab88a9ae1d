import ZCachedCore

/// Recognises the requests that crash the real server (PROTOCOL.md §6.1–§6.4), for
/// ``ZCachedFaultInjector/emulatesCrashes``.
enum CrashingRequest {
    /// Whether the request would crash the real server.
    ///
    /// The real server parses the whole request before it runs it, so a request that fails to
    /// parse gets its error reply even when an element read before the failure would crash a
    /// command (`GET :1` followed by an empty bulk string answers `-ERR unprocessable`); only the
    /// empty array, which fails the parse, crashes.
    /// - Parameters:
    ///   - frame: The frame's bytes, without its `0x03`.
    ///   - elements: The elements the parser read (possibly fewer than declared after an error).
    ///   - parsed: Whether the whole request parsed.
    static func crashes(frame: UnsafeRawBufferPointer, elements: [ZCachedValue], parsed: Bool) -> Bool {
        guard let name = elements.first else { return isEmptyArray(frame) }
        guard parsed else { return false }
        guard case .bulkString(let command) = name else {
            return !isString(name)  // §6.3
        }
        if ["GET", "DELETE", "SIZEOF"].contains(where: { ASCII.equalsIgnoringCase(command, $0.utf8) }) {
            return elements.count > 1 && !isString(elements[1])  // §6.2
        }
        if ["SET", "MSET"].contains(where: { ASCII.equalsIgnoringCase(command, $0.utf8) }) {
            return elements.dropFirst(2).contains(where: nestsAnError)  // §6.4
        }
        return false
    }

    /// Whether the frame declares an array of no elements (`*0`, `*00`, §6.1).
    private static func isEmptyArray(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard frame.first == UInt8(ascii: "*") else { return false }
        let zeros = frame.dropFirst().prefix { $0 == UInt8(ascii: "0") }.count
        guard zeros > 0, 1 + zeros < frame.count else { return false }
        let next = frame[1 + zeros]
        return next == 0x0D || next == 0x0A
    }

    private static func isString(_ value: ZCachedValue) -> Bool {
        switch value {
        case .bulkString, .simpleString: true
        default: false
        }
    }

    /// Whether an error value sits anywhere inside an aggregate value.
    private static func nestsAnError(_ value: ZCachedValue) -> Bool {
        switch value {
        case .array(let elements), .orderedSet(let elements), .unorderedSet(let elements):
            elements.contains { if case .error = $0 { true } else { nestsAnError($0) } }
        case .map(let map):
            map.contains { if case .error = $0.value { true } else { nestsAnError($0.value) } }
        default:
            false
        }
    }
}
