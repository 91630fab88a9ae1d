import ZCachedCore

/// A connection used from Swift concurrency: many tasks may send on it at once.
///
/// Implementations must deliver each reply to the request it answers and never to another,
/// and must send nothing of a request that fails validation.
public protocol ZCachedAsyncConnection: ZCachedConnectionStatus {
    /// Sends one command and waits for its reply.
    /// - Parameter command: The command to send; it is validated before any byte is written.
    /// - Returns: The command's typed response.
    /// - Throws: ``ZCachedError``: `invalidArgument` before sending; `timeout`, `connectionClosed`,
    ///   `connectionReestablished`, `protocolViolation` or `cancelled` on the way; the server's error;
    ///   `unexpectedReply` when the reply does not fit the command, after which the SDK's
    ///   connections close the link it came from, since the stream has most likely slipped.
    func send<Command: ZCachedCommand>(_ command: Command) async throws(ZCachedError) -> Command.Response

    /// Closes the connection. Requests still pending fail with ``ZCachedError/Code/connectionClosed``.
    func close() async
}

/// A connection used from plain threads: calls block the calling thread.
///
/// Implementations must be safe to call from many threads at once and must deliver each reply
/// to the request it answers.
public protocol ZCachedBlockingConnection: ZCachedConnectionStatus {
    /// Sends one command and blocks until its reply arrives.
    /// - Parameter command: The command to send; it is validated before any byte is written.
    /// - Returns: The command's typed response.
    /// - Throws: ``ZCachedError`` as ``ZCachedAsyncConnection/send(_:)`` does.
    func send<Command: ZCachedCommand>(_ command: Command) throws(ZCachedError) -> Command.Response

    /// Closes the connection. Threads waiting on it fail with ``ZCachedError/Code/connectionClosed``.
    func close()
}
