import ZCachedClient
import ZCachedCore

extension ZCachedAsyncCommandSender {
    /// `SET` of a `Codable` value, stored whole under one key (see ``ZCachedValueEncoder``).
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value to encode and store.
    ///   - encoder: The encoder; its strategies must match the decoder used to read it.
    /// - Throws: `ZCachedError/Code/invalidArgument` naming the field when the value cannot be
    ///   encoded, or for a key the server would mangle; other `ZCachedError`s from sending.
    public func set<Value: Encodable>(_ key: String, encoding value: Value, encoder: ZCachedValueEncoder = ZCachedValueEncoder()) async throws(ZCachedError) {
        try await set(key, ZCachedCodableCommands.encode(value, key: key, encoder: encoder))
    }

    /// `GET` of a `Codable` value stored whole under one key.
    /// - Parameters:
    ///   - key: The key.
    ///   - type: The type to decode.
    ///   - decoder: The decoder; its strategies must match the encoder that stored the value.
    /// - Returns: The value, or `nil` when the key does not exist.
    /// - Throws: `ZCachedError/Code/unexpectedReply` naming the field when the stored value does
    ///   not decode; other `ZCachedError`s from sending.
    public func get<Value: Decodable>(_ key: String, decoding type: Value.Type, decoder: ZCachedValueDecoder = ZCachedValueDecoder()) async throws(ZCachedError) -> Value? {
        guard let stored = try await get(key) else { return nil }
        return try ZCachedCodableCommands.decode(type, from: stored, key: key, decoder: decoder)
    }

    /// `SET` through a typed key.
    /// - Parameters:
    ///   - key: The typed key.
    ///   - value: The value to store whole.
    ///   - encoder: The encoder.
    /// - Throws: as ``set(_:encoding:encoder:)``.
    public func set<Value>(_ key: ZCachedKey<Value>, _ value: Value, encoder: ZCachedValueEncoder = ZCachedValueEncoder()) async throws(ZCachedError) {
        try await set(key.name, encoding: value, encoder: encoder)
    }

    /// `GET` through a typed key.
    /// - Parameters:
    ///   - key: The typed key.
    ///   - decoder: The decoder.
    /// - Returns: The value, or `nil` when the key does not exist.
    /// - Throws: as ``get(_:decoding:decoder:)``.
    public func get<Value>(_ key: ZCachedKey<Value>, decoder: ZCachedValueDecoder = ZCachedValueDecoder()) async throws(ZCachedError) -> Value? {
        try await get(key.name, decoding: Value.self, decoder: decoder)
    }

    /// The value of a typed key, read with the default decoder: `try await client[.user(42)]`.
    /// - Throws: as ``get(_:decoding:decoder:)``.
    public subscript<Value>(key: ZCachedKey<Value>) -> Value? {
        get async throws(ZCachedError) { try await get(key) }
    }

    /// `MGET` of typed keys in one round trip.
    /// - Parameters:
    ///   - keys: The keys; an empty list sends nothing.
    ///   - decoder: The decoder.
    /// - Returns: The value of each key that holds one; missing keys (and keys holding null) are
    ///   left out.
    /// - Throws: `ZCachedError/Code/unexpectedReply` naming the key and field of a value that
    ///   does not decode; other `ZCachedError`s from sending.
    public func get<Value>(many keys: [ZCachedKey<Value>], decoder: ZCachedValueDecoder = ZCachedValueDecoder()) async throws(ZCachedError) -> [ZCachedKey<Value>: Value] {
        guard !keys.isEmpty else { return [:] }
        return try ZCachedCodableCommands.decode(keys, from: try await mget(keys.map(\.name)), decoder: decoder)
    }

    /// Stores each top-level field of `value` under its own key with one `MSET`:
    /// `user:42:name`, `user:42:age`, ….
    ///
    /// A `nil` optional field is stored as null, which overwrites an older value and reads back
    /// as `nil`. Nested structs, arrays and dictionaries are stored whole under their field's key.
    /// MSET is not atomic on the server: a failure can leave some fields written.
    /// - Parameters:
    ///   - value: A struct or `[String: V]` dictionary with at least one field (a dictionary
    ///     cannot be loaded back with `load`: read its entries with `get(many:)`).
    ///   - prefix: The first part of every key.
    ///   - separator: Put between the prefix and the field name. Default `":"`.
    ///   - encoder: The encoder.
    /// - Throws: `ZCachedError/Code/invalidArgument` when `value` is not a non-empty struct or
    ///   dictionary, a field cannot be encoded, or a key is invalid; other `ZCachedError`s.
    public func store<Value: Encodable>(
        _ value: Value,
        prefix: String,
        separator: String = ":",
        encoder: ZCachedValueEncoder = ZCachedValueEncoder()
    ) async throws(ZCachedError) {
        try await mset(ZCachedCodableCommands.fieldPairs(value, prefix: prefix, separator: separator, encoder: encoder))
    }

    /// Reads a value written by ``store(_:prefix:separator:encoder:)`` with one `MGET` (more for a type
    /// whose `init(from:)` rejects placeholders, see below).
    ///
    /// Missing fields (and fields holding null, which MGET cannot tell apart) decode as `nil`
    /// for optionals, so a value whose fields are all `nil` loads as `nil`.
    ///
    /// To learn the field names, `load` first runs `Value`'s `init(from:)` on placeholder values
    /// (`0`, `""`, `false`, empty arrays, `nil`), so an `init(from:)` that traps on them (a force
    /// unwrap of `name.first`, a division by a count) traps here: read such a type whole with
    /// `get(_:decoding:)` instead. A type whose `init(from:)` throws on a placeholder (an enum
    /// with raw values) stops the probe there: the later fields are fetched in further rounds
    /// once the earlier ones decode, and when none of the earlier ones exist the load returns
    /// `nil` without reading the later ones.
    /// - Parameters:
    ///   - type: A struct type with fixed coding keys.
    ///   - prefix: The prefix it was stored under.
    ///   - separator: The separator it was stored with. Default `":"`.
    ///   - decoder: The decoder.
    /// - Returns: The value, or `nil` when none of its fields exist.
    /// - Throws: `ZCachedError/Code/unexpectedReply` naming the field, with its full key in
    ///   `ZCachedError/key`, when a required field is missing or does not decode;
    ///   `ZCachedError/Code/invalidArgument` for a type without fixed coding keys (a dictionary)
    ///   or a prefix or separator that cannot be part of a key; and what `mget` throws.
    public func load<Value: Decodable>(
        _ type: Value.Type,
        prefix: String,
        separator: String = ":",
        decoder: ZCachedValueDecoder = ZCachedValueDecoder()
    ) async throws(ZCachedError) -> Value? {
        var loader = ZCachedFieldLoader<Value>(prefix: prefix, separator: separator, decoder: decoder)
        var step = try loader.start()
        while true {
            switch step {
            case .fetch(let keys): step = try loader.next(after: try await mget(keys))
            case .finished(let value): return value
            }
        }
    }
}
