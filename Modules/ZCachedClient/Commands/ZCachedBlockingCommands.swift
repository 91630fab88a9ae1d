import ZCachedCore
import ZCachedTransport

/// Anything that sends commands from plain threads: the blocking client and every blocking
/// connection. The blocking twin of ``ZCachedAsyncCommandSender``: the same commands, the same
/// missing-key rules, each call blocking its thread until the reply arrives.
///
/// Every command throws what ``send(_:)`` lists, and what its async twin names as its own.
public protocol ZCachedBlockingCommandSender: Sendable {
    /// Sends one command and blocks until its typed response arrives.
    /// - Parameter command: The command; it is validated before any byte is written.
    /// - Returns: The command's response.
    /// - Throws: ``ZCachedError`` with the codes ``ZCachedAsyncCommandSender/send(_:)`` lists,
    ///   but never `cancelled`; also `connectFailed` when a reconnect this request needed ran out
    ///   of attempts.
    func send<Command: ZCachedCommand>(_ command: Command) throws(ZCachedError) -> Command.Response
}

extension ZCachedPOSIXConnection: ZCachedBlockingCommandSender {}

extension ZCachedBlockingCommandSender {
    /// `PING`; see ``ZCachedAsyncCommandSender/ping()``.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func ping() throws(ZCachedError) { try send(ZCachedServerCommands.Ping()) }

    /// `ECHO`; see ``ZCachedAsyncCommandSender/echo(_:)``.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func echo(_ message: String) throws(ZCachedError) -> String { try send(ZCachedServerCommands.Echo(message)) }

    /// `GET`: the value, or `nil` when the key does not exist.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func get(_ key: String) throws(ZCachedError) -> ZCachedValue? { try send(ZCachedKeyCommands.Get(key)) }

    /// `GET`, converted to a Swift type; see ``ZCachedAsyncCommandSender/get(_:as:)``.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func get<Value: ZCachedValueConvertible>(_ key: String, as type: Value.Type) throws(ZCachedError) -> Value? {
        guard let value = try get(key) else { return nil }
        return try Value.converting(value, storedUnder: key)
    }

    /// `SET`; see ``ZCachedAsyncCommandSender/set(_:_:)-(String,ZCachedValue)``.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func set(_ key: String, _ value: ZCachedValue) throws(ZCachedError) { try send(ZCachedKeyCommands.Set(key, value)) }

    /// `SET` of a Swift value.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func set<Value: ZCachedValueConvertible>(_ key: String, _ value: Value) throws(ZCachedError) { try set(key, value.zcachedValue) }

    /// `DELETE`: `true` when the key existed.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    @discardableResult
    public func delete(_ key: String) throws(ZCachedError) -> Bool { try send(ZCachedKeyCommands.Delete(key)) }

    /// Whether `key` exists (asks SIZEOF).
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func exists(_ key: String) throws(ZCachedError) -> Bool { try sizeof(key) != nil }

    /// `SIZEOF`: the value's size, or `nil` when the key does not exist.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func sizeof(_ key: String) throws(ZCachedError) -> Int? { try send(ZCachedKeyCommands.SizeOf(key)) }

    /// `FLUSH`: removes every key.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func flush() throws(ZCachedError) { try send(ZCachedServerCommands.Flush()) }

    /// `DBSIZE`: the number of keys.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func dbsize() throws(ZCachedError) -> Int { try send(ZCachedServerCommands.DBSize()) }

    /// `SAVE`: writes a snapshot; `NOSAVE` on an empty database.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func save() throws(ZCachedError) { try send(ZCachedServerCommands.Save()) }

    /// `LASTSAVE`: Unix seconds of the last SAVE.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func lastsave() throws(ZCachedError) -> Int64 { try send(ZCachedServerCommands.LastSave()) }

    /// `KEYS`: every key, in hash order.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func keys() throws(ZCachedError) -> [String] { try send(ZCachedServerCommands.Keys()) }

    /// `MGET`: the value of each key that holds one.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func mget(_ keys: [String]) throws(ZCachedError) -> [String: ZCachedValue] { try send(ZCachedKeyCommands.MGet(keys)) }

    /// `MSET`: stores several pairs, each validated before sending.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func mset(_ pairs: [(key: String, value: ZCachedValue)]) throws(ZCachedError) { try send(ZCachedKeyCommands.MSet(pairs)) }

    /// `MSET` of a dictionary.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func mset(_ values: [String: ZCachedValue]) throws(ZCachedError) { try mset(values.map { (key: $0.key, value: $0.value) }) }

    /// `RENAME`; throws `ZCachedError/Code/keyNotFound` when `key` does not exist.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func rename(_ key: String, to newKey: String) throws(ZCachedError) { try send(ZCachedKeyCommands.Rename(key, to: newKey)) }

    /// `COPY`; throws `ZCachedError/Code/keyNotFound` or `BUSYKEY` as the async twin does.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func copy(_ source: String, to destination: String, replace: Bool = false) throws(ZCachedError) {
        try send(ZCachedKeyCommands.Copy(source, to: destination, replace: replace))
    }

    /// Sends any command by name with raw arguments (see `ZCachedRawCommand`).
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func send(_ name: String, _ arguments: [ZCachedValue] = []) throws(ZCachedError) -> ZCachedValue {
        try send(ZCachedRawCommand(name, arguments))
    }

    /// Whether the server answers a PING.
    public var isAlive: Bool { (try? ping()) != nil }
}
