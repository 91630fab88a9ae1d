import ZCachedCore
import ZCachedTransport

/// Anything that sends commands from Swift concurrency: the async client and every async
/// connection. Every zcached command is defined once here, on top of ``send(_:)``.
///
/// Missing keys: ``get(_:)`` and ``sizeof(_:)`` return `nil`, ``delete(_:)`` returns `false`,
/// ``exists(_:)`` returns `false`; ``rename(_:to:)`` and ``copy(_:to:replace:)`` throw
/// `ZCachedError/Code/keyNotFound`, since the move they were asked for cannot happen.
///
/// Every command throws what ``send(_:)`` lists; each one's own doc names only what is
/// particular to it.
public protocol ZCachedAsyncCommandSender: Sendable {
    /// Sends one command and waits for its typed response.
    /// - Parameter command: The command; it is validated before any byte is written.
    /// - Returns: The command's response.
    /// - Throws: ``ZCachedError`` with one of these codes:
    ///   - `invalidArgument`: the command cannot be sent as it is; nothing was written;
    ///   - `cancelled`: the task was cancelled; if the request was written, its reply is dropped;
    ///   - `timeout`: no reply in time; the link was closed;
    ///   - `connectionClosed`, `connectionReestablished`: the link was down, or broke with the
    ///     request in flight (which may or may not have run);
    ///   - `protocolViolation`: the reply stream was corrupt or slipped; the link was closed and
    ///     the request may or may not have run;
    ///   - `unexpectedReply`: the reply did not fit the command; the link was closed;
    ///   - `noAvailableConnections`: a client had no connection to send on;
    ///   - `server` or `keyNotFound`: the server's error reply.
    func send<Command: ZCachedCommand>(_ command: Command) async throws(ZCachedError) -> Command.Response
}

extension ZCachedNIOConnection: ZCachedAsyncCommandSender {}

extension ZCachedAsyncCommandSender {
    /// `PING`: checks that the server answers.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists (`unexpectedReply` for anything but
    ///   `PONG`).
    public func ping() async throws(ZCachedError) {
        try await send(ZCachedServerCommands.Ping())
    }

    /// `ECHO`: the server sends `message` back.
    /// - Parameter message: Non-empty text without `\r`, `\n` or `0x03`.
    /// - Returns: The echoed text.
    /// - Throws: ``ZCachedError``: `invalidArgument` for a message the server cannot take,
    ///   otherwise as ``send(_:)`` lists.
    public func echo(_ message: String) async throws(ZCachedError) -> String {
        try await send(ZCachedServerCommands.Echo(message))
    }

    /// `GET`: the value stored under `key`.
    /// - Parameter key: The key.
    /// - Returns: The value, or `nil` when the key does not exist.
    /// - Throws: ``ZCachedError``: `invalidArgument` for a key that cannot be sent, otherwise as
    ///   ``send(_:)`` lists.
    public func get(_ key: String) async throws(ZCachedError) -> ZCachedValue? {
        try await send(ZCachedKeyCommands.Get(key))
    }

    /// `GET`, converted to a Swift type.
    /// - Parameters:
    ///   - key: The key.
    ///   - type: The type to read, such as `String.self`, `Int.self` or `[String: Double].self`.
    /// - Returns: The converted value, or `nil` when the key does not exist.
    /// - Throws: ``ZCachedError``: `unexpectedReply` naming the key when the stored value has
    ///   another type (the link stays open: the reply fit GET), otherwise as ``get(_:)``.
    public func get<Value: ZCachedValueConvertible>(_ key: String, as type: Value.Type) async throws(ZCachedError) -> Value? {
        guard let value = try await get(key) else { return nil }
        return try Value.converting(value, storedUnder: key)
    }

    /// `SET`: stores `value` under `key`, overwriting it.
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value, of any type the server stores.
    /// - Throws: ``ZCachedError``: `invalidArgument` for a key or value the server would
    ///   mangle, otherwise as ``send(_:)`` lists.
    public func set(_ key: String, _ value: ZCachedValue) async throws(ZCachedError) {
        try await send(ZCachedKeyCommands.Set(key, value))
    }

    /// `SET` of a Swift value.
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value, converted with `ZCachedValueConvertible/zcachedValue`.
    /// - Throws: ``ZCachedError``: `invalidArgument` for a key or value the server would
    ///   mangle, otherwise as ``send(_:)`` lists.
    public func set<Value: ZCachedValueConvertible>(_ key: String, _ value: Value) async throws(ZCachedError) {
        try await set(key, value.zcachedValue)
    }

    /// `DELETE`: removes `key`.
    /// - Returns: `true` when the key existed.
    /// - Throws: ``ZCachedError``: `invalidArgument` for a key that cannot be sent, otherwise as
    ///   ``send(_:)`` lists.
    @discardableResult
    public func delete(_ key: String) async throws(ZCachedError) -> Bool {
        try await send(ZCachedKeyCommands.Delete(key))
    }

