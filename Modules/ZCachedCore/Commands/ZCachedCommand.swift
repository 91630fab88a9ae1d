/// A request the server understands and the typed response it produces.
///
/// Each zcached command is a small struct conforming to this protocol (see `Commands/`). The
/// clients send any `ZCachedCommand` through one generic path, so a command is defined once and
/// works on every client and transport.
public protocol ZCachedCommand: Sendable {
    /// What the caller gets back when the command succeeds.
    associatedtype Response: Sendable

    /// The command's name for logs and metrics, such as `GET`.
    var name: String { get }

    /// The number of keys the command touches, for logs and metrics.
    var keyCount: Int { get }

    /// Writes the command's request frame, without the final `0x03`.
    /// - Parameter encoder: The encoder to write into.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` when an argument cannot be sent.
    func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError)

    /// Turns the server's reply into the typed response (nothing, for commands that answer `OK`).
    ///
    /// Keep it a quick, pure function of the reply: the connections call it as the reply is read,
    /// so a reply of the wrong shape closes its link before another request can use it. The
    /// blocking connection calls it while holding its lock (a call back into that connection
    /// would wait for the lock it holds); the async connection on its event loop (it must not
    /// block: every connection on that loop waits for it).
    /// - Parameter reply: The decoded reply.
    /// - Throws: The ``ZCachedError`` an error reply stands for, or
    ///   ``ZCachedError/Code/unexpectedReply`` when the reply has the wrong type.
    func response(from reply: ZCachedValue) throws(ZCachedError) -> Response
}

extension ZCachedCommand {
    public var keyCount: Int { 0 }
}

extension ZCachedValue {
    /// Throws the error an error reply stands for; returns every other reply unchanged.
    /// - Returns: `self` when it is not ``ZCachedValue/error(_:)``.
    /// - Throws: ``ZCachedError/serverReply(_:)`` of the reply text.
    @inlinable
    public func throwingServerError() throws(ZCachedError) -> ZCachedValue {
        if case .error(let text) = self { throw ZCachedError.serverReply(text) }
        return self
    }

    /// Checks for the `+OK` success reply; with `orBulk`, a bulk `OK` too (COPY's, PROTOCOL.md
    /// §6.11). Every other command's bulk `OK` is most likely another request's reply (a GET or
    /// ECHO of "OK") slipped onto it, so it is a reply of the wrong shape.
    /// - Throws: The server's error, or ``ZCachedError/Code/unexpectedReply`` for any other reply.
    package func expectOK(orBulk acceptsBulk: Bool = false) throws(ZCachedError) {
        switch try throwingServerError() {
        case .simpleString("OK"): return
        case .bulkString(let bytes) where acceptsBulk && bytes == Array("OK".utf8): return
        case let other: throw .unexpectedReply(other, expected: "OK")
        }
    }

    /// The reply as an integer.
    /// - Throws: The server's error, or ``ZCachedError/Code/unexpectedReply`` when it is not an integer.
    package func expectInteger() throws(ZCachedError) -> Int64 {
        switch try throwingServerError() {
        case .integer(let number): return number
        case let other: throw .unexpectedReply(other, expected: "integer")
        }
    }
}

extension ZCachedError {
    /// Rethrows everything but ``Code/keyNotFound``, which becomes `nil`.
    @inlinable
    package static func nilIfKeyNotFound<T>(_ body: () throws(ZCachedError) -> T) throws(ZCachedError) -> T? {
        do {
            return try body()
        } catch where error.code == .keyNotFound {
            return nil
        }
    }
}
