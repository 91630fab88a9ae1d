import ZCachedCore
import ZCachedTransport

/// Anything that sends commands from plain threads: the blocking client and every blocking
/// connection. The blocking twin of ``ZCachedAsyncCommandSender``: the same commands, the same
/// missing-key rules, each call blocking its thread until the reply arrives.
public protocol ZCachedBlockingCommandSender: Sendable {
    /// Sends one command and blocks until its typed response arrives.
    /// - Parameter command: The command; it is validated before any byte is written.
    /// - Returns: The command's response.
    /// - Throws: `ZCachedError`.
    func send<Command: ZCachedCommand>(_ command: Command) throws(ZCachedError) -> Command.Response
}

extension ZCachedPOSIXConnection: ZCachedBlockingCommandSender {}

extension ZCachedBlockingCommandSender {
    /// `PING`; see ``ZCachedAsyncCommandSender/ping()``.
    public func ping() throws(ZCachedError) { try send(ZCachedServerCommands.Ping()) }

    /// `ECHO`; see ``ZCachedAsyncCommandSender/echo(_:)``.
    public func echo(_ message: String) throws(ZCachedError) -> String { try send(ZCachedServerCommands.Echo(message)) }

    /// `GET`: the value, or `nil` when the key does not exist.
    public func get(_ key: String) throws(ZCachedError) -> ZCachedValue? { try send(ZCachedKeyCommands.Get(key)) }

    /// `GET`, converted to a Swift type; see ``ZCachedAsyncCommandSender/get(_:as:)``.
    public func get<Value: ZCachedValueConvertible>(_ key: String, as type: Value.Type) throws(ZCachedError) -> Value? {
        guard let value = try get(key) else { return nil }
        return try Value.converting(value, storedUnder: key)
    }

    /// `SET`; see ``ZCachedAsyncCommandSender/set(_:_:)-(String,ZCachedValue)``.
    public func set(_ key: String, _ value: ZCachedValue) throws(ZCachedError) { try send(ZCachedKeyCommands.Set(key, value)) }

    /// `SET` of a Swift value.
    public func set<Value: ZCachedValueConvertible>(_ key: String, _ value: Value) throws(ZCachedError) { try set(key, value.zcachedValue) }

    /// `DELETE`: `true` when the key existed.
    @discardableResult
    public func delete(_ key: String) throws(ZCachedError) -> Bool { try send(ZCachedKeyCommands.Delete(key)) }

    /// Whether `key` exists (asks SIZEOF).
    public func exists(_ key: String) throws(ZCachedError) -> Bool { try sizeof(key) != nil }

    /// `SIZEOF`: the value's size, or `nil` when the key does not exist.
    public func sizeof(_ key: String) throws(ZCachedError) -> Int? { try send(ZCachedKeyCommands.SizeOf(key)) }

    /// `FLUSH`: removes every key.
    public func flush() throws(ZCachedError) { try send(ZCachedServerCommands.Flush()) }

    /// `DBSIZE`: the number of keys.
    public func dbsize() throws(ZCachedError) -> Int { try send(ZCachedServerCommands.DBSize()) }

    /// `SAVE`: writes a snapshot; `NOSAVE` on an empty database.
    public func save() throws(ZCachedError) { try send(ZCachedServerCommands.Save()) }

    /// `LASTSAVE`: Unix seconds of the last SAVE.
    public func lastsave() throws(ZCachedError) -> Int64 { try send(ZCachedServerCommands.LastSave()) }

    /// `KEYS`: every key, in hash order.
    public func keys() throws(ZCachedError) -> [String] { try send(ZCachedServerCommands.Keys()) }

    /// `MGET`: the value of each key that holds one.
    public func mget(_ keys: [String]) throws(ZCachedError) -> [String: ZCachedValue] { try send(ZCachedKeyCommands.MGet(keys)) }

    /// `MSET`: stores several pairs, each validated before sending.
    public func mset(_ pairs: [(key: String, value: ZCachedValue)]) throws(ZCachedError) { try send(ZCachedKeyCommands.MSet(pairs)) }

    /// `MSET` of a dictionary.
    public func mset(_ values: [String: ZCachedValue]) throws(ZCachedError) { try mset(values.map { (key: $0.key, value: $0.value) }) }

    /// `RENAME`; throws `ZCachedError/Code/keyNotFound` when `key` does not exist.
    public func rename(_ key: String, to newKey: String) throws(ZCachedError) { try send(ZCachedKeyCommands.Rename(key, to: newKey)) }

    /// `COPY`; throws `ZCachedError/Code/keyNotFound` or `BUSYKEY` as the async twin does.
    public func copy(_ source: String, to destination: String, replace: Bool = false) throws(ZCachedError) {
        try send(ZCachedKeyCommands.Copy(source, to: destination, replace: replace))
    }

    /// Sends any command by name with raw arguments (see `ZCachedRawCommand`).
    public func send(_ name: String, _ arguments: [ZCachedValue] = []) throws(ZCachedError) -> ZCachedValue {
        try send(ZCachedRawCommand(name, arguments))
    }

    /// Whether the server answers a PING.
    public var isAlive: Bool { (try? ping()) != nil }
}
