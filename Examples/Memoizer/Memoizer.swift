import ZCachedCodable

/// Remembers the results of a slow computation in zcached, under typed keys.
///
/// The first call for a key runs `compute` and stores its result; later calls, from this
/// process or any other using the same server, read it back instead. Entries never expire
/// (zcached has no TTL); ``forget(_:)`` removes one.
struct Memoizer<Client: ZCachedAsyncCommandSender> {
    let client: Client
    /// Stores strings zcached could not otherwise take (`\n`, `\r`, empty) escaped, and reads
    /// them back exactly; encoder and decoder must agree.
    let encoder = ZCachedValueEncoder(stringStrategy: .escaped)
    let decoder = ZCachedValueDecoder(stringStrategy: .escaped)

    /// The value cached under `key`, computing and storing it first when it is missing.
    /// - Parameters:
    ///   - key: The typed key; its `Value` is what `compute` returns.
    ///   - compute: The slow work, run only on a miss.
    /// - Returns: The value and whether it came from the cache.
    /// - Throws: `ZCachedError` from the cache, or whatever `compute` throws.
    func value<Value>(
        for key: ZCachedKey<Value>,
        compute: () async throws -> Value
    ) async throws -> (value: Value, cached: Bool) {
        if let cached = try await client.get(key, decoder: decoder) {
            return (cached, true)
        }
        let value = try await compute()
        try await client.set(key, value, encoder: encoder)
        return (value, false)
    }

    /// The cached values of several keys in one MGET; keys never computed are left out.
    /// - Throws: `ZCachedError`.
    func cachedValues<Value>(for keys: [ZCachedKey<Value>]) async throws(ZCachedError) -> [ZCachedKey<Value>: Value] {
        try await client.get(many: keys, decoder: decoder)
    }

    /// Drops the cached value of `key`, so the next ``value(for:compute:)`` computes it again.
    /// - Returns: Whether a value was cached.
    /// - Throws: `ZCachedError`.
    @discardableResult
    func forget<Value>(_ key: ZCachedKey<Value>) async throws(ZCachedError) -> Bool {
        try await client.delete(key.name)
    }
}

extension ZCachedKey where Value == Forecast {
    /// Where the forecast of `city` is memoized.
    static func forecast(_ city: String) -> Self { Self("example:memoizer:forecast:\(city)") }
}
