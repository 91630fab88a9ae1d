/// One value as zcached stores it and replies with it.
///
/// zcached speaks a RESP3-like protocol. Every type it can store or send back has a case here
/// (see PROTOCOL.md §2). Bulk strings are raw bytes because the server stores bytes; use
/// ``ZCachedValue/string`` to read one as UTF-8 text.
///
/// Two values are equal when they have the same case and equal contents, in the same order.
/// Unlike `Double`, `.double(.nan) == .double(.nan)` holds, so a number read back from the server
/// compares equal to the one that was stored. Containers may not: the server replies to maps and
/// unordered sets in hash order (compare maps with ``ZCachedMap/hasSameEntries(as:)``), keeps the
/// last of a map's duplicate keys and drops a set's duplicate elements (PROTOCOL.md §2).
public enum ZCachedValue: Sendable {
    /// A bulk string (`$`): any bytes. Keys and most values travel this way.
    case bulkString([UInt8])
    /// A simple string (`+`): one line of text. Stored simple strings come back as simple strings.
    case simpleString(String)
    /// A signed 64-bit integer (`:`).
    case integer(Int64)
    /// A 64-bit float (`,`), `nan` and the infinities included.
    case double(Double)
    /// A boolean (`#t` / `#f`).
    case boolean(Bool)
    /// The null value (`_`). MGET reports a missing key with it.
    case null
    /// An ordered array of any values (`*`).
    case array([ZCachedValue])
    /// A map from string keys to values (`%`), in the order the server sent it.
    case map(ZCachedMap)
    /// A set that keeps insertion order (`/`).
    case orderedSet([ZCachedValue])
    /// A set without order (`~`). The server replies in hash order.
    case unorderedSet([ZCachedValue])
    /// An error reply (`-`), holding the text after the dash, for example `ERR unexpected`.
    ///
    /// The server never stores errors, so this case only appears as a reply. The clients turn it
    /// into a thrown ``ZCachedError``.
    case error(String)
}

extension ZCachedValue {
    /// Makes a bulk string value from UTF-8 text.
    /// - Parameter text: The text to store; it is sent as its UTF-8 bytes.
    /// - Returns: ``ZCachedValue/bulkString(_:)-enum.case`` holding the UTF-8 bytes of `text`.
    @inlinable
    public static func bulkString(_ text: String) -> ZCachedValue {
        .bulkString(Array(text.utf8))
    }

    /// The value as text when it is a bulk or simple string, `nil` otherwise.
    ///
    /// Bytes that are not valid UTF-8 are replaced with U+FFFD, as `String(decoding:as:)` does.
    public var string: String? {
        switch self {
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .simpleString(let text): text
        default: nil
        }
    }

    /// Whether the value is ``ZCachedValue/null``.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The name of the value's type as the protocol documentation spells it, for error messages.
    public var typeName: String {
        switch self {
        case .bulkString: "bulk string"
        case .simpleString: "simple string"
        case .integer: "integer"
        case .double: "double"
        case .boolean: "boolean"
        case .null: "null"
        case .array: "array"
        case .map: "map"
        case .orderedSet: "ordered set"
        case .unorderedSet: "unordered set"
        case .error: "error"
        }
    }
}

extension ZCachedValue: Hashable {
    public static func == (lhs: ZCachedValue, rhs: ZCachedValue) -> Bool {
        switch (lhs, rhs) {
        case (.bulkString(let a), .bulkString(let b)): a == b
        case (.simpleString(let a), .simpleString(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.double(let a), .double(let b)): a == b || (a.isNaN && b.isNaN)
        case (.boolean(let a), .boolean(let b)): a == b
        case (.null, .null): true
        case (.array(let a), .array(let b)): a == b
        case (.map(let a), .map(let b)): a == b
        case (.orderedSet(let a), .orderedSet(let b)): a == b
        case (.unorderedSet(let a), .unorderedSet(let b)): a == b
        case (.error(let a), .error(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .bulkString(let bytes): hasher.combine(0); hasher.combine(bytes)
        case .simpleString(let text): hasher.combine(1); hasher.combine(text)
        case .integer(let number): hasher.combine(2); hasher.combine(number)
        case .double(let number): hasher.combine(3); hasher.combine(number.isNaN ? .nan : number)
        case .boolean(let flag): hasher.combine(4); hasher.combine(flag)
        case .null: hasher.combine(5)
        case .array(let elements): hasher.combine(6); hasher.combine(elements)
        case .map(let map): hasher.combine(7); hasher.combine(map)
        case .orderedSet(let elements): hasher.combine(8); hasher.combine(elements)
        case .unorderedSet(let elements): hasher.combine(9); hasher.combine(elements)
        case .error(let text): hasher.combine(10); hasher.combine(text)
        }
    }
}
