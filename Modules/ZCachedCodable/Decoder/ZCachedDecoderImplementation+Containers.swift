import ZCachedCore

/// Reads a struct's fields or a dictionary's entries from a map.
struct ZCachedKeyedDecodingContainer<Key: CodingKey>: ZCachedKeyedDecodingForwarding {
    let decoder: ZCachedDecoderImplementation
    let entries: [String: ZCachedValue]
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { entries.keys.compactMap { Key(stringValue: $0) } }

    /// The stored value of `key`, or `nil` when it is missing. In a field-per-key load, a field
    /// not fetched yet is reported to the tracker and treated as missing for this attempt.
    private func entry(forKey key: some CodingKey) -> ZCachedValue? {
        if let fields = decoder.fields, !fields.isFetched(key.stringValue) { return nil }
        return entries[key.stringValue]
    }

    private func requiredEntry(forKey key: some CodingKey) throws(DecodingError) -> ZCachedValue {
        guard let value = entry(forKey: key) else { throw missing(key) }
        return value
    }

    private func missing(_ key: some CodingKey) -> DecodingError {
        .keyNotFound(key, DecodingError.Context(
            codingPath: codingPath,
            debugDescription: "\(ZCachedCodingErrors.describe(codingPath + [key])) is missing"
        ))
    }

    private func nestedDecoder(forKey key: Key) throws -> ZCachedDecoderImplementation {
        ZCachedDecoderImplementation(value: try requiredEntry(forKey: key), codingPath: codingPath + [key], options: decoder.options)
    }

    func contains(_ key: Key) -> Bool {
        entry(forKey: key) != nil
    }

    /// Whether `key` is a field of a field-per-key load that was fetched and is absent. MGET
    /// answers a field stored as null like one never stored (both are absent from its result),
    /// so such a field may hold a stored nil.
    private func isFetchedButAbsent(_ key: Key) -> Bool {
        guard let fields = decoder.fields, fields.isFetched(key.stringValue) else { return false }
        return entries[key.stringValue] == nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if isFetchedButAbsent(key) { return true }
        return try requiredEntry(forKey: key).isNull
    }

    func decodeValue<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
        let path = codingPath + [key]
        // A field that may hold a stored nil reads as null where null is a value (`T?`, a type
        // that decodes `nil` itself), as from the whole value; otherwise it is missing.
        if isFetchedButAbsent(key) {
            guard let value = try? ZCachedDecoderImplementation.decode(type, from: .null, codingPath: path, options: decoder.options) else {
                throw missing(key)
            }
            return value
        }
        return try ZCachedDecoderImplementation.decode(type, from: try requiredEntry(forKey: key), codingPath: path, options: decoder.options)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try nestedDecoder(forKey: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try nestedDecoder(forKey: key).unkeyedContainer()
    }

    /// - Throws: `DecodingError.keyNotFound` when the map has no `super` entry (in a
    ///   field-per-key load, also when it was not fetched yet, which asks for it).
    func superDecoder() throws -> any Decoder {
        let value = try requiredEntry(forKey: ZCachedCodingKey.super)
        return ZCachedDecoderImplementation(value: value, codingPath: codingPath + [ZCachedCodingKey.super], options: decoder.options)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try nestedDecoder(forKey: key)
    }
}

/// Reads the elements of an array or set in order. A class, so the forwarded `decode` methods,
/// which single-value containers need non-mutating, can advance the index.
final class ZCachedUnkeyedDecodingContainer: UnkeyedDecodingContainer, ZCachedValueDecodingForwarding {
    let decoder: ZCachedDecoderImplementation
    let elements: [ZCachedValue]
    private(set) var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    init(decoder: ZCachedDecoderImplementation, elements: [ZCachedValue]) {
        self.decoder = decoder
        self.elements = elements
    }

    /// The next element and its coding path, moving past it.
    private func next<Value>(_ type: Value.Type) throws(DecodingError) -> (ZCachedValue, [any CodingKey]) {
        let path = codingPath + [ZCachedCodingKey(index: currentIndex)]
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(
                codingPath: path,
                debugDescription: "\(ZCachedCodingErrors.describe(path)): the array has only \(elements.count) elements"
            ))
        }
        defer { currentIndex += 1 }
        return (elements[currentIndex], path)
    }

    private func nextDecoder() throws(DecodingError) -> ZCachedDecoderImplementation {
        let (value, path) = try next(ZCachedValue.self)
        return ZCachedDecoderImplementation(value: value, codingPath: path, options: decoder.options)
    }

    func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    func decodeValue<Value: Decodable>(_ type: Value.Type) throws -> Value {
        let (value, path) = try next(type)
        return try ZCachedDecoderImplementation.decode(type, from: value, codingPath: path, options: decoder.options)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try nextDecoder().container(keyedBy: type)
    }

    func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try nextDecoder().unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        try nextDecoder()
    }
}

/// Reads the decoder's one value.
struct ZCachedSingleValueDecodingContainer: SingleValueDecodingContainer, ZCachedValueDecodingForwarding {
    let decoder: ZCachedDecoderImplementation
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        decoder.value.isNull
    }

    func decodeValue<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try ZCachedDecoderImplementation.decode(type, from: decoder.value, codingPath: codingPath, options: decoder.options)
    }
}
