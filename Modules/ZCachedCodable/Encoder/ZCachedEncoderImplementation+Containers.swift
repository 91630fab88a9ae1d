import ZCachedCore

/// Writes a struct's fields or a dictionary's entries into a map node. Keys go through the
/// string strategy, so a dictionary key the server cannot store is refused or escaped.
struct ZCachedKeyedEncodingContainer<Key: CodingKey>: ZCachedKeyedEncodingForwarding {
    let node: ZCachedEncodingNode
    let options: ZCachedCodingOptions
    var codingPath: [any CodingKey] { node.codingPath }

    private func child(forKey key: Key) throws(EncodingError) -> ZCachedEncodingNode {
        let path = codingPath + [key]
        return node.child(forKey: try options.storedString(key.stringValue, codingPath: path), codingPath: path)
    }

    mutating func encodeValue<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        try ZCachedEncoderImplementation.encode(value, into: try child(forKey: key), options: options)
    }

    mutating func encodeNil(forKey key: Key) throws {
        try child(forKey: key).set(.null)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder(forKey: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        nestedEncoder(forKey: key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        ZCachedEncoderImplementation(node: node.child(forKey: ZCachedCodingKey.super.stringValue, codingPath: codingPath + [ZCachedCodingKey.super]), options: options)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        nestedEncoder(forKey: key)
    }

    /// An encoder for a nested value under `key`. These APIs cannot throw, so a key the server
    /// cannot store is recorded on the nested node, whose resolving throws it, naming the field.
    private func nestedEncoder(forKey key: Key) -> ZCachedEncoderImplementation {
        let path = codingPath + [key]
        do {
            let name = try options.storedString(key.stringValue, codingPath: path)
            return ZCachedEncoderImplementation(node: node.containerChild(forKey: name, codingPath: path), options: options)
        } catch {
            let nested = node.containerChild(forKey: key.stringValue, codingPath: path)
            nested.fail(with: error)
            return ZCachedEncoderImplementation(node: nested, options: options)
        }
    }
}

/// Appends array elements to an array node.
struct ZCachedUnkeyedEncodingContainer: UnkeyedEncodingContainer, ZCachedValueEncodingForwarding {
    let node: ZCachedEncodingNode
    let options: ZCachedCodingOptions
    var codingPath: [any CodingKey] { node.codingPath }
    var count: Int { node.count }

    private func appendEncoder() -> ZCachedEncoderImplementation {
        let node = node.appendChild(codingPath: codingPath + [ZCachedCodingKey(index: count)])
        return ZCachedEncoderImplementation(node: node, options: options)
    }

    mutating func encodeValue<Value: Encodable>(_ value: Value) throws {
        try ZCachedEncoderImplementation.encode(value, into: appendEncoder().node, options: options)
    }

    mutating func encodeNil() throws {
        appendEncoder().node.set(.null)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        appendEncoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        appendEncoder().unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        appendEncoder()
    }
}

/// Stores one value in the encoder's own node.
struct ZCachedSingleValueEncodingContainer: SingleValueEncodingContainer, ZCachedValueEncodingForwarding {
    let encoder: ZCachedEncoderImplementation
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeValue<Value: Encodable>(_ value: Value) throws {
        try ZCachedEncoderImplementation.encode(value, into: encoder.node, options: encoder.options)
    }

    mutating func encodeNil() throws {
        encoder.node.set(.null)
    }
}
