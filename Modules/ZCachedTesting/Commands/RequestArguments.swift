import ZCachedCore

/// A request's arguments (the elements after the command name), with the real server's rules
/// for reading keys and values out of them. Missing or mistyped arguments are `-ERR unexpected`.
struct RequestArguments {
    /// A key that GET, DELETE and SIZEOF look up, and the not-found error that names it.
    struct LookupKey {
        let bytes: [UInt8]
        /// `-ERR '<key>' not found` for a bulk key, `-ERR not found` for a simple-string key.
        let notFound: ServerError
    }

    private let elements: ArraySlice<ZCachedValue>

    init(_ request: [ZCachedValue]) {
        elements = request.dropFirst()
    }

    var count: Int { elements.count }

    func value(at position: Int) throws(ServerError) -> ZCachedValue {
        guard position < elements.count else { throw .unexpected }
        return elements[elements.startIndex + position]
    }

    /// A key that must be a bulk string (SET, MSET, MGET, RENAME, COPY).
    func bulkKey(at position: Int) throws(ServerError) -> [UInt8] {
        guard case .bulkString(let bytes) = try value(at: position) else { throw .unexpected }
        return bytes
    }

    /// A key for GET, DELETE and SIZEOF, which also accept a simple string.
    ///
    /// Other types crash the real server (PROTOCOL.md §6.2); here they are `-ERR unexpected`.
    func lookupKey(at position: Int) throws(ServerError) -> LookupKey {
        switch try value(at: position) {
        case .bulkString(let bytes): LookupKey(bytes: bytes, notFound: .notFound(key: bytes))
        case .simpleString(let text): LookupKey(bytes: Array(text.utf8), notFound: .notFound(key: nil))
        default: throw .unexpected
        }
    }

    /// A value to store: any type except an error, at any depth (the real server stores a corrupt
    /// key for a nested error, §6.4; here nothing is stored).
    func storableValue(at position: Int) throws(ServerError) -> ZCachedValue {
        let value = try value(at: position)
        guard !Self.containsError(value) else { throw .unexpected }
        return value
    }

    private static func containsError(_ value: ZCachedValue) -> Bool {
        switch value {
        case .error: true
        case .array(let elements), .orderedSet(let elements), .unorderedSet(let elements):
            elements.contains(where: containsError)
        case .map(let map): map.contains { containsError($0.value) }
        case .bulkString, .simpleString, .integer, .double, .boolean, .null: false
        }
    }
}
