/// Where a connection is in its life.
public enum ZCachedConnectionState: Sendable, Hashable {
    /// The first connect has not finished yet.
    case connecting
    /// Connected and serving requests.
    case connected
    /// The link broke and the connection is reconnecting with its backoff. Requests fail fast
    /// with ``ZCachedError/Code/connectionClosed`` meanwhile.
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
}

extension ZCachedConnectionStatus {
    /// Whether the connection is connected and can take requests now.
    public var isUsable: Bool { state == .connected }
}
