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
        if ASCII.equalsIgnoringCase(command, "SET".utf8) {
            return elements.count > 2 && storesAnErrorUnderAKey(elements[1], elements[2])  // §6.4
        }
        if ASCII.equalsIgnoringCase(command, "MSET".utf8), elements.count % 2 == 1 {
            // Pairs are stored in order until the first that fails (§6.13): a pair after a key
            // the server cannot store is never reached.
            for pair in stride(from: 1, to: elements.count, by: 2) {
                guard case .bulkString = elements[pair] else { return false }
                // A value that is an error itself fails its pair (`-ERR unexpected`) and ends the MSET.
                if case .error = elements[pair + 1] { return false }
                if storesAnErrorUnderAKey(elements[pair], elements[pair + 1]) { return true }
            }
        }
        return false
    }

    /// Whether storing `value` under `key` leaves the phantom key that later crashes the server
    /// (§6.4): a key the server stores (a bulk string) and an error nested in the value.
    /// Arguments past a SET's value, or an MSET of an odd argument count, store nothing here.
    private static func storesAnErrorUnderAKey(_ key: ZCachedValue, _ value: ZCachedValue) -> Bool {
        guard case .bulkString = key else { return false }
        return nestsAnError(value)
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
