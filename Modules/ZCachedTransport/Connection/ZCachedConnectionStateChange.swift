import Synchronization
import ZCachedCore

/// One move of a connection from one state to another, as reported to
/// ``ZCachedConnectionConfiguration/onStateChange``.
///
/// The clients turn these into log lines and metrics: connected → reconnecting is a lost link,
/// reconnecting → connected a reconnect, reconnecting → broken a reconnect that gave up.
public struct ZCachedConnectionStateChange: Sendable {
    /// The connection's ``ZCachedNIOConnection/id`` or ``ZCachedPOSIXConnection/id``.
    public var connectionID: Int
    /// The state the connection left.
    public var previous: ZCachedConnectionState
    /// The state the connection entered; never equal to ``previous``.
    public var current: ZCachedConnectionState
    /// Why the connection left ``ZCachedConnectionState/connected`` or a connect failed, when the
    /// transport knows; `nil` for changes its owner asked for and for links the server closed
    /// without an error the transport could see.
    public var error: ZCachedError?

    /// Makes a state change.
    /// - Parameters:
    ///   - connectionID: The connection's id.
    ///   - previous: The state left.
    ///   - current: The state entered.
    ///   - error: Why, when known.
    public init(
        connectionID: Int,
        previous: ZCachedConnectionState,
        current: ZCachedConnectionState,
        error: ZCachedError? = nil
    ) {
        self.connectionID = connectionID
        self.previous = previous
        self.current = current
        self.error = error
    }
}

/// Hands out connection ids: unique in the process, increasing, starting at 1.
enum ZCachedConnectionIDs {
    private static let last = Atomic<Int>(0)

    static func next() -> Int {
        last.add(1, ordering: .relaxed).newValue
    }
}

/// Numbers the links (sockets) connections open, in the order they open them: unique in the
/// process, increasing, starting at 1 (see ``ZCachedConnectionStatus/linkOrder``).
enum ZCachedLinkOrder {
    private static let last = Atomic<Int>(0)

    static func next() -> Int {
        last.add(1, ordering: .relaxed).newValue
    }
}

extension ZCachedConnectionConfiguration {
    /// Reports a state change to ``onStateChange``, when one is set and the state did change.
    func report(
        connectionID: Int,
        from previous: ZCachedConnectionState,
        to current: ZCachedConnectionState,
        error: ZCachedError? = nil
    ) {
        guard previous != current, let onStateChange else { return }
        onStateChange(
            ZCachedConnectionStateChange(connectionID: connectionID, previous: previous, current: current, error: error)
        )
    }
}
