import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import ZCachedCore

/// A pipelined zcached connection on swift-nio, shared by any number of concurrent tasks.
///
/// Requests from all callers are written back to back and their replies matched in order, while
/// at most ``ZCachedConnectionConfiguration/inFlightWindow`` bytes are in flight (the server
/// corrupts replies past 4096 bytes). Every request has a deadline; when it passes, the
/// connection is closed, the late caller gets ``ZCachedError/Code/timeout`` and every other
/// pending caller ``ZCachedError/Code/connectionClosed``, so no reply can reach the wrong caller.
///
/// When the link breaks and ``ZCachedConnectionConfiguration/reconnect`` is on, the connection
/// reconnects with its backoff. Requests that were in flight fail with
/// ``ZCachedError/Code/connectionReestablished``; they are never retried, since SET, MSET,
/// RENAME and COPY are not idempotent. Requests still queued behind the window were never
/// written: they fail with ``ZCachedError/Code/connectionClosed`` and a message saying they were
/// not sent.
public final class ZCachedNIOConnection: ZCachedAsyncConnection {
    private enum Link {
        case connecting
        case active(any Channel, NIOLoopBound<ZCachedChannelHandler>)
        case reconnecting
        case broken
        case closed

        var state: ZCachedConnectionState {
            switch self {
            case .connecting: .connecting
            case .active: .connected
            case .reconnecting: .reconnecting
            case .broken: .broken
            case .closed: .closed
            }
        }
    }

    /// The connection's id, unique in the process, for logs and metrics.
    public let id: Int
    /// The connection's settings.
    public let configuration: ZCachedConnectionConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let link = ZCachedLock<Link>(.connecting)
    /// The link's state, published by ``updateLink(_:)`` for lock-free readers.
    private let publishedState = Atomic<ZCachedConnectionState>(.connecting)
    private let pending = Atomic<Int>(0)
    /// Whether requests queue behind the window, as the current link's handler reports it.
    private let windowGauge = ZCachedWindowGauge()
    /// Set as each channel becomes the link, for ``linkOrder``.
    private let publishedLinkOrder = Atomic<Int>(0)
    private let nextRequestID = Atomic<UInt64>(0)
    /// Requests handed to the event loop that it has not enqueued yet.
    private let requestsOnTheirWay = Atomic<Int>(0)
    /// Callers cancelled while their request may not have reached the loop yet.
    private let earlyCancellations = ZCachedEarlyCancellations()
    private let reconnectTask = ZCachedLock<Task<Void, Never>?>(nil)
    /// Links in a row that closed before delivering any reply.
    private let failedLinksInARow = ZCachedLock(0)

    private init(configuration: ZCachedConnectionConfiguration, eventLoopGroup: any EventLoopGroup) {
        self.id = ZCachedConnectionIDs.next()
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.taskExecutor = ZCachedEventLoopExecutor(eventLoop: eventLoopGroup.next())
    }

    /// An executor on the event loop this connection's channels use. Tasks that prefer it
    /// (`withTaskExecutorPreference`) send and receive without thread hops.
    public let taskExecutor: ZCachedEventLoopExecutor

