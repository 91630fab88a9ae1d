/// A Swift type that converts to and from a ``ZCachedValue``, for typed reads and writes such
/// as `client.get("age", as: Int.self)`.
///
/// Conversions are strict: reading a bulk string as `Int` fails rather than parsing it. The one
/// widening is integer → `Double`, exact for integers up to 2^53 in magnitude.
public protocol ZCachedValueConvertible: Sendable {
    /// Makes a Swift value from a server value.
    /// - Parameter value: The value read from the server.
    /// - Throws: ``ZCachedError/Code/unexpectedReply`` when `value` has another type.
    init(zcachedValue value: ZCachedValue) throws(ZCachedError)

    /// The server value to store for this Swift value.
    var zcachedValue: ZCachedValue { get }
}

extension ZCachedValueConvertible {
    /// Converts the value stored under `key`, naming the key in the error.
    /// - Parameters:
    ///   - value: The value read from the server.
    ///   - key: The key it was read from.
    /// - Returns: The converted value.
    /// - Throws: ``ZCachedError/Code/unexpectedReply`` with ``ZCachedError/key`` set to `key`.
    public static func converting(_ value: ZCachedValue, storedUnder key: String) throws(ZCachedError) -> Self {
        do {
            return try Self(zcachedValue: value)
        } catch {
            var error = error
            error.key = key
            throw error
        }
    }
}

extension ZCachedValue: ZCachedValueConvertible {
    public init(zcachedValue value: ZCachedValue) { self = value }
    public var zcachedValue: ZCachedValue { self }
}

extension String: ZCachedValueConvertible {
    /// Reads a bulk or simple string as UTF-8 text.
    public init(zcachedValue value: ZCachedValue) throws(ZCachedError) {
        guard let text = value.string else { throw .unexpectedReply(value, expected: "string") }
        self = text
    }
    /// A bulk string of the UTF-8 bytes.
    public var zcachedValue: ZCachedValue { .bulkString(Array(utf8)) }
}

extension Int64: ZCachedValueConvertible {
    /// Reads an integer.
    public init(zcachedValue value: ZCachedValue) throws(ZCachedError) {
        guard case .integer(let number) = value else { throw .unexpectedReply(value, expected: "integer") }
        self = number
    }
    /// An integer.
    public var zcachedValue: ZCachedValue { .integer(self) }
}

extension Int: ZCachedValueConvertible {
    /// Reads an integer.
    public init(zcachedValue value: ZCachedValue) throws(ZCachedError) {
        self = Int(try Int64(zcachedValue: value))
    }
    /// An integer.
    public var zcachedValue: ZCachedValue { .integer(Int64(self)) }
}

extension Double: ZCachedValueConvertible {
    /// Reads a double, or an integer converted to the nearest double.
    public init(zcachedValue value: ZCachedValue) throws(ZCachedError) {
        switch value {
        case .double(let number): self = number
        case .integer(let number): self = Double(number)
        default: throw .unexpectedReply(value, expected: "double")
        }
    }
    /// A double.
    public var zcachedValue: ZCachedValue { .double(self) }
}

extension Bool: ZCachedValueConvertible {
    /// Reads a boolean.
    public init(zcachedValue value: ZCachedValue) throws(ZCachedError) {
        guard case .boolean(let flag) = value else { throw .unexpectedReply(value, expected: "boolean") }
        self = flag
    }
    /// A boolean.
    public var zcachedValue: ZCachedValue { .boolean(self) }
}

extension Array: ZCachedValueConvertible where Element: ZCachedValueConvertible {
    /// Reads an array, ordered set or unordered set, converting every element.
    public init(zcachedValue value: ZCachedValue) throws(ZCachedError) {
        switch value {
        case .array(let elements), .orderedSet(let elements), .unorderedSet(let elements):
            self = []
            reserveCapacity(elements.count)
            for element in elements { append(try Element(zcachedValue: element)) }
        default:
            throw .unexpectedReply(value, expected: "array")
        }
    }
    /// An array.
    public var zcachedValue: ZCachedValue { .array(map(\.zcachedValue)) }
}

extension Set: ZCachedValueConvertible where Element: ZCachedValueConvertible {
    /// Reads an unordered set, ordered set or array, converting every element.
    public init(zcachedValue value: ZCachedValue) throws(ZCachedError) {
        self = Set(try [Element](zcachedValue: value))
    }
    /// An unordered set.
    public var zcachedValue: ZCachedValue { .unorderedSet(map(\.zcachedValue)) }
}

extension Dictionary: ZCachedValueConvertible where Key == String, Value: ZCachedValueConvertible {
    /// Reads a map, converting every value; for a repeated key the last value wins.
    public init(zcachedValue value: ZCachedValue) throws(ZCachedError) {
        guard case .map(let map) = value else { throw .unexpectedReply(value, expected: "map") }
        self = [:]
        reserveCapacity(map.count)
        for entry in map { self[entry.key] = try Value(zcachedValue: entry.value) }
    }
    /// A map, in the dictionary's iteration order.
    public var zcachedValue: ZCachedValue { .map(ZCachedMap(map { ($0.key, $0.value.zcachedValue) })) }
}
