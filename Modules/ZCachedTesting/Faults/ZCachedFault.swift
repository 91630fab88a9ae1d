/// A misbehaviour the embedded server can show for one request, to test how clients cope.
///
/// Faults are values built from static members, so new kinds can be added later without
/// breaking a caller's code. Arm one with ``ZCachedFaultInjector/inject(_:on:)`` for the requests a
/// ``ZCachedFaultTrigger`` selects: the Nth request, the next one, every request, or every request
/// of one command. Several faults may match one request; their effects add up.
///
/// The fault plan, by what it does to the matched request's reply:
///
/// | Fault | The server… | The client sees |
/// |---|---|---|
/// | ``closeConnection`` | closes instead of running the request | EOF |
/// | ``resetConnection`` | closes with `SO_LINGER` 0 instead of running it | RST (`ECONNRESET`) |
/// | ``closeAfterReplyBytes(_:)`` | runs it, writes part of the reply, closes | a truncated reply, EOF |
/// | ``dropReply`` | runs it, writes no reply | silence on that request |
/// | ``dropAllLaterReplies`` | runs it and every later request of the connection, replies to none (PROTOCOL.md §4.2) | silence from then on |
/// | ``delayReply(_:)`` | holds the reply back | a late reply |
/// | ``replaceReply(with:)``, ``replyWithGarbage`` | runs it, writes other bytes | garbage, then `0x03` |
/// | ``omitTerminator`` | writes the reply without its `0x03` | two replies run together |
/// | ``duplicateTerminator`` | writes `0x03` twice | a stray `0x03` |
/// | ``corruptTerminator`` | writes `0x04` for the `0x03` | a corrupt stream |
/// | ``splitReplyIntoSingleBytes`` | writes the reply one byte per write | a fragmented reply |
///
/// Connection-level faults live on ``ZCachedFaultInjector``: ``ZCachedFaultInjector/refusesConnections``
/// (accept, then close) and ``ZCachedFaultInjector/emulatesCrashes`` (inputs that crash the real
/// server close every connection). The request size limit is
/// ``ZCachedTestServer/Configuration/maximumRequestSize``, set per server and so per test; a
/// server stop and restart on the same port is ``ZCachedTestServer/restart()``.
public struct ZCachedFault: Sendable, Hashable {
    enum Base: Sendable, Hashable {
        case closeConnection
        case resetConnection
        case closeAfterReplyBytes(Int)
        case delayReply(Duration)
        case dropReply
        case dropAllLaterReplies
        case replaceReply([UInt8])
        case omitTerminator
        case duplicateTerminator
        case splitReplyIntoSingleBytes
        case corruptTerminator
    }

    let base: Base

    /// Closes the connection instead of running the request; replies to earlier requests are
    /// written first. The client sees EOF where it expects the reply.
    public static var closeConnection: Self { Self(base: .closeConnection) }

    /// Resets the connection instead of running the request: the socket is closed with
    /// `SO_LINGER` set to 0, so the client gets a TCP RST (`ECONNRESET`) rather than EOF, as
    /// from the real server when it closes with unread bytes (PROTOCOL.md §4.3, §4.4).
    ///
    /// - Note: A reset discards what is still in the server's send buffer, so replies to earlier
    ///   requests may be lost too.
    public static var resetConnection: Self { Self(base: .resetConnection) }

    /// Runs the request, writes only the first `count` bytes of its reply (terminator included in
    /// the count), then closes the connection. Earlier replies are written whole.
    /// - Parameter count: How many bytes of the reply to write; 0 writes none.
    /// - Returns: The fault.
    public static func closeAfterReplyBytes(_ count: Int) -> Self { Self(base: .closeAfterReplyBytes(max(0, count))) }

    /// Runs the request but holds its reply back for `delay`.
    ///
    /// The delay is scheduled on the event loop (nothing blocks). Later replies on the same
    /// connection wait behind the delayed one, so replies stay in request order, and delays of
    /// several requests in flight add up. With ``dropReply`` on the same request, nothing is
    /// written but the later replies still wait.
    /// - Parameter delay: How long the reply is held.
    /// - Returns: The fault.
    public static func delayReply(_ delay: Duration) -> Self { Self(base: .delayReply(delay)) }

    /// Runs the request but never writes its reply. Later replies on the connection still flow.
    ///
    /// The real server's lost-reply bug loses every later reply too: that is
    /// ``dropAllLaterReplies``.
    public static var dropReply: Self { Self(base: .dropReply) }

    /// Runs the request, and every later request on the same connection, but writes none of
    /// their replies, like the real server's lost-reply bug (PROTOCOL.md §4.2): once another
    /// connection on its worker has closed, a connection's requests still run (a SET is visible
    /// to other connections) but its replies silently stop, and the socket stays open.
    ///
    /// Replies to earlier requests are written as usual, and other connections are not affected.
    /// Only closing the connection ends it; a client sees nothing but silence.
    public static var dropAllLaterReplies: Self { Self(base: .dropAllLaterReplies) }

    /// Runs the request but writes `bytes` in place of its encoded reply; the terminator still
    /// follows (unless a terminator fault changes it).
    /// - Parameter bytes: What to write instead of the reply value.
    /// - Returns: The fault.
    public static func replaceReply(with bytes: [UInt8]) -> Self { Self(base: .replaceReply(bytes)) }

    /// Runs the request but answers with bytes that are no valid reply (`?garbage\r\n`, then
    /// `0x03`), as from a server whose reply stream is corrupted (PROTOCOL.md §1.1).
    public static var replyWithGarbage: Self { replaceReply(with: Array("?garbage\r\n".utf8)) }

    /// Writes the reply without its `0x03` terminator, so it runs into the next reply (or the
    /// client waits for a terminator that never comes).
    public static var omitTerminator: Self { Self(base: .omitTerminator) }

    /// Writes the reply followed by two `0x03` bytes instead of one, so the client sees a stray
    /// terminator where the next reply should start.
    public static var duplicateTerminator: Self { Self(base: .duplicateTerminator) }

    /// Writes the reply one byte per write, flushing after each byte.
    public static var splitReplyIntoSingleBytes: Self { Self(base: .splitReplyIntoSingleBytes) }

    /// Replaces the reply's `0x03` terminator with `0x04`, so a strict client sees a corrupt stream.
    public static var corruptTerminator: Self { Self(base: .corruptTerminator) }
}
