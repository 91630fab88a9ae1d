import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import ZCachedCore
import ZCachedPool
import ZCachedTransport

/// The async zcached client: a pool of pipelined swift-nio connections, every command, typed
/// getters, and swift-service-lifecycle integration.
///
/// ```swift
/// let client = ZCachedClient(configuration: ZCachedConfiguration(host: "127.0.0.1", port: 7556))
/// try await client.connect()
/// try await client.set("greeting", "hello")
/// let greeting = try await client.get("greeting", as: String.self)
/// await client.close()
/// ```
///
/// Or run it as a `Service` in a `ServiceGroup`: ``run()`` connects, serves until the group
/// shuts down gracefully or the task is cancelled, then closes every connection.
///
/// Each call goes to the least-loaded connected connection of the pool. Every call throws
/// ``ZCachedError``; wrap one in `Result(catching:)` to get a `Result` instead.
///
/// The client logs connection events to its `logger` and records the metrics listed in the
/// README's "Logging and metrics" section (`zcached_commands_total`, `zcached_command_duration`, ...) with its
/// `metricsFactory`: a no-op unless the application bootstraps a swift-metrics backend.
public final class ZCachedClient: ZCachedAsyncCommandSender, Service {
    /// The client's options.
    public let configuration: ZCachedConfiguration
    /// The connections, for inspection and sizing.
    public let pool: ZCachedPool<ZCachedNIOConnection>
    private let eventLoopGroup: any EventLoopGroup
    private let instrumentation: ZCachedInstrumentation
    /// ``configuration``'s connection settings, reporting state changes to ``instrumentation``.
    private let connectionConfiguration: ZCachedConnectionConfiguration
    /// Lets one call per backoff maximum try the broken connections again.
    private let recoveryGate: ZCachedRecoveryGate
    /// The last recovery started by a call (`startRecovery()`), which ``close()`` cancels and
    /// waits for, and whether new ones may start (not from ``close()`` until the next
    /// ``extend(by:)``).
    private let recoveries = ZCachedLock(Recoveries())

    private struct Recoveries {
        var running: Task<Void, Never>?
        var mayStart = true
    }
    private var logger: Logger { instrumentation.logger }