    /// Whether `key` exists. zcached has no EXISTS command; this asks SIZEOF.
    /// - Throws: ``ZCachedError``: `invalidArgument` for a key that cannot be sent, otherwise as
    ///   ``send(_:)`` lists.
    public func exists(_ key: String) async throws(ZCachedError) -> Bool {
        try await sizeof(key) != nil
    }

    /// `SIZEOF`: the size of the value under `key` (bytes of a string, 8 for numbers, elements
    /// of an aggregate).
    /// - Returns: The size, or `nil` when the key does not exist.
    /// - Throws: ``ZCachedError``: `invalidArgument` for a key that cannot be sent, otherwise as
    ///   ``send(_:)`` lists.
    public func sizeof(_ key: String) async throws(ZCachedError) -> Int? {
        try await send(ZCachedKeyCommands.SizeOf(key))
    }

    /// `FLUSH`: removes every key.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func flush() async throws(ZCachedError) {
        try await send(ZCachedServerCommands.Flush())
    }

    /// `DBSIZE`: the number of keys.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func dbsize() async throws(ZCachedError) -> Int {
        try await send(ZCachedServerCommands.DBSize())
    }

    /// `SAVE`: writes a snapshot.
    /// - Throws: ``ZCachedError``: the server's error `NOSAVE` when the database is empty or the
    ///   write fails, otherwise as ``send(_:)`` lists.
    public func save() async throws(ZCachedError) {
        try await send(ZCachedServerCommands.Save())
    }

    /// `LASTSAVE`: Unix seconds of the last SAVE, or of the server's start.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func lastsave() async throws(ZCachedError) -> Int64 {
        try await send(ZCachedServerCommands.LastSave())
    }

    /// `KEYS`: every key, in the server's hash order.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists.
    public func keys() async throws(ZCachedError) -> [String] {
        try await send(ZCachedServerCommands.Keys())
    }

    /// `MGET`: several values in one round trip.
    /// - Parameter keys: The keys to read.
    /// - Returns: The value of each key that holds one; missing keys (and keys holding null,
    ///   which the server cannot tell apart) are left out. Keys that are equal Swift strings but
    ///   different bytes share one entry (see ``ZCachedKeyCommands/MGet``).
    /// - Throws: ``ZCachedError``: `invalidArgument` for a key that cannot be sent, otherwise as
    ///   ``send(_:)`` lists.
    public func mget(_ keys: [String]) async throws(ZCachedError) -> [String: ZCachedValue] {
        try await send(ZCachedKeyCommands.MGet(keys))
    }

    /// `MSET`: stores several values in one round trip. Every pair is validated before sending.
    /// - Parameter pairs: The keys and values, at least one pair.
    /// - Throws: ``ZCachedError``: `invalidArgument` naming the first bad pair, otherwise as
    ///   ``send(_:)`` lists.
    public func mset(_ pairs: [(key: String, value: ZCachedValue)]) async throws(ZCachedError) {
        try await send(ZCachedKeyCommands.MSet(pairs))
    }

    /// `MSET` of a dictionary.
    /// - Parameter values: The keys and values, at least one.
    /// - Throws: ``ZCachedError``: `invalidArgument` naming the first bad pair, otherwise as
    ///   ``send(_:)`` lists.
    public func mset(_ values: [String: ZCachedValue]) async throws(ZCachedError) {
        try await mset(values.map { (key: $0.key, value: $0.value) })
    }

    /// `RENAME`: moves the value of `key` to `newKey`, overwriting it.
    /// - Throws: ``ZCachedError``: `keyNotFound` when `key` does not exist, otherwise as
    ///   ``send(_:)`` lists.
    public func rename(_ key: String, to newKey: String) async throws(ZCachedError) {
        try await send(ZCachedKeyCommands.Rename(key, to: newKey))
    }

    /// `COPY`: deep-copies the value of `source` to `destination`.
    /// - Parameters:
    ///   - source: The key to copy.
    ///   - destination: The key to copy to.
    ///   - replace: Whether to overwrite an existing destination.
    /// - Throws: ``ZCachedError``: `keyNotFound` when `source` does not exist; the server's error
    ///   `BUSYKEY` when `destination` exists and `replace` is off; otherwise as ``send(_:)`` lists.
    public func copy(_ source: String, to destination: String, replace: Bool = false) async throws(ZCachedError) {
        try await send(ZCachedKeyCommands.Copy(source, to: destination, replace: replace))
    }

    /// Sends any command by name with raw arguments (see `ZCachedRawCommand`).
    /// - Parameters:
    ///   - name: The command name.
    ///   - arguments: The arguments, each sent in its own encoding.
    /// - Returns: The raw reply.
    /// - Throws: ``ZCachedError``, as ``send(_:)`` lists; the server's error replies included.
    public func send(_ name: String, _ arguments: [ZCachedValue] = []) async throws(ZCachedError) -> ZCachedValue {
        try await send(ZCachedRawCommand(name, arguments))
    }

    /// Whether the server answers a PING.
    public var isAlive: Bool {
        get async {
            do {
                try await ping()
                return true
            } catch {
                return false
            }
        }
    }
}