    /// Opens a connection, trying up to ``ZCachedConnectionConfiguration/connectionAttempts``
    /// times with the configured backoff.
    /// - Parameters:
    ///   - configuration: Where to connect and how to behave.
    ///   - eventLoopGroup: The event loops to run on; NIO's shared group unless given. A group
    ///     of your own must outlive the connection (close it first): NIO drops work handed to a
    ///     loop that has shut down, so requests in progress would never end.
    /// - Returns: A connected connection.
    /// - Throws: ``ZCachedError/Code/connectFailed`` when every attempt fails;
    ///   ``ZCachedError/Code/cancelled`` when the task is cancelled while it waits to try again;
    ///   ``ZCachedError/Code/invalidArgument`` when an option is out of range
    ///   (``ZCachedConnectionConfiguration/validate()``), before any attempt.
    public static func connect(
        configuration: ZCachedConnectionConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(ZCachedError) -> ZCachedNIOConnection {
        try configuration.validate()
        let connection = ZCachedNIOConnection(configuration: configuration, eventLoopGroup: eventLoopGroup)
        try await connection.establish()
        return connection
    }

    // MARK: ZCachedConnectionStatus

    public var pendingRequestCount: Int { pending.load(ordering: .relaxed) }

    public var state: ZCachedConnectionState { publishedState.load(ordering: .acquiring) }

    /// Whether requests are queueing behind a full in-flight window, as the channel handler
    /// last reported it (a moment late when read from another thread).
    public var isLocked: Bool { windowGauge.isFull }

    /// Whether the caller runs on this connection's event loop (a task preferring
    /// ``taskExecutor``, or a handler of a server sharing the event loop group).
    public var isOnCurrentThread: Bool { taskExecutor.eventLoop.inEventLoop }

    /// When the current (or last) channel became the link, among all links of the process.
    public var linkOrder: Int { publishedLinkOrder.load(ordering: .relaxed) }

    // MARK: Sending

    public func send<Command: ZCachedCommand>(_ command: Command) async throws(ZCachedError) -> Command.Response {
        try await send(command, by: nil)
    }

    /// ``send(_:)`` for a call that began before it picked this connection (it waited for
    /// connections to recover, say): with a `deadline`, the caller is answered by then at the
    /// latest; without one, this is ``send(_:)``.
    ///
    /// A request left with under 1/32 of ``ZCachedConnectionConfiguration/requestTimeout`` is
    /// not sent: it would time out after the server ran it. One whose reply has not arrived by
    /// `deadline` fails with ``ZCachedError/Code/timeout`` while the link stays open; its reply
    /// is read and dropped when it comes.
    /// - Throws: As ``send(_:)``, and ``ZCachedError/Code/timeout`` when `deadline` passes
    ///   first, saying whether the request was sent.
    package func send<Command: ZCachedCommand>(_ command: Command, by deadline: NIODeadline?) async throws(ZCachedError) -> Command.Response {
        var encoder = ZCachedRequestEncoder(limits: configuration.requestLimits)
        try encoder.encode(command)
        let link = try channelForSending()
        if let deadline { try checkTimeLeft(until: deadline) }
        return try await send(command, frame: encoder.bytes, on: link, callDeadline: deadline)
    }

    /// Sends several commands of one type as one pipelined burst and waits for all of their
    /// replies, resuming the calling task once.
    ///
    /// Every command is encoded and validated before anything is written; one refused command
    /// refuses the whole batch. The requests then go out back to back inside the server-safe
    /// window, a batch larger than the window in several groups, one round trip each; they are
    /// matched to their replies like concurrent callers' requests, so a lost reply fails and
    /// closes the connection rather than shift another command's reply. Each request's
    /// ``ZCachedConnectionConfiguration/requestTimeout`` starts when it is written, so a large
    /// batch does not time out while the server keeps answering. This costs one task switch for
    /// the batch instead of one per request, so it is the fastest way to issue many independent
    /// commands. The commands are independent: each succeeds or fails on its own, and the server
    /// runs them in order but not atomically.
    ///
    /// ```swift
    /// let replies = try await connection.pipeline(keys.map { ZCachedKeyCommands.Get($0) })
    /// for case .success(let value) in replies { print(value) }
    /// ```
    /// - Parameter commands: The commands, in the order they are sent. An empty array sends
    ///   nothing.
    /// - Returns: Each command's response or error, in the order of `commands`: the server's
    ///   error, ``ZCachedError/Code/unexpectedReply``, or the transport errors
    ///   ``send(_:)`` lists (``ZCachedError/Code/timeout``, ``ZCachedError/Code/connectionClosed``,
    ///   ``ZCachedError/Code/connectionReestablished``, ``ZCachedError/Code/protocolViolation``,
    ///   ``ZCachedError/Code/cancelled``). When the link breaks mid-batch, the commands not yet
    ///   answered fail (those never written with ``ZCachedError/Code/connectionClosed``, saying
    ///   they were not sent) and the ones answered before keep their responses. A reply that does not fit its
    ///   command breaks the link: that command gets ``ZCachedError/Code/unexpectedReply``, and
    ///   the rest of its group (the replies one sentinel verified together) fails with
    ///   ``ZCachedError/Code/protocolViolation``.
    /// - Throws: ``ZCachedError`` only when nothing was sent, and never for an empty batch:
    ///   ``ZCachedError/Code/invalidArgument`` naming the refused command's argument,
    ///   ``ZCachedError/Code/connectionClosed`` when the connection is not connected,
    ///   ``ZCachedError/Code/cancelled`` when the task was already cancelled.
    public func pipeline<Command: ZCachedCommand>(
        _ commands: [Command]
    ) async throws(ZCachedError) -> [Result<Command.Response, ZCachedError>] {
        try await pipeline(commands, by: nil)
    }

    /// ``pipeline(_:)`` for a call that began before it picked this connection: with a
    /// `deadline`, answered by then at the latest, as ``send(_:by:)`` is.
    /// - Throws: As ``pipeline(_:)``, and ``ZCachedError/Code/timeout`` when too little time is
    ///   left to send anything; commands whose replies have not arrived by `deadline` fail with it.
    package func pipeline<Command: ZCachedCommand>(
        _ commands: [Command],
        by deadline: NIODeadline?
    ) async throws(ZCachedError) -> [Result<Command.Response, ZCachedError>] {
        let frames = try ZCachedBatch.frames(of: commands, limits: configuration.requestLimits)
        guard !frames.isEmpty else { return [] }
        let link = try channelForSending()
        if let deadline { try checkTimeLeft(until: deadline) }
        return await send(commands, frames: frames, on: link, callDeadline: deadline)
    }

    /// Throws unless at least 1/32 of the request timeout is left until `deadline`: a request
    /// written with less would time out after the server ran it.
    private func checkTimeLeft(until deadline: NIODeadline) throws(ZCachedError) {
        // Divided after the saturating conversion, so a timeout of centuries (a deadline that
        // saturated to `distantFuture`) leaves more than the share it needs.
        guard deadline - .now() >= .nanoseconds(TimeAmount(configuration.requestTimeout).nanoseconds / 32) else {
            throw ZCachedChannelHandler.callTimedOut(sent: false)
        }
    }

    /// Withdraws the requests `ids` with a timeout at `deadline`, unless answered by then.
    ///
    /// Called after the requests were handed to the loop. The scheduled task hops through the
    /// loop's queue of immediate tasks, behind that hand-off: NIO may run a due scheduled task
    /// ahead of immediate tasks queued before it (a loop running late), which would withdraw
    /// nothing and leave the request to its own, later, timeout.
    private func expiry(
        of ids: ClosedRange<UInt64>,
        at deadline: NIODeadline?,
        on handler: NIOLoopBound<ZCachedChannelHandler>,
        _ eventLoop: any EventLoop
    ) -> Scheduled<Void>? {
        deadline.map { deadline in
            eventLoop.scheduleTask(deadline: deadline) { eventLoop.execute { handler.value.expire(ids: ids) } }
        }
    }

    /// Sends `command`, encoded and validated as `frame`, and waits for its response, or until
    /// `callDeadline` when one is given (``send(_:by:)``).
    ///
    /// The reply becomes the response on the event loop, as it is read: a reply that does not fit
    /// its command (a SET answered with anything but `OK`, say) closes the link right there,
    /// before another request can be written on it, and the connection reconnects.
    private func send<Command: ZCachedCommand>(
        _ command: Command,
        frame: [UInt8],
        on link: (any EventLoop, NIOLoopBound<ZCachedChannelHandler>),
        callDeadline: NIODeadline?
    ) async throws(ZCachedError) -> Command.Response {
        let (eventLoop, handler) = link
        pending.add(1, ordering: .relaxed)
        defer { pending.subtract(1, ordering: .relaxed) }
        let id = nextRequestID.add(1, ordering: .relaxed).newValue
        var expiry: Scheduled<Void>?
        let result = await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                handOff(SingleRequest(id: id, command: command, frame: frame, continuation: continuation), to: handler, on: eventLoop)
                expiry = self.expiry(of: id...id, at: callDeadline, on: handler, eventLoop)
            }
        } onCancel: {
            cancel(id...id, on: handler, eventLoop)
        }
        expiry?.cancel()
        if Task.isCancelled { earlyCancellations.forget(id) }
        return try result.get()
    }

    /// Sends `commands`, encoded and validated as `frames` (at least one), as one batch and waits
    /// for every outcome, or until `callDeadline` when one is given; replies become responses on
    /// the event loop, as in ``send(_:frame:on:callDeadline:)``.
    private func send<Command: ZCachedCommand>(
        _ commands: [Command],
        frames: [[UInt8]],
        on link: (any EventLoop, NIOLoopBound<ZCachedChannelHandler>),
        callDeadline: NIODeadline?
    ) async -> [Result<Command.Response, ZCachedError>] {
        let (eventLoop, handler) = link
        pending.add(frames.count, ordering: .relaxed)
        defer { pending.subtract(frames.count, ordering: .relaxed) }
        let lastID = nextRequestID.add(UInt64(frames.count), ordering: .relaxed).newValue
        let ids = (lastID - UInt64(frames.count) + 1)...lastID
        var expiry: Scheduled<Void>?
        let outcomes = await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                handOff(BatchRequest(firstID: ids.lowerBound, commands: commands, frames: frames, continuation: continuation), to: handler, on: eventLoop)
                expiry = self.expiry(of: ids, at: callDeadline, on: handler, eventLoop)
            }
        } onCancel: {
            cancel(ids, on: handler, eventLoop)
        }
        expiry?.cancel()
        if Task.isCancelled { earlyCancellations.forget(ids.lowerBound) }
        return outcomes
    }

    /// Withdraws the requests `ids` of a cancelled caller, and makes sure they are not sent if
    /// they have not reached the loop yet (see ``ZCachedEarlyCancellations``). The caller calls
    /// `earlyCancellations.forget(ids.lowerBound)` once its cancellation handler is gone.
    private func cancel(_ ids: ClosedRange<UInt64>, on handler: NIOLoopBound<ZCachedChannelHandler>, _ eventLoop: any EventLoop) {
        earlyCancellations.record(ids.lowerBound)
        eventLoop.execute { handler.value.cancel(ids: ids) }
    }

    /// The active channel's loop and handler, unless the task is cancelled or the link is down.
    private func channelForSending() throws(ZCachedError) -> (any EventLoop, NIOLoopBound<ZCachedChannelHandler>) {
        guard !Task.isCancelled else {
            throw ZCachedError(code: .cancelled, message: "the task was cancelled before the request was sent")
        }
        let (channel, handler) = try activeChannel()
        return (channel.eventLoop, handler)
    }

    /// Gives `request` to the handler on `eventLoop`: at once when already on it (no
    /// allocation), otherwise as a loop task.
    ///
    /// The last request of a burst to reach the loop flushes at once (`flushingNow`); earlier
    /// ones leave the flush to it (or to the queued flush), so a burst is one write.
    @inline(__always)
    private func handOff<Request: HandlerRequest>(
        _ request: Request,
        to handler: NIOLoopBound<ZCachedChannelHandler>,
        on eventLoop: any EventLoop
    ) {
        if eventLoop.inEventLoop {
            enqueue(request, on: handler.value, flushingNow: false)
        } else {
            requestsOnTheirWay.add(1, ordering: .relaxed)
            eventLoop.execute {
                let isLastOfBurst = self.requestsOnTheirWay.subtract(1, ordering: .relaxed).newValue == 0
                self.enqueue(request, on: handler.value, flushingNow: isLastOfBurst)
            }
        }
    }

    /// Queues `request` on the handler, unless its caller was cancelled before it got here.
    @inline(__always)
    private func enqueue<Request: HandlerRequest>(_ request: Request, on handler: ZCachedChannelHandler, flushingNow: Bool) {
        if earlyCancellations.contains(request.firstID) {
            request.fail(with: ZCachedError(code: .cancelled, message: "the task was cancelled before the request was sent"))
        } else {
            request.enqueue(on: handler, flushingNow: flushingNow)
        }
    }

    /// Changes the link under its lock and publishes its new state.
    private func updateLink<Value: Sendable>(_ body: (inout Link) -> Value) -> Value {
        link.withLock { link in
            defer { publishedState.store(link.state, ordering: .releasing) }
            return body(&link)
        }
    }

    private func activeChannel() throws(ZCachedError) -> (any Channel, NIOLoopBound<ZCachedChannelHandler>) {
        let current = link.withLock { $0 }
        switch current {
        case .active(let channel, let handler):
            return (channel, handler)
        case .connecting, .reconnecting:
            throw ZCachedError(code: .connectionClosed, message: "the connection is reconnecting")
        case .broken:
            throw ZCachedError(code: .connectionClosed, message: "the connection is broken and not reconnecting")
        case .closed:
            throw ZCachedError(code: .connectionClosed, message: "the connection is closed")
        }
    }

    // MARK: Life cycle

    /// Closes the connection and waits until its socket is closed. Pending requests fail with
    /// ``ZCachedError/Code/connectionClosed``. Over TLS it sends `close_notify` and waits for the
    /// server's at most ``ZCachedConnectionConfiguration/requestTimeout``, and never more than
    /// 1 s, so a server that has gone silent does not hold it. A reconnect in progress is
    /// stopped and waited for: a link it was checking is closed at once, one still in its TCP
    /// connect within ``ZCachedConnectionConfiguration/connectTimeout``.
    public func close() async {
        let previous = updateLink { link in
            defer { link = .closed }
            return link
        }
        configuration.report(connectionID: id, from: previous.state, to: .closed)
        let reconnect = reconnectTask.withLock { task in
            defer { task = nil }
            return task
        }
        reconnect?.cancel()
        if case .active(let channel, let handler) = previous {
            channel.eventLoop.execute { handler.value.closeByOwner() }
            try? await channel.closeFuture.get()
        }
        await reconnect?.value
    }

    /// Reconnects a broken connection now, with the configured attempts and backoff.
    /// - Throws: ``ZCachedError/Code/connectFailed`` when every attempt fails;
    ///   ``ZCachedError/Code/connectionClosed`` when the connection was closed by its owner;
    ///   ``ZCachedError/Code/cancelled`` when the task is cancelled while it waits to try again.
    public func reconnect() async throws(ZCachedError) {
        let mayReconnect = updateLink { link in
            switch link {
            case .broken:
                link = .reconnecting
                return true
            default:
                return false
            }
        }
        guard mayReconnect else {
            if state == .closed { throw ZCachedError(code: .connectionClosed, message: "the connection is closed") }
            return
        }
        configuration.report(connectionID: id, from: .broken, to: .reconnecting)
        failedLinksInARow.withLock { $0 = 0 }
        try await establish()
    }

    /// The most bytes that were ever in flight at once on the current channel.
    public var peakBytesInFlight: Int {
        get async {
            guard case .active(let channel, let handler) = link.withLock({ $0 }) else { return 0 }
            return (try? await channel.eventLoop.submit { handler.value.peakBytesInFlight }.get()) ?? 0
        }
    }

    private func establish() async throws(ZCachedError) {
        var lastError = ZCachedError(code: .connectFailed, message: "no connect attempt was made")
        for attempt in 0..<configuration.connectionAttempts {
            if attempt > 0 {
                do {
                    try await Task.sleep(for: configuration.backoff.jitteredDelay(forAttempt: attempt - 1))
                } catch {
                    // The task was cancelled (a shutdown, say): that, not the last attempt's
                    // failure, is why no link was opened.
                    lastError = ZCachedError(
                        code: .cancelled,
                        message: "cancelled while waiting to retry the connect, after: \(lastError.message)"
                    )
                    break
                }
            }
            // Closed by its owner meanwhile: no new link, since opening and closing one is the
            // churn that silences other connections on the server (PROTOCOL.md §4.2).
            guard state != .closed else { throw Self.closedWhileConnecting }
            do throws(ZCachedError) {
                // Numbered before connecting: the order the server accepts links in, as nearly
                // as the client can tell (the link check's round trip would blur it).
                let linkOrder = ZCachedLinkOrder.next()
                let (channel, handler) = try await ZCachedChannelFactory.makeChannel(
                    configuration: configuration,
                    eventLoop: taskExecutor.eventLoop,
                    linkDown: { [weak self] channel, wasServing in self?.linkClosed(channel, wasServing: wasServing) },
                    windowGauge: windowGauge
                )
                let previous: ZCachedConnectionState? = updateLink { link in
                    if case .closed = link { return nil }
                    defer { link = .active(channel, handler) }
                    publishedLinkOrder.store(linkOrder, ordering: .relaxed)
                    return link.state
                }
                guard let previous else {
                    channel.close(promise: nil)
                    throw Self.closedWhileConnecting
                }
                configuration.report(connectionID: id, from: previous, to: .connected)
                // The handler reports the link down as soon as it stops serving; a link that went
                // down before it was published here is caught when its close completes.
                channel.closeFuture.whenComplete { [weak self] _ in
                    // Runs on the channel's event loop, where the handler may be read.
                    self?.linkClosed(channel, wasServing: handler.value.hasReceivedReply)
                }
                return
            } catch {
                lastError = error
                if error.code == .connectionClosed { throw error }
            }
        }
        let previous: ZCachedConnectionState? = updateLink { link in
            if case .closed = link { return nil }
            defer { link = .broken }
            return link.state
        }
        if let previous { configuration.report(connectionID: id, from: previous, to: .broken, error: lastError) }
        throw lastError
    }

    private static let closedWhileConnecting = ZCachedError(code: .connectionClosed, message: "the connection was closed while connecting")

    /// Called on the channel's loop when a link stops serving (its handler closed it, or it went
    /// inactive), and again when its close completes: reconnect when configured to, unless the
    /// owner closed it. Only the first call for the current channel does anything.
    ///
    /// A link that closes before it delivered a single reply counts as a failed connect
    /// attempt: a server that accepts and closes at once (full `max_clients`, whitelist,
    /// PROTOCOL.md §4.3 and §4.5) would otherwise be reconnected to forever. After
    /// ``ZCachedConnectionConfiguration/connectionAttempts`` such links in a row the connection
    /// is broken.
    private func linkClosed(_ channel: any Channel, wasServing: Bool) {
        let next: ZCachedConnectionState? = updateLink { link in
            guard case .active(let current, _) = link, current === channel else { return nil }
            let failedLinks = failedLinksInARow.withLock { count in
                count = wasServing ? 0 : count + 1
                return count
            }
            let reconnects = configuration.reconnect && failedLinks < configuration.connectionAttempts
            link = reconnects ? .reconnecting : .broken
            return link.state
        }
        guard let next else { return }
        configuration.report(connectionID: id, from: .connected, to: next)
        guard next == .reconnecting else { return }
        let task = Task<Void, Never> { try? await self.establish() }
        reconnectTask.withLock { $0 = task }
        // `close()` may have run since the link was marked reconnecting, cancelling the task
        // stored before this one.
        if state == .closed { task.cancel() }
    }
}

