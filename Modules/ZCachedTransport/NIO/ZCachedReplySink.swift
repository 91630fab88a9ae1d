import NIOCore
import ZCachedCore

/// Where the channel handler delivers one request's reply: to a caller waiting for that reply
/// alone, into one slot of a pipelined batch, whose caller resumes once every slot is filled, or
/// to the check that a new link answers before it takes requests.
///
/// The pipeline hands each sink out exactly once, from whichever of reply, cancellation,
/// deadline or close comes first, so each slot is filled once and each continuation resumed once.
enum ZCachedReplySink {
    /// A caller of ``ZCachedNIOConnection/send(_:)``. Unchecked (no canary allocation per request).
    case caller(UnsafeContinuation<Result<ZCachedValue, ZCachedError>, Never>)
    /// Request `index` of a batch sent with ``ZCachedNIOConnection/pipeline(_:)``.
    case batch(ZCachedBatchReplies, index: Int)
    /// The `PING` a new link must answer (``ZCachedConnectionConfiguration/verifiesNewLinks``):
    /// its `+PONG` succeeds the promise that makes the link ready; anything else fails it.
    case linkCheck(EventLoopPromise<Void>)

    /// Delivers the request's outcome.
    func resume(returning result: Result<ZCachedValue, ZCachedError>) {
        switch self {
        case .caller(let continuation): continuation.resume(returning: result)
        case .batch(let replies, let index): replies.fill(index, with: result)
        case .linkCheck(let ready):
            do throws(ZCachedError) {
                try ZCachedLinkCheck.check(try result.get())
                ready.succeed()
            } catch {
                ready.fail(ZCachedLinkCheck.failure(error))
            }
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
