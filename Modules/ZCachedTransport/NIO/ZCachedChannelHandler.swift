import NIOCore
import NIOTLS
import ZCachedCore

#if canImport(Glibc)
import Glibc
#endif

/// The channel handler of a pipelined zcached connection. It lives on the channel's event loop:
/// it writes request frames inside the server-safe window, decodes replies, hands each to the
/// request it answers, enforces per-request deadlines, and closes the channel when the reply
/// stream can no longer be trusted.
final class ZCachedChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var pipeline: ZCachedRequestPipeline<ZCachedReplySink, NIODeadline>
    private var decoder: ZCachedReplyDecoder
    private var context: ChannelHandlerContext?
    private var deadlineTimer: Scheduled<Void>?
    /// The buffer of the last write, kept for the next one: once NIO has written it (at once
    /// on a link with room) it is ours alone again and is reused without an allocation, as NIO's
    /// `MessageToByteHandler` does. Not kept past ``keptOutboundCapacity``, so one large request
    /// does not pin its memory.
    private var outbound: ByteBuffer?
    private static let keptOutboundCapacity = 2 * ZCachedConnectionConfiguration.serverSafeWindow
    /// Why the channel is closing, once known; every request still pending fails with it.
    private var closeError: ZCachedError?
    private let requestTimeout: TimeAmount
    private let rearmsQuickAck: Bool
    private let readyPromise: EventLoopPromise<Void>
    private let waitsForTLSHandshake: Bool
    private let verifiesLink: Bool
    /// Whether the link check's `PING` went out; until its reply (the link's first) arrives, a
    /// failure of the link is a failure of the check.
    private var sentLinkCheck = false
    private let linkBrokenError: ZCachedError
    /// Whether a write of the waiting requests is already queued on the event loop.
    private var writeQueued = false
    /// Whether this channel has delivered at least one reply: a link that closes before that
    /// counts as a failed connect attempt.
    private(set) var hasReceivedReply = false
    /// Told once, on the loop, that this link no longer serves requests (``reportLinkDown(_:)``).
    private var linkDown: LinkDownHandler?
    /// Where the handler reports whether requests queue behind the window, for the pool.
    private let windowGauge: ZCachedWindowGauge
    /// What ``windowGauge`` was last told, so it is written only when that changes.
    private var reportedRequestsQueue = false

    /// What the handler tells its owner when the link stops serving: the channel, and whether it
    /// delivered a reply before (a link that never did counts as a failed connect attempt).
    typealias LinkDownHandler = @Sendable (_ channel: any Channel, _ wasServing: Bool) -> Void

    /// Makes a handler.
    /// - Parameters:
    ///   - configuration: The connection's settings (window, timeouts, limits, reconnect).
    ///   - readyPromise: Succeeded when the connection can take requests (after the TLS
    ///     handshake when TLS is on), failed if the channel closes first.
    ///   - linkDown: Called once, on the loop, when the link stops serving requests.
    ///   - windowGauge: Where to report whether requests queue behind the window.
    init(
        configuration: ZCachedConnectionConfiguration,
        readyPromise: EventLoopPromise<Void>,
        linkDown: LinkDownHandler? = nil,
        windowGauge: ZCachedWindowGauge = ZCachedWindowGauge()
    ) {
        self.linkDown = linkDown
        self.windowGauge = windowGauge
        self.pipeline = ZCachedRequestPipeline(window: configuration.inFlightWindow)
        self.decoder = ZCachedReplyDecoder(limits: configuration.replyLimits)
        self.requestTimeout = TimeAmount(configuration.requestTimeout)
        self.readyPromise = readyPromise
        self.waitsForTLSHandshake = configuration.tls != nil
        self.verifiesLink = configuration.verifiesNewLinks
        self.linkBrokenError =
            configuration.reconnect
            ? ZCachedError(code: .connectionReestablished, message: "the connection broke while the request was in flight and is reconnecting; the request may or may not have run")
            : ZCachedError(code: .connectionClosed, message: "the connection closed while the request was in flight; the request may or may not have run")
        #if os(Linux)
        self.rearmsQuickAck = configuration.rearmsQuickAck
        #else
        self.rearmsQuickAck = false
        #endif
    }

    /// The most bytes that were ever in flight at once on this channel.
    var peakBytesInFlight: Int { pipeline.peakBytesInFlight }

    /// Completes when the connection can take requests: at once for plain TCP, after the
    /// handshake for TLS, and in both cases after the link answered a `PING` when
    /// ``ZCachedConnectionConfiguration/verifiesNewLinks`` is on; fails if the channel closes first.
    var ready: EventLoopFuture<Void> { readyPromise.futureResult }

    /// Closes a link that did not become ready within the connect timeout.
    func readinessTimedOut() {
        let reason = sentLinkCheck ? ZCachedLinkCheck.silence : "the TLS handshake did not finish before the connect timeout"
        close(with: ZCachedError(code: .timeout, message: reason))
    }

    // MARK: Requests from callers (always called on the event loop)

    /// Queues a request and writes it as soon as the window allows.
    /// - Parameter flushingNow: Whether no other request is on its way to this handler, so the
    ///   write can leave at once instead of waiting for requests enqueued right behind it.
    func enqueue(id: UInt64, frame: [UInt8], sink: ZCachedReplySink, flushingNow: Bool) {
        if let closeError {
            sink.fail(with: ZCachedError.notWritten(after: closeError))
            return
        }
        pipeline.enqueue(.init(id: id, frame: frame, continuation: sink))
        reportWhetherRequestsQueue()
        write(flushingNow: flushingNow)
    }

    /// Queues a batch of requests, numbered from `firstID` on, whose replies `receiver` takes,
    /// request `index` getting the reply to `frames[index]`.
    /// - Parameter flushingNow: As for ``enqueue(id:frame:sink:flushingNow:)``.
    func enqueue(batch frames: [[UInt8]], firstID: UInt64, receiver: any ZCachedReplyReceiver, flushingNow: Bool) {
        if let closeError {
            let failure = ZCachedError.notWritten(after: closeError)
            for index in frames.indices { receiver.fail(index, with: failure) }
            return
        }
        for (index, frame) in frames.enumerated() {
            let sink = ZCachedReplySink(receiver: receiver, index: index)
            pipeline.enqueue(.init(id: firstID + UInt64(index), frame: frame, continuation: sink))
        }
        reportWhetherRequestsQueue()
        write(flushingNow: flushingNow)
    }

    /// Withdraws cancelled requests.
    func cancel(ids: ClosedRange<UInt64>) {
        let cancelled = ZCachedError(code: .cancelled, message: "the task was cancelled before the reply arrived")
        fail(pipeline.cancel(ids: ids), written: cancelled, unwritten: cancelled)
        reportWhetherRequestsQueue()
    }

    /// Withdraws requests whose call ran out of time before their replies arrived (a call that
    /// spent part of its time before sending, waiting for connections to recover, say). Unlike a
    /// request's own timeout this leaves the link open: a written request's reply is still read,
    /// then dropped, so it cannot reach another caller.
    func expire(ids: ClosedRange<UInt64>) {
        let withdrawn = pipeline.cancel(ids: ids)
        reportWhetherRequestsQueue()
        fail(withdrawn, written: Self.callTimedOut(sent: true), unwritten: Self.callTimedOut(sent: false))
    }

    /// The error of a request whose call ran out of time (``expire(ids:)``).
    static func callTimedOut(sent: Bool) -> ZCachedError {
        let whatRanOut = "the call's request timeout, counted from when the call began, ran out"
        return ZCachedError(
            code: .timeout,
            message: sent
                ? "\(whatRanOut) before the reply arrived; the request may or may not have run"
                : "\(whatRanOut) before the request could be written; the request was not sent"
        )
    }

    /// Closes the channel on the owner's request; pending requests fail with `connectionClosed`.
    func closeByOwner() {
        close(with: ZCachedError(code: .connectionClosed, message: "the connection was closed by its owner"))
    }

    // MARK: ChannelHandler

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { channelBecameActive(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // A channel that never became active (a refused connect) sees no channelInactive:
        // complete the promise here, or it dies uncompleted with the handler. A promise that is
        // already completed ignores this.
        readyPromise.fail(readinessFailure(closeError ?? linkBrokenError))
        reportLinkDown(context.channel)
        // The context holds this handler: keeping it would make a cycle that outlives the
        // channel, leaking the handler, its pipeline and its buffers with every closed link.
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        channelBecameActive(context: context)
        context.fireChannelActive()
    }

    private func channelBecameActive(context: ChannelHandlerContext) {
        if !waitsForTLSHandshake { linkIsUp() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { linkIsUp() }
        context.fireUserInboundEventTriggered(event)
    }

    /// The link is connected (and its TLS handshake done): ready now, or once it has answered
    /// the `PING` that new links must answer.
    private func linkIsUp() {
        pipeline.startOnNewLink(segmentSize: linkSegmentSize)
        guard verifiesLink else {
            readyPromise.succeed()
            return
        }
        sentLinkCheck = true
        // Number 0 is never a caller's: their numbers start at 1.
        pipeline.enqueue(.init(id: 0, frame: ZCachedLinkCheck.frame, continuation: ZCachedReplySink(receiver: ZCachedLinkCheckReply(readyPromise), index: 0)))
        writeFramesThatFit()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { decoder.append($0) }
        // Each reply becomes its command's response as soon as it is matched, and is handed out
        // once the whole read is known to fit the requests: replies read together with a reply
        // no request was waiting for, or with bytes while nothing is in flight, come from a
        // stream that has slipped, so they fail too (the link check's `+PONG` included). A reply
        // that cannot be decoded (corrupt bytes, or over the client's limits), or that does not
        // fit its command, leaves the groups before it standing: each was verified on its own.
        // Those are handed out after the link is closed, so no caller resumed by them can write
        // on it.
        var accepted: [ZCachedReplySink] = []
        var slipped: String?
        var decodedAReply = false
        do throws(ZCachedError) {
            while slipped == nil, let reply = try decoder.next() {
                decodedAReply = true
                switch pipeline.replyReceived(reply) {
                case .deliver(let replies):
                    if let (misfit, index) = Self.accept(replies) {
                        hasReceivedReply = true
                        closeAfterMisfit(misfit, in: replies.map(\.0), at: index)
                        for sink in accepted { sink.deliver() }
                        return
                    }
                    accepted.append(contentsOf: replies.lazy.map(\.0))
                case .none:
                    break
                case .outOfOrder(let reason):
                    slipped = reason
                }
            }
        } catch {
            hasReceivedReply = hasReceivedReply || decodedAReply
            failAllAndClose(with: error)
            for sink in accepted { sink.deliver() }
            return
        }
        if slipped == nil, pipeline.bytesInFlight == 0, decoder.bufferedByteCount > 0 {
            slipped = "the server sent bytes while no request was waiting for a reply"
        }
        if let slipped {
            failAllAndClose(with: .protocolViolation(slipped), alsoFailing: accepted)
            return
        }
        hasReceivedReply = hasReceivedReply || decodedAReply
        for sink in accepted { sink.deliver() }
        writeFramesThatFit()
    }

    /// Makes each reply's response, in order.
    /// - Returns: The first reply that does not fit its command, and its index, if any.
    private static func accept(_ replies: [(ZCachedReplySink, ZCachedValue)]) -> (misfit: ZCachedError, index: Int)? {
        for (index, (sink, reply)) in replies.enumerated() {
            if let misfit = sink.accept(reply) { return (misfit, index) }
        }
        return nil
    }

    /// Closes the link because the reply to `group[index]` did not fit its command (a SET
    /// answered with anything but `OK`, say): a healthy server never sends one, so the stream has
    /// most likely slipped, and no later reply on the link can be trusted. Judged here, as the
    /// reply is read, the link closes before any other request can be written on it or take
    /// another reply from it.
    ///
    /// That request's caller gets its ``ZCachedError/Code/unexpectedReply``. The rest of its group
    /// (the replies one sentinel released together, which a swap inside the group would have
    /// mixed up) and every pending request fail with ``ZCachedError/Code/protocolViolation``.
    private func closeAfterMisfit(_ misfit: ZCachedError, in group: [ZCachedReplySink], at index: Int) {
        var others = group
        let misfitting = others.remove(at: index)
        failAllAndClose(with: ZCachedBatch.violation(after: misfit), alsoFailing: others)
        misfitting.deliver()
    }

    /// The link's TCP maximum segment size, when the channel tells it.
    private var linkSegmentSize: Int? {
        guard let options = context?.channel.syncOptions,
            let size = try? options.getOption(.tcpOption(.init(rawValue: CInt(TCP_MAXSEG)))), size > 0
        else { return nil }
        return Int(size)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        rearmQuickAck(context: context)
        context.fireChannelReadComplete()
    }

    /// The server writes long replies in 4 KiB chunks without TCP_NODELAY, and each reply of a
    /// group in a write of its own; with delayed ACKs, what it holds back for an ACK stalls
    /// ~40 ms (PROTOCOL.md §4.7). Linux leaves quick-ACK mode when the connection looks
    /// interactive, so re-arm it (which also sends the pending ACK at once) after every batch of
    /// reads that leaves replies to come (QuickAckTests). With every reply in, the server holds
    /// nothing back: the ACK rides on the next request, and the re-arm would be a system call
    /// and an ACK segment per request for nothing. A re-arm after each write was that too.
    private func rearmQuickAck(context: ChannelHandlerContext) {
        #if os(Linux)
        guard pipeline.bytesInFlight > 0 || decoder.bufferedByteCount > 0 else { return }
        if rearmsQuickAck, let options = context.channel.syncOptions {
            try? options.setOption(.tcpOption(.init(rawValue: CInt(TCP_QUICKACK))), value: 1)
        }
        #endif
    }

    func channelInactive(context: ChannelHandlerContext) {
        let error = closeError ?? linkBrokenError
        closeError = error
        readyPromise.fail(readinessFailure(error))
        reportLinkDown(context.channel)
        failAll(with: error)
        deadlineTimer?.cancel()
        deadlineTimer = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(with: error as? ZCachedError ?? linkBrokenError)
    }

    // MARK: Internals

    /// The error that fails a link before it was ready: `error`, named as the link check's
    /// failure while the check waits for its reply.
    private func readinessFailure(_ error: ZCachedError) -> ZCachedError {
        sentLinkCheck && !hasReceivedReply ? ZCachedLinkCheck.failure(error) : error
    }

    private func write(flushingNow: Bool) {
        if flushingNow {
            writeFramesThatFit()
        } else {
            queueWrite()
        }
    }

    /// Writes the waiting requests once the tasks already queued on the event loop have run.
    ///
    /// Callers' requests arrive as separate event-loop tasks (a burst from other threads, or
    /// the tasks that replies just resumed on this loop). Queuing the write behind them lets
    /// the whole burst leave as one group, closed by one sentinel, in one system call, instead
    /// of a group and a sentinel per request.
    private func queueWrite() {
        guard !writeQueued, let context else { return }
        writeQueued = true
        context.eventLoop.assumeIsolatedUnsafeUnchecked().execute { [self] in
            writeQueued = false
            writeFramesThatFit()
        }
    }

    /// Writes and flushes every waiting frame the window allows, as one buffer.
    private func writeFramesThatFit() {
        defer { reportWhetherRequestsQueue() }
        guard let context, pipeline.hasRequestsToWrite else { return }
        // A request's time starts when it is written, not while it waits behind the window.
        let deadline = NIODeadline.now() + requestTimeout
        var buffer = outbound.take() ?? context.channel.allocator.buffer(capacity: Self.keptOutboundCapacity)
        buffer.clear()
        while case let frames = pipeline.nextFramesToWrite(deadline: deadline), !frames.isEmpty {
            for frame in frames { buffer.writeBytes(frame) }
        }
        guard buffer.readableBytes > 0 else {
            outbound = buffer
            return
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        if buffer.capacity <= Self.keptOutboundCapacity { outbound = buffer }
        armDeadlineTimer()
    }

    private func armDeadlineTimer() {
        guard deadlineTimer == nil, let context, let deadline = pipeline.earliestDeadline else { return }
        deadlineTimer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [self] in
            deadlineTimer = nil
            checkDeadlines()
        }
    }

    private func checkDeadlines() {
        guard let (expired, others) = pipeline.removeAllIfExpired(now: .now()) else {
            armDeadlineTimer()
            return
        }
        let timeout = ZCachedError(code: .timeout, message: "no reply within \(requestTimeout.nanoseconds / 1_000_000) ms; the connection was closed because its replies can no longer be matched")
        let closed = ZCachedError(code: .connectionClosed, message: "another request on this connection timed out, so the connection was closed; the request may or may not have run")
        close(with: closed)
        expired?.fail(with: timeout)
        fail(others, with: closed)
    }

    /// Closes the link on a corrupt or slipped stream: every pending request fails with the
    /// violation (none of their replies can be matched any more), and so do `replies`, requests
    /// whose replies were read but can no longer be trusted.
    private func failAllAndClose(with error: ZCachedError, alsoFailing replies: [ZCachedReplySink] = []) {
        let failure = ZCachedError(code: .protocolViolation, message: "\(error.message); the connection was closed and its pending requests may or may not have run")
        close(with: failure)
        for sink in replies { sink.fail(with: failure) }
    }

    /// Reports the link down, closes the channel, then fails every pending request: the owner
    /// hears of it before any caller does, so a caller that got the error never finds the
    /// connection still reporting itself connected, and the owner need not wait for the close to
    /// finish (NIO completes it a loop task later; TLS waits up to seconds for the server's
    /// `close_notify`).
    private func close(with error: ZCachedError) {
        guard closeError == nil else { return }
        closeError = error
        let pending = pipeline.removeAll()
        reportWhetherRequestsQueue()
        if let context { reportLinkDown(context.channel) }
        context?.close(promise: nil)
        fail(pending, with: error)
    }

    /// Tells the owner, once, that the link no longer serves requests: when the handler closes
    /// it, when the channel goes inactive, or when the handler leaves the pipeline, whichever
    /// comes first.
    private func reportLinkDown(_ channel: any Channel) {
        guard let linkDown else { return }
        self.linkDown = nil
        linkDown(channel, hasReceivedReply)
    }

    private func failAll(with error: ZCachedError) {
        fail(pipeline.removeAll(), with: error)
        reportWhetherRequestsQueue()
    }

    /// Fails the requests `removed` from the pipeline: the written ones with `error`, the ones
    /// never written with a `connectionClosed` that says so, so a caller knows a retry cannot
    /// run the command twice.
    private func fail(_ removed: ZCachedRequestPipeline<ZCachedReplySink, NIODeadline>.Removed, with error: ZCachedError) {
        fail(removed, written: error, unwritten: ZCachedError.notWritten(after: error))
    }

    /// Fails the requests `removed` from the pipeline, the written ones with `writtenError` and
    /// the ones never written with `unwrittenError`, each error made once (and only when needed).
    private func fail(
        _ removed: ZCachedRequestPipeline<ZCachedReplySink, NIODeadline>.Removed,
        written writtenError: @autoclosure () -> ZCachedError,
        unwritten unwrittenError: @autoclosure () -> ZCachedError
    ) {
        if !removed.written.isEmpty {
            let error = writtenError()
            for sink in removed.written { sink.fail(with: error) }
        }
        if !removed.unwritten.isEmpty {
            let error = unwrittenError()
            for sink in removed.unwritten { sink.fail(with: error) }
        }
    }

    /// Tells ``windowGauge`` whether requests wait behind the window, when that changed: on
    /// enqueue, so the callers of one burst that pick a connection before its write already see
    /// it, and after each write, cancel and close.
    private func reportWhetherRequestsQueue() {
        let requestsQueue = pipeline.requestsQueueBehindWindow
        guard requestsQueue != reportedRequestsQueue else { return }
        reportedRequestsQueue = requestsQueue
        windowGauge.report(isFull: requestsQueue)
    }
}

extension TimeAmount {
    /// The duration in nanoseconds, saturating: a timeout of centuries means "practically never",
    /// not a crash.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.saturatingComponents
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (nanoseconds, carryOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        self = .nanoseconds(overflow || carryOverflow ? (seconds < 0 ? .min : .max) : nanoseconds)
    }
}