    /// Makes a client; call ``connect()`` or ``run()`` before sending.
    /// - Parameters:
    ///   - configuration: Where the server is and how to talk to it.
    ///   - eventLoopGroup: The event loops for the connections; NIO's shared group unless given.
    ///     A group of your own must outlive the client: close the client first, since NIO drops
    ///     work handed to a loop that has shut down, and requests in progress would never end.
    ///   - logger: Where to log connection events; nothing is logged unless given.
    ///   - metricsFactory: Where to record metrics; swift-metrics' global factory unless given,
    ///     read when the client is made: bootstrap `MetricsSystem` first, or the client records
    ///     nothing for its whole life.
    public init(
        configuration: ZCachedConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "zcached", factory: { _ in SwiftLogNoOpLogHandler() }),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.pool = ZCachedPool()
        self.eventLoopGroup = eventLoopGroup
        self.instrumentation = ZCachedInstrumentation(logger: logger, metricsFactory: metricsFactory)
        self.connectionConfiguration = instrumentation.observing(configuration.connection)
        self.recoveryGate = ZCachedRecoveryGate(rest: configuration.connection.backoff.max)
    }

    /// Makes a client on an existing pool (the Python client's `from_connection_pool`).
    /// - Parameters:
    ///   - pool: Connections opened elsewhere.
    ///   - configuration: The options used when the pool grows or reconnects.
    ///   - logger: Where to log; nothing is logged unless given.
    ///   - metricsFactory: Where to record metrics; swift-metrics' global factory unless given.
    ///     The state changes of connections opened elsewhere are not recorded.
    public init(
        pool: ZCachedPool<ZCachedNIOConnection>,
        configuration: ZCachedConfiguration = ZCachedConfiguration(),
        logger: Logger = Logger(label: "zcached", factory: { _ in SwiftLogNoOpLogHandler() }),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.pool = pool
        self.eventLoopGroup = MultiThreadedEventLoopGroup.singleton
        self.instrumentation = ZCachedInstrumentation(logger: logger, metricsFactory: metricsFactory)
        self.connectionConfiguration = instrumentation.observing(configuration.connection)
        self.recoveryGate = ZCachedRecoveryGate(rest: configuration.connection.backoff.max)
        instrumentation.poolSizeChanged(to: pool.count)
    }

    /// Opens connections until the pool holds ``ZCachedConfiguration/poolSize`` of them.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` for a configuration no connection can
    ///   work with (``ZCachedConfiguration/validate()``), before connecting;
    ///   ``ZCachedError/Code/connectFailed`` when a connection cannot be opened (the
    ///   connections opened so far stay in the pool); ``ZCachedError/Code/cancelled`` or
    ///   ``ZCachedError/Code/connectionClosed`` as ``extend(by:)``.
    public func connect() async throws(ZCachedError) {
        try configuration.validate()
        try await extend(by: configuration.poolSize - pool.count)
    }

    /// Connects, serves until graceful shutdown or cancellation, then closes every connection.
    /// Cancelled while connecting, it closes what it opened and returns.
    /// - Throws: what ``connect()`` throws, but `cancelled`; the connections opened before the
    ///   failure are closed first.
    public func run() async throws {
        do {
            try await connect()
        } catch {
            await close()
            if error.code == .cancelled { return }
            throw error
        }
        logger.info("zcached client running", metadata: ["zcached.pool_size": "\(pool.count)"])
        // Returns on graceful shutdown, throws CancellationError on cancellation: close either way.
        try? await gracefulShutdown()
        await close()
    }

    /// Closes every connection. Pending requests fail with ``ZCachedError/Code/connectionClosed``.
    public func close() async {
        // Cancelled, a recovery stops waiting out a backoff delay; a reconnect it has started
        // ends on its closed connection within the connect timeout, and is waited for so that
        // no link outlives the client.
        let recovery = recoveries.withLock { recoveries in
            defer {
                recoveries.running = nil
                recoveries.mayStart = false
            }
            return recoveries.running
        }
        recovery?.cancel()
        await pool.close()
        await recovery?.value
        instrumentation.poolSizeChanged(to: pool.count)
        logger.info("zcached client closed")
    }

    /// The least-loaded connected connection of the pool (see ``ZCachedPool/leastLoaded()``).
    ///
    /// Unlike ``send(_:)`` it never tries broken connections again.
    /// - Throws: ``ZCachedError/Code/noAvailableConnections`` when the pool has no connection
    ///   that is connected or reconnecting.
    public func connection() throws(ZCachedError) -> ZCachedNIOConnection {
        try pool.leastLoaded()
    }

    /// The least-loaded connected connection; when there is none, the broken connections are
    /// tried again first if ``ZCachedConnectionConfiguration/reconnect`` is on and no other call
    /// tried them within the backoff's longest delay (see `ZCachedRecoveryGate`). When the pool
    /// passed over broken connections to pick one, they are tried again in the background on the
    /// same terms, so a pool that lost some connections (a full server, say) gets them back.
    ///
    /// - Returns: The connection, and the deadline of the call when it waited for a recovery: the
    ///   request then gets what is left of ``ZCachedConnectionConfiguration/requestTimeout``,
    ///   not a fresh one.
    private func usableConnection() async throws(ZCachedError) -> (ZCachedNIOConnection, callDeadline: NIODeadline?) {
        let connection: ZCachedNIOConnection
        do {
            connection = try pool.leastLoaded()
        } catch {
            let callDeadline = NIODeadline.now() + TimeAmount(configuration.connection.requestTimeout)
            guard await reconnectBrokenWhenNoneIsUsable(by: callDeadline) else {
                if Task.isCancelled { throw ZCachedInstrumentation.cancelledWhileRecovering }
                throw error
            }
            return (try pool.leastLoaded(), callDeadline)
        }
        if pool.takeSkippedBroken() { _ = startRecovery() }
        return (connection, nil)
    }

    /// Starts a recovery (`startRecovery()`) and waits for its first reconnect until `deadline`
    /// (its connect attempts and backoff delays can take far longer), or until the caller is
    /// cancelled; the recovery goes on without it. Meanwhile other calls are handed the
    /// connection being reconnected and fail fast with `connectionClosed`, unsent.
    /// - Returns: Whether the first connection reconnected in the caller's time.
    private func reconnectBrokenWhenNoneIsUsable(by deadline: NIODeadline) async -> Bool {
        guard !Task.isCancelled, let firstReconnected = startRecovery() else { return false }
        let timer = firstReconnected.futureResult.eventLoop.scheduleTask(deadline: deadline) {
            firstReconnected.succeed(false)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            (try? await firstReconnected.futureResult.get()) ?? false
        } onCancel: {
            firstReconnected.succeed(false)
        }
    }

    /// Reconnects one broken connection and, once that worked (the server is back), the others,
    /// in a task of its own that ``close()`` cancels and waits for; only when
    /// ``ZCachedConnectionConfiguration/reconnect`` is on and the recovery gate lets it.
    /// - Returns: A promise completed with whether the first connection reconnected (others may
    ///   complete it sooner); `nil` when no recovery started.
    private func startRecovery() -> EventLoopPromise<Bool>? {
        // The gate first: while it rests, as it does for every call of a pool that stays
        // partly broken, a call costs one lock instead of also listing the broken connections.
        // (A call finding no usable connection in the instant between the claim and the release
        // below fails fast, as it would while a recovery runs.)
        guard configuration.connection.reconnect, recoveryGate.claim() else { return nil }
        let broken = pool.broken
        guard let first = broken.first else {
            recoveryGate.release()
            return nil
        }
        let firstReconnected = eventLoopGroup.any().makePromise(of: Bool.self)
        let started = recoveries.withLock { recoveries in
            // Started and stored under the lock a `close()` takes, so none escapes it.
            guard recoveries.mayStart else { return false }
            recoveries.running = Task { [recoveryGate] in
                defer { recoveryGate.finish() }
                let reconnected = await Self.reconnect(first)
                firstReconnected.succeed(reconnected)
                guard reconnected else { return }
                for other in broken.dropFirst() { _ = await Self.reconnect(other) }
            }
            return true
        }
        guard started else {
            recoveryGate.finish()
            firstReconnected.succeed(false)
            return nil
        }
        return firstReconnected
    }

    /// Reconnects `connection` if it is broken.
    /// - Returns: Whether it is connected after (not when another reconnect was already
    ///   running, or this one failed).
    private static func reconnect(_ connection: ZCachedNIOConnection) async -> Bool {
        // A failed reconnect is logged, with the connection's id, as its state change.
        (try? await connection.reconnect()) != nil && connection.state == .connected
    }

    /// Sends one command on the least-loaded connection and waits for its typed response,
    /// recording it in the logs and metrics.
    /// - Parameter command: The command; it is validated before any byte is written.
    /// - Returns: The command's response.
    /// - Throws: ``ZCachedError``: `noAvailableConnections` when the pool has none to send on
    ///   (when every connection is broken, the call may first try to reconnect them; see
    ///   <doc:Reliability>), otherwise as ``ZCachedAsyncCommandSender/send(_:)`` lists.
    public func send<Command: ZCachedCommand>(_ command: Command) async throws(ZCachedError) -> Command.Response {
        let measurement = instrumentation.start(command)
        // No generic `Result` here: unspecialised, each one costs a metadata lookup.
        do {
            let (connection, callDeadline) = try await usableConnection()
            let response = try await connection.send(command, by: callDeadline)
            instrumentation.record(command, measurement, error: nil)
            return response
        } catch {
            instrumentation.record(command, measurement, error: error)
            throw error
        }
    }

    /// Sends several commands of one type as one pipelined burst on one connection, and waits
    /// for every outcome; see ``ZCachedNIOConnection/pipeline(_:)``.
    ///
    /// Far cheaper per command than as many concurrent ``send(_:)`` calls: the calling task
    /// switches once for the whole batch.
    /// - Parameter commands: The commands, in the order they are sent.
    /// - Returns: Each command's response or error, in the order of `commands`.
    /// - Throws: ``ZCachedError`` only when nothing was sent, and never for an empty batch:
    ///   ``ZCachedError/Code/invalidArgument`` for a refused command (the whole batch is refused),
    ///   ``ZCachedError/Code/noAvailableConnections``, ``ZCachedError/Code/connectionClosed`` or
    ///   ``ZCachedError/Code/cancelled``.
    public func pipeline<Command: ZCachedCommand>(
        _ commands: [Command]
    ) async throws(ZCachedError) -> [Result<Command.Response, ZCachedError>] {
        guard !commands.isEmpty else { return [] }
        let measurements = instrumentation.start(commands)
        do {
            let (connection, callDeadline) = try await usableConnection()
            let outcomes = try await connection.pipeline(commands, by: callDeadline)
            instrumentation.record(commands, measurements, outcomes: outcomes)
            return outcomes
        } catch {
            instrumentation.record(commands, measurements, error: error)
            throw error
        }
    }

    /// Opens `count` more connections.
    ///
    /// A connection that finishes opening after ``close()`` is closed, not added.
    /// - Parameter count: How many connections to add.
    /// - Throws: ``ZCachedError/Code/connectFailed`` when one cannot be opened;
    ///   ``ZCachedError/Code/invalidArgument`` before any attempt when the connection
    ///   configuration is out of range (a client made with `init(pool:)` is not checked earlier);
    ///   ``ZCachedError/Code/cancelled`` when the task is cancelled before a connection starts
    ///   opening or while waiting to retry; ``ZCachedError/Code/connectionClosed`` when the
    ///   client is closed meanwhile.
    public func extend(by count: Int) async throws(ZCachedError) {
        let generation = pool.generation
        recoveries.withLock { $0.mayStart = true }
        for _ in 0..<max(0, count) {
            do throws(ZCachedError) {
                // Cancelled (a service group shutting down during start-up): open no more links
                // only to close them, the churn the server handles badly (PROTOCOL.md §4.2).
                if Task.isCancelled { throw ZCachedError(code: .cancelled, message: "cancelled while extending the pool") }
                let connection = try await ZCachedNIOConnection.connect(configuration: connectionConfiguration, eventLoopGroup: eventLoopGroup)
                guard pool.add([connection], ifNotEmptiedSince: generation) else {
                    await connection.close()
                    throw ZCachedInstrumentation.closedWhileConnecting
                }
                instrumentation.poolSizeChanged(to: pool.count)
            } catch {
                instrumentation.connectFailed(error)
                throw error
            }
        }
        logger.debug("zcached pool extended", metadata: ["zcached.pool_size": "\(pool.count)"])
    }

    /// Closes up to `count` connections: those without a link first, then the newest links;
    /// without `force`, it stops at the newest busy one, since closing an older one would silence
    /// it (see `ZCachedPool.remove(count:force:)`), so it may close fewer than asked.
    /// - Parameters:
    ///   - count: How many connections to remove.
    ///   - force: Whether busy connections may go too; their requests fail with `connectionClosed`.
    /// - Returns: How many connections were closed.
    @discardableResult
    public func reduce(by count: Int, force: Bool = false) async -> Int {
        defer { instrumentation.poolSizeChanged(to: pool.count) }
        return await pool.reduce(by: count, force: force)
    }

    /// Tries to reconnect every broken connection of the pool.
    /// - Returns: How many connections reconnected.
    @discardableResult
    public func reconnectBroken() async -> Int {
        var reconnected = 0
        for connection in pool.broken where await Self.reconnect(connection) {
            reconnected += 1
        }
        return reconnected
    }

    /// Removes and closes the broken and closed connections.
    /// - Returns: How many were removed.
    @discardableResult
    public func cleanUpBroken() async -> Int {
        defer { instrumentation.poolSizeChanged(to: pool.count) }
        return await pool.cleanUpBroken()
    }
}
