import Synchronization
import ZCachedCore

/// A blocking zcached connection over one plain TCP socket, for code that runs on its own threads.
///
/// Requests are strictly one at a time (PROTOCOL.md §7.3): a call to ``send(_:)`` takes the
/// connection's lock, writes its frame, reads exactly one reply and releases the lock. Any number
/// of threads may call ``send(_:)`` at once; they queue on the lock, and each gets the reply to its
/// own request.
///
/// Every request is bounded by ``ZCachedConnectionConfiguration/requestTimeout``, measured from the
/// moment ``send(_:)`` is called, lock waiting and reconnecting included. A ``pipeline(_:)`` batch
/// holds the lock until its last reply; a request queued behind it gives up at its own deadline
/// with ``ZCachedError/Code/timeout``, without being sent.
///
/// When the reply does not arrive in time, or the server closes the link, or the reply stream is
/// corrupt, the socket is closed, because later replies can no longer be matched to requests
/// (§7.4). With ``ZCachedConnectionConfiguration/reconnect`` on, the connection then reconnects,
/// with ``ZCachedConnectionConfiguration/connectionAttempts`` attempts and
/// ``ZCachedConnectionConfiguration/backoff`` delays. A request that was in flight is never
/// retried: SET, MSET, RENAME and COPY are not idempotent.
///
/// A reply is read with a blocking `recv` bounded by `SO_RCVTIMEO`: one system call per read,
/// like a hand-written socket loop. ``close()`` interrupts it with `shutdown`.
///
/// On Linux the socket re-arms `TCP_QUICKACK` after every read that leaves reply bytes to come,
/// which avoids the server's ~40 ms stall on replies over 4096 bytes (§4.7).
///
/// ```swift
/// let connection = try ZCachedPOSIXConnection(configuration: .init(host: "127.0.0.1", port: 7556))
/// try connection.send(ZCachedKeyCommands.Set("greeting", "hello"))
/// let value = try connection.send(ZCachedKeyCommands.Get("greeting"))
/// connection.close()
/// ```
///
/// - Note: TLS is not supported; use the NIO connection for TLS. Name resolution (`getaddrinfo`)
///   is blocking and not bounded by the timeouts; pass an IP address where that matters.
public final class ZCachedPOSIXConnection: ZCachedBlockingConnection {
    /// The connection's id, unique in the process, for logs and metrics.
    public let id: Int
    /// The settings the connection was made with.
    public let configuration: ZCachedConnectionConfiguration

    /// The socket, the reply decoder and the receive buffer. Held for the whole of each request.
    private let link: ZCachedTimedLock<Link>
    /// Spare request encoders, so that encoding (which happens before taking ``link``) does not
    /// allocate a new buffer for every request.
    private let spareEncoders: ZCachedLock<[ZCachedRequestEncoder]>
    /// The link's socket, where ``close()`` shuts it down without waiting for ``link``.
    private let socketSlot: POSIXSocketSlot
    /// Interrupts any `poll` of this connection when ``close()`` is called.
    private let wakePipe: POSIXWakePipe
    private let pendingRequests = Atomic<Int>(0)
    private let requestInProgress = Atomic<Bool>(false)
    private let closeRequested = Atomic<Bool>(false)
    /// A copy of the link's state that can be read without waiting for the lock.
    private let publishedState = Atomic<ZCachedConnectionState>(.connected)
    /// The ``Link/generation`` of the current (or last) socket, for ``linkOrder``.
    private let publishedLinkOrder: Atomic<Int>
    /// After a reconnect that ran out of its request's time: the time on the link's clock
    /// (``Link/pipelineTime(_:)``, in nanoseconds) before which ``reconnectsWhenUsed`` is
    /// `false`; 0 otherwise.
    private let reconnectNotBefore = Atomic<Int64>(0)

    /// Connects to the configured server.
    ///
    /// Makes up to ``ZCachedConnectionConfiguration/connectionAttempts`` attempts, each bounded by
    /// ``ZCachedConnectionConfiguration/connectTimeout``, sleeping the calling thread for the
    /// ``ZCachedConnectionConfiguration/backoff`` delay between them. Every address the host
    /// resolves to is tried in each attempt, each within an equal share of the time left, so one
    /// that never answers leaves time for the others.
    /// - Parameter configuration: Where to connect and how to behave.
    /// - Throws: ``ZCachedError``: ``ZCachedError/Code/invalidArgument`` when TLS is configured or
    ///   an option is out of range (``ZCachedConnectionConfiguration/validate()``);
    ///   ``ZCachedError/Code/connectFailed``, naming `host:port` and the system's reason, when no
    ///   attempt succeeds.
    public convenience init(configuration: ZCachedConnectionConfiguration) throws(ZCachedError) {
        try self.init(configuration: configuration, within: nil)
    }

