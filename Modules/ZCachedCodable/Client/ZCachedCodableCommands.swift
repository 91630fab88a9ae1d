import ZCachedCore

/// The work behind the Codable client methods that does not touch the connection, shared by
/// the async and the blocking senders.
enum ZCachedCodableCommands {
    /// Encodes a value to store under `key`.
    /// - Throws: `ZCachedError/Code/invalidArgument` naming the field.
    static func encode<Value: Encodable>(_ value: Value, key: String, encoder: ZCachedValueEncoder) throws(ZCachedError) -> ZCachedValue {
        do {
            return try encoder.encode(value)
        } catch {
            throw ZCachedCodingErrors.encodingFailure(error, key: key)
        }
    }

    /// Decodes the value read from `key`.
    /// - Throws: `ZCachedError/Code/unexpectedReply` naming the field.
    static func decode<Value: Decodable>(_ type: Value.Type, from value: ZCachedValue, key: String, decoder: ZCachedValueDecoder) throws(ZCachedError) -> Value {
        do {
            return try decoder.decode(type, from: value)
        } catch {
            throw ZCachedCodingErrors.decodingFailure(error, key: key)
        }
    }

    /// The MSET pairs storing each top-level field of `value` under `prefix`, `separator` and the
    /// field's name.
    /// - Throws: `ZCachedError/Code/invalidArgument` when `value` does not encode as a map
    ///   (it is not a struct or dictionary, or it is empty) or a field cannot be encoded.
    static func fieldPairs<Value: Encodable>(
        _ value: Value,
        prefix: String,
        separator: String,
        encoder: ZCachedValueEncoder
    ) throws(ZCachedError) -> [(key: String, value: ZCachedValue)] {
        let encoded = try encode(value, key: prefix, encoder: encoder)
        // A `Duration` encodes as a map, but its own `init(from:)` names no field a load could ask for.
        guard case .map(let map) = encoded, !(value is any ZCachedCodablePrimitive) else {
            // An empty struct or dictionary encodes as an empty array (the server refuses empty maps).
            let found =
                value is any ZCachedCodablePrimitive ? "a single \(Value.self)"
                : encoded == .array([]) ? "an empty struct or dictionary, which has no field to store" : "\(encoded.typeName)"
            throw ZCachedError(
                code: .invalidArgument,
                message: "field-per-key storage needs a struct or dictionary with fields; the value encodes as \(found)",
                argument: "value",
                key: prefix
            )
        }
        return map.map { (key: prefix + separator + $0.key, value: $0.value) }
    }

    /// Decodes the MGET reply of typed keys, leaving out the missing ones.
    /// - Throws: `ZCachedError/Code/unexpectedReply` naming the key and field of the first
    ///   value that does not decode.
    static func decode<Value: Decodable>(
        _ keys: [ZCachedKey<Value>],
        from reply: [String: ZCachedValue],
        decoder: ZCachedValueDecoder
    ) throws(ZCachedError) -> [ZCachedKey<Value>: Value] {
        var values: [ZCachedKey<Value>: Value] = [:]
        values.reserveCapacity(reply.count)
        for key in keys {
            guard let stored = reply[key.name] else { continue }
            values[key] = try decode(Value.self, from: stored, key: key.name, decoder: decoder)
        }
        return values
    }
}
