import Synchronization

/// Where a connection is in its life. It fits an `Atomic`, so connections publish it for
/// lock-free readers such as the pool's least-loaded selection.
public enum ZCachedConnectionState: UInt8, Sendable, Hashable, AtomicRepresentable {
    /// The first connect has not finished yet.
    case connecting
    /// Connected and serving requests.
    case connected
    /// The link broke and the connection reconnects: in the background with its backoff (the
    /// NIO transport; requests fail fast with ``ZCachedError/Code/connectionClosed`` meanwhile),
    /// or when the next request is sent on it (the blocking transport, see
    /// ``ZCachedConnectionStatus/reconnectsWhenUsed``).
    case reconnecting
    /// The link broke and will not be reconnected (reconnect is off or its attempts ran out).
    case broken
    /// Closed by its owner.
    case closed
}

/// What a pool needs to know about any connection to pick the least-loaded one.
public protocol ZCachedConnectionStatus: AnyObject, Sendable {
    /// The requests sent or waiting to be sent and not yet answered.
    var pendingRequestCount: Int { get }
    /// Where the connection is in its life.
    var state: ZCachedConnectionState { get }
    /// Whether a new request would have to wait because the connection's in-flight window is
    /// full (for a strict request/response connection: a request is in progress).
    var isLocked: Bool { get }
    /// Whether the calling thread is the one the connection does its I/O on, so a request sent
    /// from here reaches the socket, and its reply the caller, without waking another thread.
    var isOnCurrentThread: Bool { get }
    /// Whether a ``ZCachedConnectionState/reconnecting`` connection opens its new link when a
    /// request is sent on it now, rather than in the background: sending on it is then how it
    /// recovers, so a pool must hand it requests. It may say `false` for a while after an
    /// attempt failed, so requests go to other connections meanwhile.
    var reconnectsWhenUsed: Bool { get }
    /// When the connection's current (or last) link was opened, as a number that grows with each
    /// link any connection of the process opens, taken just before the link connects (the order
    /// the server accepts links in, as nearly as the client can tell); `0` when unknown. zcached silences a connection
    /// when an older one on its worker thread closes (PROTOCOL.md §4.2), so a pool closes the
    /// connections with the highest numbers first.
    var linkOrder: Int { get }
}

extension ZCachedConnectionStatus {
    /// `false`: a connection without a thread of its own is never local to its caller.
    public var isOnCurrentThread: Bool { false }

    /// `false`: a connection reconnects in the background unless it says otherwise.
    public var reconnectsWhenUsed: Bool { false }

    /// `0`: unknown, so a pool goes by the order it holds the connections in.
    public var linkOrder: Int { 0 }

    /// Whether the connection is connected and can take requests now.
    public var isUsable: Bool { state == .connected }
}
