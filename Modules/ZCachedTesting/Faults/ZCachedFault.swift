/// A misbehaviour the embedded server can show for one request, to test how clients cope.
///
/// Faults are values built from static members, so new kinds can be added later without
/// breaking a caller's code. Arm one with ``ZCachedFaultInjector/inject(_:on:)``.
public struct ZCachedFault: Sendable, Hashable {
    enum Base: Sendable, Hashable {
        case closeConnection
        case delayReply(Duration)
        case dropReply
        case splitReplyIntoSingleBytes
        case corruptTerminator
    }

    let base: Base

    /// Closes the connection instead of running the request; replies to earlier requests are
    /// written first. The client sees EOF where it expects the reply.
    public static var closeConnection: Self { Self(base: .closeConnection) }

    /// Runs the request but holds its reply back for `delay`.
    ///
    /// The delay is scheduled on the event loop (nothing blocks). Later replies on the same
    /// connection wait behind the delayed one, so replies stay in request order.
    /// - Parameter delay: How long the reply is held.
    /// - Returns: The fault.
    public static func delayReply(_ delay: Duration) -> Self { Self(base: .delayReply(delay)) }

    /// Runs the request but never writes its reply, like the real server's lost-reply bug
    /// (PROTOCOL.md §4.2). Later replies on the connection still flow.
    public static var dropReply: Self { Self(base: .dropReply) }

    /// Writes the reply one byte per write, flushing after each byte.
    public static var splitReplyIntoSingleBytes: Self { Self(base: .splitReplyIntoSingleBytes) }

    /// Replaces the reply's `0x03` terminator with `0x04`, so a strict client sees a corrupt stream.
    public static var corruptTerminator: Self { Self(base: .corruptTerminator) }
}
