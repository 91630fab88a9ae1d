import Synchronization
import ZCachedCore

/// The requests of one connection whose callers were cancelled while the request may still be
/// on its way to the event loop.
///
/// A caller's cancellation handler and its request's hand-off both reach the loop as loop tasks,
/// in either order. The handler records the request here before queuing its withdrawal, and the
/// hand-off checks here on the loop: a request that arrives after its cancellation is failed at
/// once instead of sent, and one that arrived before is found and withdrawn by the queued
/// withdrawal. The caller forgets its record once its cancellation handler can no longer run,
/// so records never pile up. While nothing is recorded, a check is one atomic load.
final class ZCachedEarlyCancellations: Sendable {
    private let requestIDs = ZCachedLock<Set<UInt64>>([])
    private let recordCount = Atomic<Int>(0)

    /// Records that the caller of request `id` (a batch: its first request) was cancelled.
    func record(_ id: UInt64) {
        requestIDs.withLock { _ = $0.insert(id) }
        recordCount.add(1, ordering: .releasing)
    }

    /// Whether the caller of request `id` was cancelled.
    func contains(_ id: UInt64) -> Bool {
        guard recordCount.load(ordering: .acquiring) > 0 else { return false }
        return requestIDs.withLock { $0.contains(id) }
    }

    /// Drops the record of request `id`, if any. Call once its cancellation handler is gone.
    func forget(_ id: UInt64) {
        if requestIDs.withLock({ $0.remove(id) }) != nil {
            recordCount.subtract(1, ordering: .relaxed)
        }
    }
}
