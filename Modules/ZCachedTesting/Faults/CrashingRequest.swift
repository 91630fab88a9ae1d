import ZCachedCore

/// Recognises the requests that crash the real server (PROTOCOL.md §6.1–§6.4), for
/// ``ZCachedFaultInjector/emulatesCrashes``.
enum CrashingRequest {
    /// Whether the request would crash the real server.
    /// - Parameters:
    ///   - frame: The frame's bytes, without its `0x03`.
    ///   - elements: The elements the parser read (possibly fewer than declared after an error).
    static func crashes(frame: UnsafeRawBufferPointer, elements: [ZCachedValue]) -> Bool {
        guard let name = elements.first else { return isEmptyArray(frame) }
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

    /// Whether the frame declares an array of no elements (`*0`, §6.1).
    private static func isEmptyArray(_ frame: UnsafeRawBufferPointer) -> Bool {
        frame.count >= 3 && frame[0] == UInt8(ascii: "*") && frame[1] == UInt8(ascii: "0")
            && (frame[2] == 0x0D || frame[2] == 0x0A)
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