    /// Connects to the configured server as ``init(configuration:)`` does, but gives up when
    /// `deadline` comes first: no attempt or backoff delay goes past it.
    /// - Parameters:
    ///   - configuration: Where to connect and how to behave.
    ///   - deadline: The latest instant to connect by; `nil` for none but the attempts' own.
    /// - Throws: as ``init(configuration:)``, and ``ZCachedError/Code/timeout`` when `deadline`
    ///   came first (a request's time, as the client uses it).
    package init(configuration: ZCachedConnectionConfiguration, within deadline: ContinuousClock.Instant?) throws(ZCachedError) {
        guard configuration.tls == nil else {
            throw ZCachedError(
                code: .invalidArgument,
                message: "ZCachedPOSIXConnection speaks plain TCP only; use the NIO connection for TLS",
                argument: "configuration.tls"
            )
        }
        try configuration.validate()
        let wakePipe: POSIXWakePipe
        do {
            wakePipe = try POSIXWakePipe()
        } catch {
            throw ZCachedError(code: .connectFailed, message: "cannot open the connection's wake-up pipe: \(error)")
        }
        let opened: OpenedSocket
        do {
            opened = try Self.openSocket(configuration: configuration, wake: wakePipe.readEnd, within: deadline)
        } catch {
            wakePipe.close()
            throw error.zcachedError
        }
        self.id = ZCachedConnectionIDs.next()
        self.configuration = configuration
        self.wakePipe = wakePipe
        self.spareEncoders = ZCachedLock([])
        self.socketSlot = POSIXSocketSlot()
        let link = Link(socket: opened.socket, linkOrder: opened.linkOrder, slot: socketSlot, configuration: configuration)
        self.publishedLinkOrder = Atomic(link.generation)
        self.link = ZCachedTimedLock(link)
        configuration.report(connectionID: id, from: .connecting, to: .connected)
    }

    deinit {
        link.withLock { link in
            link.release()
            link.receiveBuffer.deallocate()
        }
        wakePipe.close()
    }

    // MARK: Status

    /// The number of requests inside ``send(_:)`` and ``pipeline(_:)`` (a batch counts each of its
    /// commands), waiting for the lock or for their reply.
    public var pendingRequestCount: Int { pendingRequests.load(ordering: .relaxed) }

    /// Where the connection is in its life. Reading it never waits for a request.
    ///
    /// ``ZCachedConnectionState/reconnecting`` means the link broke and the next ``send(_:)`` will
    /// reconnect before sending; ``ZCachedConnectionState/broken`` that it will not (reconnect is
    /// off, or a reconnect used up its attempts).
    public var state: ZCachedConnectionState {
        closeRequested.load(ordering: .acquiring) ? .closed : publishedState.load(ordering: .acquiring)
    }

    /// Whether a request is in progress, so that a new one would wait for the lock.
    public var isLocked: Bool { requestInProgress.load(ordering: .relaxed) }