/// Something a caller hands to the channel handler on its event loop.
private protocol HandlerRequest: Sendable {
    /// The number of its (first) request.
    var firstID: UInt64 { get }
    /// Queues the request on `handler`; `flushingNow` writes it at once.
    func enqueue(on handler: ZCachedChannelHandler, flushingNow: Bool)
    /// Resumes the caller with `error` without sending anything.
    func fail(with error: ZCachedError)
}

/// One request whose caller waits for its response alone.
private struct SingleRequest<Command: ZCachedCommand>: HandlerRequest {
    var id: UInt64
    var command: Command
    var frame: [UInt8]
    var continuation: UnsafeContinuation<Result<Command.Response, ZCachedError>, Never>

    var firstID: UInt64 { id }

    func enqueue(on handler: ZCachedChannelHandler, flushingNow: Bool) {
        let sink = ZCachedReplySink(receiver: ZCachedCommandReply(command, continuation: continuation), index: 0)
        handler.enqueue(id: id, frame: frame, sink: sink, flushingNow: flushingNow)
    }

    func fail(with error: ZCachedError) {
        continuation.resume(returning: .failure(error))
    }
}

/// A batch of requests whose caller waits for every outcome at once.
private struct BatchRequest<Command: ZCachedCommand>: HandlerRequest {
    var firstID: UInt64
    var commands: [Command]
    var frames: [[UInt8]]
    var continuation: UnsafeContinuation<[Result<Command.Response, ZCachedError>], Never>

    func enqueue(on handler: ZCachedChannelHandler, flushingNow: Bool) {
        let receiver = ZCachedBatchReplies(commands, continuation: continuation)
        handler.enqueue(batch: frames, firstID: firstID, receiver: receiver, flushingNow: flushingNow)
    }

    func fail(with error: ZCachedError) {
        continuation.resume(returning: Array(repeating: .failure(error), count: frames.count))
    }
}
