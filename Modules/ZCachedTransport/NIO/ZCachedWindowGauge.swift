import Synchronization

/// Whether a connection's requests are queueing behind its full in-flight window, as its channel
/// handler last reported: the handler writes it on the event loop when that changes, the pool
/// reads it from any thread to steer requests elsewhere (``ZCachedNIOConnection/isLocked``).
final class ZCachedWindowGauge: Sendable {
    private let requestsQueue = Atomic<Bool>(false)

    /// Whether requests wait behind the window.
    var isFull: Bool { requestsQueue.load(ordering: .relaxed) }

    /// Records whether requests wait behind the window.
    func report(isFull: Bool) {
        requestsQueue.store(isFull, ordering: .relaxed)
    }
}