    /// With no thread of its own, a connection whose link broke reconnects when the next request
    /// is sent on it: `true`, except for a backoff delay after a reconnect that ran out of its
    /// request's time (a server slow to accept), so a pool sends requests to others meanwhile
    /// instead of letting each one wait out its timeout here.
    public var reconnectsWhenUsed: Bool {
        let notBefore = reconnectNotBefore.load(ordering: .relaxed)
        return notBefore == 0 || Self.nanoseconds(Link.pipelineTime(.now)) >= notBefore
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    /// When the current (or last) socket was opened, among all links of the process.
    public var linkOrder: Int { publishedLinkOrder.load(ordering: .relaxed) }

    // MARK: Requests

    /// Sends one command and blocks the calling thread until its reply arrives.
    ///
    /// The command is encoded and validated first; a refused command writes nothing and does not
    /// wait for the connection. The call never blocks much longer than
    /// ``ZCachedConnectionConfiguration/requestTimeout``, waiting for the lock (behind other
    /// requests or a ``pipeline(_:)`` batch) included.
    /// - Parameter command: The command to send.
    /// - Returns: The command's typed response.
    /// - Throws: ``ZCachedError``:
    ///   - ``ZCachedError/Code/invalidArgument`` when the command cannot be sent (nothing was sent);
    ///   - ``ZCachedError/Code/timeout`` when the time ran out. If the request had been written, the
    ///     connection was closed (and reconnects on the next call when reconnect is on);
    ///   - ``ZCachedError/Code/connectionReestablished`` when the server closed the link while the
    ///     request was in flight and the connection reconnected; the request may or may not have
    ///     run and was not retried;
    ///   - ``ZCachedError/Code/connectionClosed`` when the connection was closed, is broken, or the
    ///     link broke and could not be reestablished;
    ///   - ``ZCachedError/Code/connectFailed`` when a needed reconnect used up its attempts before
    ///     sending (``ZCachedError/Code/timeout`` when the request's time ran out first);
    ///   - ``ZCachedError/Code/protocolViolation`` when the reply was corrupt (the link was closed);
    ///   - the server's error, or ``ZCachedError/Code/unexpectedReply``, from the command's response.
    public func send<Command: ZCachedCommand>(_ command: Command) throws(ZCachedError) -> Command.Response {
        try send(command, by: ContinuousClock.now.advanced(by: configuration.requestTimeout))
    }

    /// ``send(_:)`` with the request's deadline set by the caller, for a client whose call began
    /// before it picked this connection (waiting for broken connections to be replaced, say).
    package func send<Command: ZCachedCommand>(
        _ command: Command,
        by deadline: ContinuousClock.Instant
    ) throws(ZCachedError) -> Command.Response {
        var encoder = takeEncoder()
        defer { giveBack(encoder) }
        try encoder.encode(command)

        pendingRequests.add(1, ordering: .relaxed)
        defer { pendingRequests.subtract(1, ordering: .relaxed) }
        let frame = encoder.bytes
        return try link.withLock(until: deadline, orThrow: notSentInTime) { (link) throws(ZCachedError) -> Command.Response in
            requestInProgress.store(true, ordering: .relaxed)
            defer { requestInProgress.store(false, ordering: .relaxed) }
            return try exchange(command, frame: frame, on: &link, deadline: deadline)
        }
    }

    /// Sends several commands of one type as one pipelined burst and blocks the calling thread
    /// until every outcome is known.
    ///
    /// Every command is encoded and validated before anything is written; one refused command
    /// refuses the whole batch. The connection's lock is then held for the whole batch, and the
    /// requests go out back to back inside the server-safe window
    /// (``ZCachedConnectionConfiguration/inFlightWindow``), a batch larger than the window in
    /// several groups. As on ``ZCachedNIOConnection/pipeline(_:)``, each group is closed by a
    /// sentinel `ECHO` whose reply must come back in its place, so a reply the server loses fails
    /// the batch and closes the link instead of shifting another command's reply; a batch of one
    /// is sent like ``send(_:)``. Waiting for the lock and reconnecting are bounded by
    /// ``ZCachedConnectionConfiguration/requestTimeout`` from the call, as for ``send(_:)``; after
    /// that each group's replies are due that long after the group was written, so a large batch
    /// does not time out while the server keeps answering (requests of other threads behind it
    /// give up at their own deadlines). The commands are independent:
    /// each succeeds or fails on its own, and the server runs them in order but not atomically.
    ///
    /// ```swift
    /// let replies = try connection.pipeline(keys.map { ZCachedKeyCommands.Get($0) })
    /// for case .success(let value) in replies { print(value) }
    /// ```
    /// - Parameter commands: The commands, in the order they are sent. An empty array sends
    ///   nothing.
    /// - Returns: Each command's response or error, in the order of `commands`: the server's
    ///   error, ``ZCachedError/Code/unexpectedReply``, or the errors ``send(_:)`` lists for a
    ///   request on the way (``ZCachedError/Code/timeout``,
    ///   ``ZCachedError/Code/connectionReestablished``, ``ZCachedError/Code/connectionClosed``,
    ///   ``ZCachedError/Code/protocolViolation``). When the link breaks mid-batch, the commands not
    ///   yet answered fail (those never written with ``ZCachedError/Code/connectionClosed``,
    ///   saying they were not sent) and the ones answered before keep their responses. A reply that does not fit its
    ///   command breaks the link: that command gets ``ZCachedError/Code/unexpectedReply``, and
    ///   the rest of its group (the replies one sentinel verified together) fails with
    ///   ``ZCachedError/Code/protocolViolation``.
    /// - Throws: ``ZCachedError`` only when nothing was sent, and never for an empty batch:
    ///   ``ZCachedError/Code/invalidArgument`` naming the refused command's argument;
    ///   ``ZCachedError/Code/connectionClosed`` when the connection is closed or broken;
    ///   ``ZCachedError/Code/timeout`` or ``ZCachedError/Code/connectFailed`` when the lock or a
    ///   needed reconnect took the request's time or attempts.
    public func pipeline<Command: ZCachedCommand>(
        _ commands: [Command]
    ) throws(ZCachedError) -> [Result<Command.Response, ZCachedError>] {
        try pipeline(commands, by: ContinuousClock.now.advanced(by: configuration.requestTimeout))
    }

    /// ``pipeline(_:)`` with the deadline for waiting and reconnecting set by the caller, as for
    /// ``send(_:by:)``.
    package func pipeline<Command: ZCachedCommand>(
        _ commands: [Command],
        by deadline: ContinuousClock.Instant
    ) throws(ZCachedError) -> [Result<Command.Response, ZCachedError>] {
        guard !commands.isEmpty else { return [] }
        let frames = try ZCachedBatch.frames(of: commands, limits: configuration.requestLimits)
        pendingRequests.add(frames.count, ordering: .relaxed)
        defer { pendingRequests.subtract(frames.count, ordering: .relaxed) }
        return try link.withLock(until: deadline, orThrow: notSentInTime) {
            (link) throws(ZCachedError) -> [Result<Command.Response, ZCachedError>] in
            requestInProgress.store(true, ordering: .relaxed)
            defer { requestInProgress.store(false, ordering: .relaxed) }
            let socket = try socketForSending(&link, deadline: deadline)
            return exchange(batch: commands, frames: frames, through: socket, on: &link, deadline: deadline)
        }
    }

    /// Closes the connection.
    ///
    /// A request in progress is interrupted and fails with ``ZCachedError/Code/connectionClosed``,
    /// as do the requests waiting for it and every later one. Calling it again does nothing.
    public func close() {
        guard !closeRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wakePipe.signal()
        // The lock below waits for a request in progress; shutting the socket down first ends
        // its blocking read now instead of at its timeout.
        socketSlot.shutDownForClose()
        link.withLock { link in
            link.release()
            publish(.closed, in: &link)
        }
    }

    // MARK: Internals

    /// Runs one request under the lock: makes sure the link is up, writes `frame` (`command`,
    /// encoded), reads one reply and makes the command's response from it.
    ///
    /// The reply is judged while the lock is held: one that does not fit its command (a SET
    /// answered with anything but `OK`, say) means the stream has most likely slipped, so the
    /// socket is closed before another request can take the lock and send on it, and the next
    /// request reconnects.
    private func exchange<Command: ZCachedCommand>(
        _ command: Command,
        frame: [UInt8],
        on link: inout Link,
        deadline: ContinuousClock.Instant
    ) throws(ZCachedError) -> Command.Response {
        let socket = try socketForSending(&link, deadline: deadline)
        if link.pipeline.verifiesEveryRequest {
            // This link has pipelined a batch: a request alone goes with a sentinel as well
            // (see ZCachedRequestPipeline), its reply due by the request's own deadline.
            return try exchange(batch: [command], frames: [frame], through: socket, on: &link, deadline: deadline, repliesDueBy: deadline)[0].get()
        }
        let reply: ZCachedValue
        do {
            try write(frame, to: socket, deadline: deadline)
            reply = try nextReply(from: socket, link: &link, deadline: deadline, moreReplies: false)
            try requireNothingUnasked(in: link)
        } catch {
            throw linkBroke(error, link: &link, deadline: deadline)
        }
        let (outcome, misfit) = ZCachedBatch.outcome(of: command, from: reply)
        if let misfit { _ = linkBroke(.violation(ZCachedBatch.violation(after: misfit)), link: &link, deadline: deadline) }
        return try outcome.get()
    }

    /// Runs a batch on `socket`, the link's socket, under the lock: writes the groups the window
    /// allows and reads replies until every request is answered or the link fails.
    ///
    /// Each group's replies become their commands' responses as the group's sentinel releases
    /// them, so a reply that does not fit its command (see ``exchange(_:frame:on:deadline:)``)
    /// ends the batch there: its command gets ``ZCachedError/Code/unexpectedReply``, the rest of
    /// its group (which a swap inside the group would have mixed up) and every command not yet
    /// answered fail with ``ZCachedError/Code/protocolViolation``, and the socket is closed.
    /// - Parameters:
    ///   - commands: The commands, encoded as `frames`.
    ///   - deadline: The call's deadline, for reconnecting after a lost link.
    ///   - cap: When given, no reply is due later than this (a single request's own deadline);
    ///     otherwise each group's replies are due ``ZCachedConnectionConfiguration/requestTimeout``
    ///     after it is written.
    /// - Returns: Each command's response, or its error, or the error that ended the link for the
    ///   ones not answered.
    private func exchange<Command: ZCachedCommand>(
        batch commands: [Command],
        frames: [[UInt8]],
        through socket: POSIXSocket,
        on link: inout Link,
        deadline: ContinuousClock.Instant,
        repliesDueBy cap: ContinuousClock.Instant? = nil
    ) -> [Result<Command.Response, ZCachedError>] {
        for (index, frame) in frames.enumerated() {
            link.pipeline.enqueue(.init(id: UInt64(index), frame: frame, continuation: index))
        }
        var outcomes = [Result<Command.Response, ZCachedError>?](repeating: nil, count: frames.count)
        var answered = 0
        var latestDeadline = deadline
        var hasWritten = false
        // A write that fails (the server closed the link) ends the writing, not the reading:
        // replies to groups written before it may already be waiting in the socket, and their
        // callers keep them. The batch then fails with the write's error.
        var writeFailure: LinkFailure?
        do throws(LinkFailure) {
            while answered < frames.count {
                if writeFailure == nil, link.pipeline.hasRequestsToWrite {
                    // With nothing in flight, bytes left after the last reply, buffered or still in
                    // the socket, were asked for by nobody; a request written alone next would take
                    // them as its reply. (The batch's first write follows socketForSending's check.)
                    if link.pipeline.bytesInFlight == 0 {
                        try requireNothingUnasked(in: link)
                        if hasWritten, (try? socket.isIdleAndOpen()) != true {
                            throw .violation(.protocolViolation("the server sent bytes, or closed the link, while no request was waiting for a reply"))
                        }
                    }
                    var writeDeadline = ContinuousClock.now.advanced(by: configuration.requestTimeout)
                    if let cap, cap < writeDeadline { writeDeadline = cap }
                    var burst: [UInt8] = []
                    let due = Link.pipelineTime(writeDeadline)
                    while case let group = link.pipeline.nextFramesToWrite(deadline: due), !group.isEmpty {
                        for frame in group { burst.append(contentsOf: frame) }
                    }
                    if !burst.isEmpty {
                        latestDeadline = writeDeadline
                        hasWritten = true
                        do throws(LinkFailure) {
                            try write(burst, to: socket, deadline: writeDeadline)
                        } catch {
                            writeFailure = error
                        }
                    }
                }
                // With nothing in flight the pipeline always writes a request, so no deadline
                // means the writing failed and every reply that could come has been read.
                guard let due = link.pipeline.earliestDeadline.map(Link.instant(atPipelineTime:)) else {
                    throw writeFailure ?? .violation(.protocolViolation("the batch stalled with requests left unsent"))
                }
                let reply: ZCachedValue
                do throws(LinkFailure) {
                    // A batch re-arms after every read: which reply is its last is not worked
                    // out here.
                    reply = try nextReply(from: socket, link: &link, deadline: due, moreReplies: true)
                } catch {
                    throw writeFailure ?? error
                }
                switch link.pipeline.replyReceived(reply) {
                case .deliver(let delivered):
                    answered += delivered.count
                    if let violation = Self.accept(delivered, of: commands, into: &outcomes) { throw .violation(violation) }
                case .none:
                    break
                case .outOfOrder(let reason):
                    throw .violation(.protocolViolation(reason))
                }
            }
            try requireNothingUnasked(in: link)
        } catch {
            // Taken before the link is released: the requests never written did not run.
            let unwritten = Set(link.pipeline.removeAll().unwritten)
            let error = linkBroke(error, link: &link, deadline: latestDeadline)
            let unsent = ZCachedError.notWritten(after: error)
            return outcomes.indices.map { index in outcomes[index] ?? .failure(unwritten.contains(index) ? unsent : error) }
        }
        return outcomes.map { $0 ?? .failure(ZCachedBatch.unmatched) }
    }

    /// Makes the responses of a group of replies the pipeline released, in order.
    /// - Returns: `nil` when every reply fits its command. Otherwise the violation that must
    ///   close the link: the first reply that does not fit keeps its
    ///   ``ZCachedError/Code/unexpectedReply``, and the rest of the group fails with the violation.
    private static func accept<Command: ZCachedCommand>(
        _ group: [(Int, ZCachedValue)],
        of commands: [Command],
        into outcomes: inout [Result<Command.Response, ZCachedError>?]
    ) -> ZCachedError? {
        for (index, reply) in group {
            let (outcome, misfit) = ZCachedBatch.outcome(of: commands[index], from: reply)
            outcomes[index] = outcome
            guard let misfit else { continue }
            let violation = ZCachedBatch.violation(after: misfit)
            for (other, _) in group where other != index { outcomes[other] = .failure(violation) }
            return violation
        }
        return nil
    }

    /// The socket to send on, once the connection is open, the request still has time, and the
    /// link is up (reconnecting first when it is down and reconnect is on).
    private func socketForSending(_ link: inout Link, deadline: ContinuousClock.Instant) throws(ZCachedError) -> POSIXSocket
    {
        guard !closeRequested.load(ordering: .acquiring) else { throw Self.closedByOwner }
        // Nothing was written, so the stream is intact: the connection stays as it is.
        guard ContinuousClock.now < deadline else { throw notSentInTime }
        return try usableSocket(&link, deadline: deadline)
    }

    /// The connected socket, reconnecting first when the link is down and reconnect is on.
    private func usableSocket(_ link: inout Link, deadline: ContinuousClock.Instant) throws(ZCachedError) -> POSIXSocket
    {
        switch link.state {
        case .closed:
            throw Self.closedByOwner
        case .broken, .connecting:
            throw ZCachedError(code: .connectionClosed, message: "the connection is broken and does not reconnect")
        case .reconnecting:
            return try reconnect(&link, deadline: deadline)
        case .connected:
            guard let socket = link.socket else { preconditionFailure("a connected link has a socket") }
            // The server sends nothing unasked (§1.2): readable bytes on an idle socket mean the
            // server closed it (for example on restart) or the stream is corrupt. Catching that
            // here lets the request go out on a fresh link instead of failing.
            if (try? socket.isIdleAndOpen()) == true { return socket }
            link.release()
            let closed = ZCachedError(code: .connectionClosed, message: "the server closed the connection while it was idle")
            guard configuration.reconnect else {
                publish(.broken, in: &link, because: closed)
                throw closed
            }
            publish(.reconnecting, in: &link, because: closed)
            return try reconnect(&link, deadline: deadline)
        }
    }

    /// Opens a new socket for a link that broke, within the request's deadline.
    private func reconnect(_ link: inout Link, deadline: ContinuousClock.Instant) throws(ZCachedError) -> POSIXSocket {
        let budget = ContinuousClock.now.duration(to: deadline)
        let opened: OpenedSocket
        do {
            opened = try Self.openSocket(configuration: configuration, wake: wakePipe.readEnd, within: deadline)
        } catch {
            switch error {
            case .exhausted:
                publish(.broken, in: &link, because: error.zcachedError)
            case .outOfTime:
                // A later request tries again. When this one had a fair share of time (not the
                // last milliseconds of a request queued behind another), the server is slow to
                // accept: later requests wait a backoff delay that grows while this repeats.
                guard budget >= min(configuration.connectTimeout, configuration.requestTimeout) / 2 else { break }
                let delay = configuration.backoff.jitteredDelay(forAttempt: link.reconnectsOutOfTime)
                link.reconnectsOutOfTime += 1
                reconnectNotBefore.store(Self.nanoseconds(Link.pipelineTime(.now) + delay), ordering: .relaxed)
            case .woken: publish(.closed, in: &link)
            }
            throw error.zcachedError
        }
        link.attach(opened.socket, linkOrder: opened.linkOrder)
        link.reconnectsOutOfTime = 0
        reconnectNotBefore.store(0, ordering: .relaxed)
        publish(.connected, in: &link)
        // A request written with almost no time left would time out, after the server ran it,
        // and close the link just opened: keep the link and send nothing instead.
        guard ContinuousClock.now.duration(to: deadline) >= configuration.requestTimeout / 32 else { throw notSentInTime }
        return opened.socket
    }

    /// Closes a link whose stream can no longer be trusted and turns the failure into the error
    /// the request gets.
    private func linkBroke(_ failure: LinkFailure, link: inout Link, deadline: ContinuousClock.Instant) -> ZCachedError
    {
        link.release()
        let next: ZCachedConnectionState = configuration.reconnect ? .reconnecting : .broken
        // close() shuts the socket down, which the read sees as an ordinary end of stream.
        let failure = closeRequested.load(ordering: .acquiring) ? .woken : failure
        switch failure {
        case .woken:
            publish(.closed, in: &link)
            return Self.closedByOwner
        case .timedOut:
            let timeout = ZCachedError(
                code: .timeout,
                message: "no reply within \(configuration.requestTimeout); the connection was closed "
                    + "because its replies can no longer be matched to requests"
            )
            publish(next, in: &link, because: timeout)
            return timeout
        case .violation(let error):
            publish(next, in: &link, because: error)
            return error
        case .lost(let reason):
            publish(next, in: &link, because: ZCachedError(code: .connectionClosed, message: reason))
            guard configuration.reconnect else {
                return ZCachedError(code: .connectionClosed, message: "\(reason); reconnect is off")
            }
            do {
                _ = try reconnect(&link, deadline: deadline)
                return ZCachedError(
                    code: .connectionReestablished,
                    message: "\(reason); the connection was reestablished, and the request, which may or may "
                        + "not have run, was not retried"
                )
            } catch {
                return ZCachedError(
                    code: .connectionClosed,
                    message: "\(reason); reconnecting failed: \(error.message)"
                )
            }
        }
    }

    /// Writes the whole frame, waiting for room in the send buffer as needed.
    private func write(_ frame: [UInt8], to socket: POSIXSocket, deadline: ContinuousClock.Instant) throws(LinkFailure)
    {
        var offset = 0
        while offset < frame.count {
            let written: Int
            let outcome = frame.withUnsafeBytes { bytes in
                Result { () throws(POSIXSystemCallError) -> Int in
                    try socket.send(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                }
            }
            switch outcome {
            case .success(let count): written = count
            case .failure(let error): throw .lost("writing the request failed: \(error)")
            }
            offset += written
            if written == 0 {
                try waitFor(POSIXSocket.writable, on: socket, deadline: deadline)
            }
        }
    }

    /// The next reply: taken from bytes already received, or read until one is whole.
    ///
    /// After a read that leaves bytes to come (this reply's rest, or `moreReplies`), TCP_QUICKACK
    /// is re-armed, which also sends at once the ACK that the server's next 4 KiB chunk, or next
    /// reply, waits for (QuickAckTests). After the last awaited reply the server holds nothing
    /// back, and the ACK rides on the next request: no system call for it.
    /// - Parameter moreReplies: Whether replies are awaited after this one.
    private func nextReply(from socket: POSIXSocket, link: inout Link, deadline: ContinuousClock.Instant, moreReplies: Bool)
        throws(LinkFailure) -> ZCachedValue
    {
        let buffer = link.receiveBuffer
        var justRead = false
        while true {
            let reply: ZCachedValue?
            do throws(ZCachedError) {
                reply = try link.decoder.next()
            } catch {
                throw .violation(error)
            }
            if justRead, configuration.rearmsQuickAck, reply == nil || moreReplies { socket.rearmQuickAck() }
            justRead = false
            if let reply { return reply }
            try link.armReceiveTimeout(on: socket, until: deadline)
            let received: Int?
            do {
                received = try socket.receiveWaiting(into: buffer)
            } catch {
                throw .lost("reading the reply failed: \(error)")
            }
            guard let received else { continue }
            guard received > 0 else { throw .lost("the server closed the connection before replying") }
            link.decoder.append(UnsafeRawBufferPointer(rebasing: buffer[..<received]))
            justRead = true
        }
    }

    /// The server sends nothing unasked (PROTOCOL.md §1.2): bytes left after the last awaited
    /// reply mean the stream is corrupt.
    private func requireNothingUnasked(in link: Link) throws(LinkFailure) {
        guard link.decoder.bufferedByteCount == 0 else {
            throw .violation(.protocolViolation("the server sent bytes after the reply that no request asked for"))
        }
    }

    private func waitFor(_ events: Int16, on socket: POSIXSocket, deadline: ContinuousClock.Instant) throws(LinkFailure)
    {
        let result: POSIXSocket.WaitResult
        do {
            result = try socket.wait(for: events, wake: wakePipe.readEnd, until: deadline)
        } catch {
            throw .lost("waiting for the socket failed: \(error)")
        }
        switch result {
        case .ready: return
        case .timedOut: throw .timedOut
        case .woken: throw .woken
        }
    }

    /// A socket ``openSocket(configuration:wake:within:)`` connected, and its number in the
    /// order the process's links were opened, taken just before its connect: the order the
    /// server accepts them in, as nearly as the client can tell (``linkOrder``).
    private struct OpenedSocket {
        var socket: POSIXSocket
        var linkOrder: Int
    }

    /// Opens a connected socket with the configured attempts, backoff and connect timeout.
    /// - Parameter overallDeadline: When set, no attempt or backoff sleep goes past it.
    private static func openSocket(
        configuration: ZCachedConnectionConfiguration,
        wake: Int32,
        within overallDeadline: ContinuousClock.Instant?
    ) throws(ConnectFailure) -> OpenedSocket {
        let endpoint = "\(configuration.host):\(configuration.port)"
        var lastReason = "no attempt made"
        for attempt in 0..<configuration.connectionAttempts {
            if attempt > 0 {
                let resume = ContinuousClock.now.advanced(by: configuration.backoff.jitteredDelay(forAttempt: attempt - 1))
                if let overallDeadline, resume >= overallDeadline {
                    throw .outOfTime("could not reconnect to \(endpoint) within the request timeout: \(lastReason)")
                }
                guard POSIXSocket.sleep(until: resume, wake: wake) else { throw .woken }
            }
            var deadline = ContinuousClock.now.advanced(by: configuration.connectTimeout)
            let cutShort = overallDeadline.map { $0 < deadline } ?? false
            if cutShort, let overallDeadline { deadline = overallDeadline }
            do {
                let linkOrder = ZCachedLinkOrder.next()
                let socket = try POSIXSocket.connect(
                    host: configuration.host,
                    port: configuration.port,
                    receiveBufferSize: configuration.bufferSize,
                    receiveTimeout: configuration.requestTimeout,
                    deadline: deadline,
                    wake: wake
                )
                if configuration.verifiesNewLinks { try socket.checkLink(deadline: deadline, wake: wake) }
                return OpenedSocket(socket: socket, linkOrder: linkOrder)
            } catch {
                switch error {
                case .failed(let reason):
                    lastReason = reason
                case .timedOut(let reason):
                    lastReason = reason
                    if cutShort {
                        throw .outOfTime("could not reconnect to \(endpoint) within the request timeout: \(reason)")
                    }
                case .woken:
                    throw .woken
                }
            }
        }
        let attempts =
            configuration.connectionAttempts == 1 ? "1 attempt" : "\(configuration.connectionAttempts) attempts"
        throw .exhausted("could not connect to \(endpoint) after \(attempts): \(lastReason)")
    }

    /// Moves the link to `state`, mirrors it for lock-free readers and reports the change.
    private func publish(_ state: ZCachedConnectionState, in link: inout Link, because error: ZCachedError? = nil) {
        let previous = link.state
        link.state = state
        publishedLinkOrder.store(link.generation, ordering: .relaxed)
        publishedState.store(state, ordering: .releasing)
        configuration.report(connectionID: id, from: previous, to: state, error: error)
    }

    private func takeEncoder() -> ZCachedRequestEncoder {
        var encoder =
            spareEncoders.withLock { $0.popLast() } ?? ZCachedRequestEncoder(limits: configuration.requestLimits)
        encoder.reset()
        return encoder
    }

    private func giveBack(_ encoder: ZCachedRequestEncoder) {
        // Keep a few small encoders; drop one that grew for a large value so it frees its memory.
        guard encoder.bytes.capacity <= Self.spareEncoderCapacity else { return }
        spareEncoders.withLock { spares in
            if spares.count < Self.spareEncoderCount { spares.append(encoder) }
        }
    }

    /// The error of a request whose time ran out before it was written: waiting for the lock, or
    /// for a reconnect.
    private var notSentInTime: ZCachedError {
        ZCachedError(
            code: .timeout,
            message: "the request waited \(configuration.requestTimeout) for the connection and was not sent"
        )
    }

    private static let spareEncoderCount = 16
    private static let spareEncoderCapacity = 64 * 1024
    static var closedByOwner: ZCachedError {
        ZCachedError(code: .connectionClosed, message: "the connection was closed by its owner")
    }
}
