import ZCachedCore

/// The `Decoder` handed to `init(from:)`: reads one stored value.
final class ZCachedDecoderImplementation: Decoder {
    let value: ZCachedValue
    let codingPath: [any CodingKey]
    let options: ZCachedCodingOptions
    /// Set only on the top-level decoder of a field-per-key load.
    let fields: ZCachedFieldTracker?
    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    init(value: ZCachedValue, codingPath: [any CodingKey], options: ZCachedCodingOptions, fields: ZCachedFieldTracker? = nil) {
        self.value = value
        self.codingPath = codingPath
        self.options = options
        self.fields = fields
    }

    /// An empty array reads as an empty map: the encoder stores empty maps that way, since the
    /// server refuses them.
    /// - Throws: `DecodingError.typeMismatch` unless the value is a map or an empty array.
    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let map: ZCachedMap
        switch value {
        case .map(let entries): map = entries
        case .array(let elements) where elements.isEmpty: map = ZCachedMap()
        default:
            throw ZCachedCodingErrors.typeMismatch([String: Any].self, value, codingPath, expected: "a map (a struct or dictionary)")
        }
        var entries: [String: ZCachedValue] = [:]
        entries.reserveCapacity(map.count)
        for entry in map {
            entries[try options.originalString(entry.key, codingPath: codingPath)] = entry.value
        }
        return KeyedDecodingContainer(ZCachedKeyedDecodingContainer(decoder: self, entries: entries))
    }

    /// - Throws: `DecodingError.typeMismatch` unless the value is an array or a set.
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let elements), .orderedSet(let elements), .unorderedSet(let elements):
            ZCachedUnkeyedDecodingContainer(decoder: self, elements: elements)
        default:
            throw ZCachedCodingErrors.typeMismatch([Any].self, value, codingPath, expected: "an array or a set")
        }
    }

    func singleValueContainer() -> any SingleValueDecodingContainer {
        ZCachedSingleValueDecodingContainer(decoder: self)
    }

    /// Decodes `type` from `value`: primitives directly, anything else through its `init(from:)`.
    /// - Throws: `DecodingError` naming the field, or what `init(from:)` throws.
    static func decode<Value: Decodable>(
        _ type: Value.Type,
        from value: ZCachedValue,
        codingPath: [any CodingKey],
        options: ZCachedCodingOptions
    ) throws -> Value {
        if let primitive = type as? any ZCachedCodablePrimitive.Type {
            // The cast cannot fail: `primitive` is `Value.self`.
            return try primitive.init(zcachedValue: value, options: options, codingPath: codingPath) as! Value
        }
        return try Value(from: ZCachedDecoderImplementation(value: value, codingPath: codingPath, options: options))
    }
}
