import Synchronization
import ZCachedCore

/// Where the channel handler delivers one request's reply: to a caller waiting for that reply
/// alone, or into one slot of a pipelined batch, whose caller resumes once every slot is filled.
///
/// The pipeline hands each sink out exactly once, from whichever of reply, cancellation,
/// deadline or close comes first, so each slot is filled once and each continuation resumed once.
enum ZCachedReplySink {
    /// A caller of ``ZCachedNIOConnection/send(_:)``. Unchecked (no canary allocation per request).
    case caller(UnsafeContinuation<Result<ZCachedValue, ZCachedError>, Never>)
    /// Request `index` of a batch sent with ``ZCachedNIOConnection/pipeline(_:)``.
    case batch(ZCachedBatchReplies, index: Int)

    /// Delivers the request's outcome.
    func resume(returning result: Result<ZCachedValue, ZCachedError>) {
        switch self {
        case .caller(let continuation): continuation.resume(returning: result)
        case .batch(let replies, let index): replies.fill(index, with: result)
        }
    }
}

/// The outcomes of a pipelined batch as they arrive. When the last one is in, it resumes the
/// batch's caller with all of them, in request order: one task resumption for the whole batch.
///
/// Made and used only on the channel's event loop.
final class ZCachedBatchReplies {
    private var outcomes: [Result<ZCachedValue, ZCachedError>?]
    private var missing: Int
    private let continuation: UnsafeContinuation<[Result<ZCachedValue, ZCachedError>], Never>

    /// Waits for `count` outcomes, then resumes `continuation` with them.
    init(count: Int, continuation: UnsafeContinuation<[Result<ZCachedValue, ZCachedError>], Never>) {
        self.outcomes = Array(repeating: nil, count: count)
        self.missing = count
        self.continuation = continuation
    }

    /// Records the outcome of request `index`; the last one resumes the caller.
    func fill(_ index: Int, with outcome: Result<ZCachedValue, ZCachedError>) {
        precondition(outcomes[index] == nil, "a batch slot was filled twice")
        outcomes[index] = outcome
        missing -= 1
        if missing == 0 { continuation.resume(returning: outcomes.compactMap { $0 }) }
    }
}

/// Whether a batch's caller was cancelled, shared by the caller's cancellation handler and the
/// hand-off to the event loop.
///
/// Cancellation and hand-off both reach the loop as loop tasks, in either order. The handler sets
/// this before queuing its cancellation, and the hand-off reads it on the loop: a batch that
/// arrives after its cancellation is failed at once instead of sent, and one that arrived before
/// is found and withdrawn by the queued cancellation.
final class ZCachedBatchCancellation: Sendable {
    private let cancelled = Atomic<Bool>(false)

    /// Marks the batch cancelled.
    func cancel() { cancelled.store(true, ordering: .releasing) }

    /// Whether ``cancel()`` was called.
    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
}
