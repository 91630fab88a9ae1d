import ZCachedClient

/// One request a soak worker sends, with the keys and unique values it names.
enum SoakOperation: Sendable {
    case set(key: String, value: String)
    case get(key: String)
    case mset([(key: String, value: String)])
    case mget(keys: [String])
    case delete(key: String)
    case exists(key: String)
    case rename(key: String, newKey: String)

    /// A successful reply, reduced to what the model checks.
    enum Reply: Sendable {
        case done
        case value(String?)
        case values([String: ZCachedValue])
        case flag(Bool)
    }

    /// Sends the operation through an async client or connection.
    func send(through sender: some ZCachedAsyncCommandSender) async throws(ZCachedError) -> Reply {
        switch self {
        case .set(let key, let value): try await sender.set(key, value)
        case .get(let key): return .value(try await sender.get(key, as: String.self))
        case .mset(let pairs): try await sender.mset(pairs.map { (key: $0.key, value: $0.value.zcachedValue) })
        case .mget(let keys): return .values(try await sender.mget(keys))
        case .delete(let key): return .flag(try await sender.delete(key))
        case .exists(let key): return .flag(try await sender.exists(key))
        case .rename(let key, let newKey): try await sender.rename(key, to: newKey)
        }
        return .done
    }

    /// Sends the operation through a blocking client or connection.
    func send(through sender: some ZCachedBlockingCommandSender) throws(ZCachedError) -> Reply {
        switch self {
        case .set(let key, let value): try sender.set(key, value)
        case .get(let key): return .value(try sender.get(key, as: String.self))
        case .mset(let pairs): try sender.mset(pairs.map { (key: $0.key, value: $0.value.zcachedValue) })
        case .mget(let keys): return .values(try sender.mget(keys))
        case .delete(let key): return .flag(try sender.delete(key))
        case .exists(let key): return .flag(try sender.exists(key))
        case .rename(let key, let newKey): try sender.rename(key, to: newKey)
        }
        return .done
    }
}
