import Dispatch
import Synchronization
import ZCachedCore
import ZCachedTransport

/// Holds a client's connect between the connection opening and the client adding it to its
/// pool, so a test can close the client exactly there; records which connections were closed.
///
/// Set ``observe(_:)`` as the connections' `onStateChange`. The connect's thread (or task) waits
/// in it, at its report of `.connected`, until ``letGo()``.
final class ConnectGate: Sendable {
    private let opened = AsyncStream.makeStream(of: Void.self)
    private let release = DispatchSemaphore(value: 0)
    private let closed = Mutex<Set<Int>>([])

    /// The state-change observer that holds the connect.
    func observe(_ change: ZCachedConnectionStateChange) {
        switch change.current {
        case .connected:
            opened.continuation.yield()
            release.wait()
        case .closed:
            _ = closed.withLock { $0.insert(change.connectionID) }
        default:
            break
        }
    }

    /// Returns once a connection has opened and its connect is held.
    func waitUntilOpened() async {
        for await _ in opened.stream { return }
    }

    /// Lets the held connect go on.
    func letGo() {
        release.signal()
    }

    /// How many distinct connections reported themselves closed.
    var closedConnections: Int { closed.withLock { $0.count } }
}
