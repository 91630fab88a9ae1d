extension ZCachedValue: CustomStringConvertible, CustomDebugStringConvertible {
    /// The value's type and size; a container's or string's contents are left out, so they are
    /// safe to log. Numbers, booleans and error texts are shown whole: an error text can name a
    /// key (`ERR 'k' not found`), so log ``ZCachedError/description`` rather than an error reply.
    public var description: String {
        switch self {
        case .bulkString(let bytes): "bulk string (\(bytes.count) bytes)"
        case .simpleString(let text): "simple string (\(text.utf8.count) bytes)"
        case .array(let elements): "array (\(elements.count) elements)"
        case .map(let map): "map (\(map.count) entries)"
        case .orderedSet(let elements): "ordered set (\(elements.count) elements)"
        case .unorderedSet(let elements): "unordered set (\(elements.count) elements)"
        case .integer, .double, .boolean, .null, .error: debugDescription
        }
    }

    /// The value with its contents, for debugging. It may contain cached data: don't log it.
    public var debugDescription: String {
        switch self {
        case .bulkString(let bytes): "$\(String(decoding: bytes, as: UTF8.self).debugDescription)"
        case .simpleString(let text): "+\(text.debugDescription)"
        case .integer(let number): ":\(number)"
        case .double(let number): ",\(ZCachedDoubleFormat.plainDecimal(number))"
        case .boolean(let flag): flag ? "#t" : "#f"
        case .null: "_"
        case .array(let elements): "[\(elements.map(\.debugDescription).joined(separator: ", "))]"
        case .map(let map): "{\(map.map { "\($0.key.debugDescription): \($0.value.debugDescription)" }.joined(separator: ", "))}"
        case .orderedSet(let elements): "/[\(elements.map(\.debugDescription).joined(separator: ", "))]"
        case .unorderedSet(let elements): "~[\(elements.map(\.debugDescription).joined(separator: ", "))]"
        case .error(let text): "-\(text)"
        }
    }
}
