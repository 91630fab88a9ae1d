/// A `Decoder` that learns a type's top-level field names without a stored value, so a
/// field-per-key load can fetch them all with one MGET.
///
/// It hands out placeholder values (zero, `""`, empty arrays, `nil` for optionals) and records
/// every key the top-level keyed container is asked for. A type that rejects a placeholder
/// (an enum with raw values, a validating `init(from:)`) stops the probe early; the keys recorded
/// until then still count, and ``ZCachedFieldLoader`` fetches the rest in further rounds.
final class ZCachedFieldProbe: Decoder {
    let codingPath: [any CodingKey]
    let options: ZCachedCodingOptions
    /// The recorded field names; only the top-level probe records.
    private(set) var fields: [String] = []
    private let isTopLevel: Bool
    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    init(codingPath: [any CodingKey], options: ZCachedCodingOptions, isTopLevel: Bool) {
        self.codingPath = codingPath
        self.options = options
        self.isTopLevel = isTopLevel
    }

    /// The top-level field names of `type`, as far as the probe got.
    static func fields<Value: Decodable>(of type: Value.Type, options: ZCachedCodingOptions) -> [String] {
        let probe = ZCachedFieldProbe(codingPath: [], options: options, isTopLevel: true)
        _ = try? Value(from: probe)
        return probe.fields
    }

    /// Records `key` when this is the top-level probe.
    func record(_ key: some CodingKey) {
        if isTopLevel, !fields.contains(key.stringValue) { fields.append(key.stringValue) }
    }

    /// A probe for a nested value, which records nothing.
    func nested(_ key: any CodingKey) -> ZCachedFieldProbe {
        ZCachedFieldProbe(codingPath: codingPath + [key], options: options, isTopLevel: false)
    }

    /// A placeholder value of `type`.
    /// - Throws: what `type`'s `init(from:)` throws when it rejects the placeholders it is given.
    func placeholder<Value: Decodable>(_ type: Value.Type, forKey key: any CodingKey) throws -> Value {
        if let primitive = type as? any ZCachedCodablePrimitive.Type {
            // The cast cannot fail: `primitive` is `Value.self`.
            return primitive.zcachedPlaceholder as! Value
        }
        return try Value(from: nested(key))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(ZCachedProbeKeyedContainer(probe: self))
    }

    func unkeyedContainer() -> any UnkeyedDecodingContainer {
        ZCachedProbeValueContainer(probe: self)
    }

    func singleValueContainer() -> any SingleValueDecodingContainer {
        ZCachedProbeValueContainer(probe: self)
    }
}

/// The probe's keyed container: every key is recorded and reads as absent or as a placeholder.
struct ZCachedProbeKeyedContainer<Key: CodingKey>: ZCachedKeyedDecodingForwarding {
    let probe: ZCachedFieldProbe
    var codingPath: [any CodingKey] { probe.codingPath }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool {
        probe.record(key)
        return false
    }

    func decodeNil(forKey key: Key) -> Bool {
        probe.record(key)
        return true
    }

    func decodeValue<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
        probe.record(key)
        return try probe.placeholder(type, forKey: key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedDecodingContainer<NestedKey> {
        probe.record(key)
        return probe.nested(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedDecodingContainer {
        probe.record(key)
        return probe.nested(key).unkeyedContainer()
    }

    func superDecoder() -> any Decoder {
        probe.record(ZCachedCodingKey.super)
        return probe.nested(ZCachedCodingKey.super)
    }

    func superDecoder(forKey key: Key) -> any Decoder {
        probe.record(key)
        return probe.nested(key)
    }
}

/// The probe's unkeyed and single-value container: an empty array, or a null single value.
struct ZCachedProbeValueContainer: UnkeyedDecodingContainer, SingleValueDecodingContainer, ZCachedValueDecodingForwarding {
    let probe: ZCachedFieldProbe
    var codingPath: [any CodingKey] { probe.codingPath }
    var count: Int? { 0 }
    var isAtEnd: Bool { true }
    var currentIndex: Int { 0 }

    func decodeNil() -> Bool {
        true
    }

    func decodeValue<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try probe.placeholder(type, forKey: ZCachedCodingKey(index: 0))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedDecodingContainer<NestedKey> {
        probe.nested(ZCachedCodingKey(index: 0)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer() -> any UnkeyedDecodingContainer {
        probe.nested(ZCachedCodingKey(index: 0)).unkeyedContainer()
    }

    func superDecoder() -> any Decoder {
        probe.nested(ZCachedCodingKey(index: 0))
    }
}
