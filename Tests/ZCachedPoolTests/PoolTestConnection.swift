import Synchronization
import ZCachedTransport

/// A connection that does no I/O: a test sets the state, load and lock the pool ranks by.
final class PoolTestConnection: ZCachedConnectionStatus, CustomStringConvertible {
    private struct Status {
        var state: ZCachedConnectionState
        var pendingRequestCount: Int
        var isLocked: Bool
    }

    let name: String
    let reconnectsWhenUsed: Bool
    let linkOrder: Int
    private let status: Mutex<Status>

    init(
        _ name: String,
        state: ZCachedConnectionState = .connected,
        pending: Int = 0,
        locked: Bool = false,
        reconnectsWhenUsed: Bool = false,
        linkOrder: Int = 0
    ) {
        self.name = name
        self.reconnectsWhenUsed = reconnectsWhenUsed
        self.linkOrder = linkOrder
        self.status = Mutex(Status(state: state, pendingRequestCount: pending, isLocked: locked))
    }

    var state: ZCachedConnectionState { status.withLock { $0.state } }
    var pendingRequestCount: Int { status.withLock { $0.pendingRequestCount } }
    var isLocked: Bool { status.withLock { $0.isLocked } }
    var description: String { name }

    func set(state: ZCachedConnectionState) { status.withLock { $0.state = state } }
}

/// The names of `connections`, for readable expectations.
func names(_ connections: [PoolTestConnection]) -> [String] {
    connections.map(\.name)
}
