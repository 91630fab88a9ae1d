import ZCachedCore

/// The `Encoder` handed to `encode(to:)`: writes into one ``ZCachedEncodingNode``.
final class ZCachedEncoderImplementation: Encoder {
    let node: ZCachedEncodingNode
    let options: ZCachedCodingOptions
    var codingPath: [any CodingKey] { node.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    init(node: ZCachedEncodingNode, options: ZCachedCodingOptions) {
        self.node = node
        self.options = options
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeMap()
        return KeyedEncodingContainer(ZCachedKeyedEncodingContainer(node: node, options: options))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return ZCachedUnkeyedEncodingContainer(node: node, options: options)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        ZCachedSingleValueEncodingContainer(encoder: self)
    }

    /// Encodes `value` into `node`: primitives directly, anything else through its `encode(to:)`.
    /// - Throws: `EncodingError` naming the field, or what `value.encode(to:)` throws;
    ///   `EncodingError.invalidValue` when `value` sits deeper than
    ///   ``ZCachedValueEncoder/deepestNesting`` (a reference cycle would otherwise recurse until
    ///   the stack overflows).
    static func encode<Value: Encodable>(_ value: Value, into node: ZCachedEncodingNode, options: ZCachedCodingOptions) throws {
        if let primitive = value as? any ZCachedCodablePrimitive {
            node.set(try primitive.zcachedValue(options: options, codingPath: node.codingPath))
            return
        }
        guard node.codingPath.count < ZCachedValueEncoder.deepestNesting else {
            throw ZCachedCodingErrors.invalidValue(
                value,
                node.codingPath,
                "nests deeper than \(ZCachedValueEncoder.deepestNesting) levels (does it hold a reference cycle?)"
            )
        }
        try value.encode(to: ZCachedEncoderImplementation(node: node, options: options))
        if value is any ZCachedUnorderedCollection { node.isUnorderedSet = true }
    }
}
