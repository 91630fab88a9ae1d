import NIOCore
import ZCachedCore

/// Where the channel handler delivers one request's reply: request `index` of a receiver.
///
/// A reply reaches its caller in two steps, both on the event loop. ``accept(_:)`` turns it into
/// the command's response as soon as it is matched, so the handler learns right there whether it
/// fits its command; ``deliver()`` hands the kept outcome to the caller once the whole read is
/// known to fit. The pipeline hands each sink out exactly once, from whichever of reply,
/// cancellation, deadline or close comes first, so each request ends once.
struct ZCachedReplySink {
    /// What waits for the reply.
    let receiver: any ZCachedReplyReceiver
    /// Which of the receiver's requests this is.
    let index: Int

    /// Makes the response from `reply` and keeps it for ``deliver()``.
    /// - Returns: The ``ZCachedError/Code/unexpectedReply`` error when the reply does not fit its
    ///   command (a SET answered with anything but `OK`, say), `nil` otherwise.
    func accept(_ reply: ZCachedValue) -> ZCachedError? { receiver.accept(reply, at: index) }

    /// Ends the request with the outcome ``accept(_:)`` kept.
    func deliver() { receiver.deliver(index) }

    /// Ends the request with `error`, whatever ``accept(_:)`` kept.
    func fail(with error: ZCachedError) { receiver.fail(index, with: error) }
}

/// What waits for the replies of one or more requests on a channel handler, on its event loop.
protocol ZCachedReplyReceiver: AnyObject {
    /// Keeps the outcome of request `index` made from `reply`.
    /// - Returns: The ``ZCachedError/Code/unexpectedReply`` error when the reply does not fit.
    func accept(_ reply: ZCachedValue, at index: Int) -> ZCachedError?
    /// Ends request `index` with the outcome ``accept(_:at:)`` kept.
    func deliver(_ index: Int)
    /// Ends request `index` with `error`.
    func fail(_ index: Int, with error: ZCachedError)
}

/// The caller of ``ZCachedNIOConnection/send(_:)``, resumed with its command's typed response.
final class ZCachedCommandReply<Command: ZCachedCommand>: ZCachedReplyReceiver {
    private let command: Command
    /// Unchecked: no canary allocation per request.
    private let continuation: UnsafeContinuation<Result<Command.Response, ZCachedError>, Never>
    private var outcome: Result<Command.Response, ZCachedError>?

    init(_ command: Command, continuation: UnsafeContinuation<Result<Command.Response, ZCachedError>, Never>) {
        self.command = command
        self.continuation = continuation
    }

    func accept(_ reply: ZCachedValue, at _: Int) -> ZCachedError? {
        let (outcome, misfit) = ZCachedBatch.outcome(of: command, from: reply)
        self.outcome = outcome
        return misfit
    }

    func deliver(_: Int) {
        guard let outcome else { preconditionFailure("a request was delivered without its reply") }
        continuation.resume(returning: outcome)
    }

    func fail(_: Int, with error: ZCachedError) {
        continuation.resume(returning: .failure(error))
    }
}

/// The outcomes of a batch sent with ``ZCachedNIOConnection/pipeline(_:)`` as they arrive. When
/// the last one is in, it resumes the batch's caller with all of them, in request order: one task
/// resumption for the whole batch.
final class ZCachedBatchReplies<Command: ZCachedCommand>: ZCachedReplyReceiver {
    /// Where one request of the batch is.
    private enum Slot {
        case waiting
        case accepted(Result<Command.Response, ZCachedError>)
        case ended(Result<Command.Response, ZCachedError>)
    }

    private let commands: [Command]
    private var slots: [Slot]
    private var missing: Int
    private let continuation: UnsafeContinuation<[Result<Command.Response, ZCachedError>], Never>

    /// Waits for an outcome per command, then resumes `continuation` with them.
    init(_ commands: [Command], continuation: UnsafeContinuation<[Result<Command.Response, ZCachedError>], Never>) {
        self.commands = commands
        self.slots = Array(repeating: .waiting, count: commands.count)
        self.missing = commands.count
        self.continuation = continuation
    }

    func accept(_ reply: ZCachedValue, at index: Int) -> ZCachedError? {
        let (outcome, misfit) = ZCachedBatch.outcome(of: commands[index], from: reply)
        slots[index] = .accepted(outcome)
        return misfit
    }

    func deliver(_ index: Int) {
        guard case .accepted(let outcome) = slots[index] else { preconditionFailure("a batch request was delivered without its reply") }
        end(index, with: outcome)
    }

    func fail(_ index: Int, with error: ZCachedError) {
        end(index, with: .failure(error))
    }

    /// Ends request `index`; the last one resumes the caller with every outcome, in order.
    private func end(_ index: Int, with outcome: Result<Command.Response, ZCachedError>) {
        if case .ended = slots[index] { preconditionFailure("a batch request ended twice") }
        slots[index] = .ended(outcome)
        missing -= 1
        guard missing == 0 else { return }
        continuation.resume(returning: slots.map { slot in
            guard case .ended(let outcome) = slot else { preconditionFailure("a batch resumed with a request still open") }
            return outcome
        })
    }
}

/// The `PING` a new link must answer (``ZCachedConnectionConfiguration/verifiesNewLinks``): its
/// `+PONG` succeeds the promise that makes the link ready; anything else fails it.
final class ZCachedLinkCheckReply: ZCachedReplyReceiver {
    private let ready: EventLoopPromise<Void>
    private var reply: ZCachedValue?

    init(_ ready: EventLoopPromise<Void>) {
        self.ready = ready
    }

    /// Keeps the reply; a wrong one fails the check in ``deliver(_:)``, not the stream.
    func accept(_ reply: ZCachedValue, at _: Int) -> ZCachedError? {
        self.reply = reply
        return nil
    }

    func deliver(_: Int) {
        do throws(ZCachedError) {
            try ZCachedLinkCheck.check(reply ?? .null)
            ready.succeed()
        } catch {
            ready.fail(ZCachedLinkCheck.failure(error))
        }
    }

    func fail(_: Int, with error: ZCachedError) {
        ready.fail(ZCachedLinkCheck.failure(error))
    }
}
