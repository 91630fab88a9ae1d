import Dispatch
import Logging
import Metrics
import ZCachedCore
import ZCachedPool
import ZCachedTransport

/// The blocking zcached client, for plain threads: a pool of POSIX socket connections and every
/// command, each call blocking its thread until the reply arrives.
///
/// It is safe to share between threads: each call takes the least-loaded connection, and each
/// connection serves one request at a time. Size the pool to the number of threads that call
/// at once.
///
/// ```swift
/// let client = try ZCachedBlockingClient(configuration: ZCachedConfiguration(poolSize: 8))
/// try client.set("hits", 1)
/// let hits = try client.get("hits", as: Int.self)
/// client.close()
/// ```
///
/// Like ``ZCachedClient``, it logs connection events to its `logger` and records the metrics
/// listed in the README's "Logging and metrics" section with its `metricsFactory`.
public final class ZCachedBlockingClient: ZCachedBlockingCommandSender {
    /// The client's options.
    public let configuration: ZCachedConfiguration
    /// The connections, for inspection and sizing.
    public let pool: ZCachedPool<ZCachedPOSIXConnection>
    private let instrumentation: ZCachedInstrumentation
    /// ``configuration``'s connection settings, reporting state changes to ``instrumentation``.
    private let connectionConfiguration: ZCachedConnectionConfiguration
    /// Lets one call per backoff maximum replace the broken connections.
    private let recoveryGate: ZCachedRecoveryGate
    /// How many connections the application asked for: what a recovery refills the pool to.
    /// Opening or closing connections (``extend(by:)``, ``reduce(by:force:)``,
    /// ``cleanUpBroken()``, ``close()``) moves it; a recovery's own replacements do not.
    private let intendedSize: ZCachedLock<IntendedSize>
    /// The size the application asked for, and the pool generation (its closes) it counts in: a
    /// connection added by an `extend(by:)` that a `close()` overtook does not count.
    private struct IntendedSize {
        var generation: UInt64
        var size: Int
    }

    /// Where broken connections are replaced while others serve: a serial queue, so it runs on
    /// a thread of its own instead of blocking one of Swift's cooperative pool.
    private let recoveryQueue = DispatchQueue(label: "zcached.blocking-client.recovery")

    /// Opens ``ZCachedConfiguration/poolSize`` connections.
    /// - Parameters:
    ///   - configuration: Where the server is and how to talk to it.
    ///   - logger: Where to log connection events; nothing is logged unless given.
    ///   - metricsFactory: Where to record metrics; swift-metrics' global factory unless given,
    ///     read when the client is made: bootstrap `MetricsSystem` first, or the client records
    ///     nothing for its whole life.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` for a configuration no connection can
    ///   work with (``ZCachedConfiguration/validate()``) or with TLS (plain TCP only), before
    ///   connecting; ``ZCachedError/Code/connectFailed`` when a connection cannot be opened, after
    ///   closing the ones already open.
    public init(
        configuration: ZCachedConfiguration,
        logger: Logger = Logger(label: "zcached", factory: { _ in SwiftLogNoOpLogHandler() }),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws(ZCachedError) {
        self.configuration = configuration
        self.pool = ZCachedPool()
        self.instrumentation = ZCachedInstrumentation(logger: logger, metricsFactory: metricsFactory)
        self.connectionConfiguration = instrumentation.observing(configuration.connection)
        self.recoveryGate = ZCachedRecoveryGate(rest: configuration.connection.backoff.max)
        self.intendedSize = ZCachedLock(IntendedSize(generation: 0, size: 0))
        try configuration.validate()
        do {
            try extend(by: configuration.poolSize)
        } catch {
            // Closed, not dropped: closing reports each connection closed and the pool size
            // back to 0, so the gauges do not keep counting connections nobody owns.
            close()
            throw error
        }
    }

    /// Makes a client on an existing pool (the Python client's `from_connection_pool`).
    /// - Parameters:
    ///   - pool: Connections opened elsewhere.
    ///   - configuration: The options used when the pool grows.
    ///   - logger: Where to log; nothing is logged unless given.
    ///   - metricsFactory: Where to record metrics; swift-metrics' global factory unless given.
    ///     The state changes of connections opened elsewhere are not recorded.
    public init(
        pool: ZCachedPool<ZCachedPOSIXConnection>,
        configuration: ZCachedConfiguration = ZCachedConfiguration(),
        logger: Logger = Logger(label: "zcached", factory: { _ in SwiftLogNoOpLogHandler() }),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.pool = pool
        self.instrumentation = ZCachedInstrumentation(logger: logger, metricsFactory: metricsFactory)
        self.connectionConfiguration = instrumentation.observing(configuration.connection)
        self.recoveryGate = ZCachedRecoveryGate(rest: configuration.connection.backoff.max)
        self.intendedSize = ZCachedLock(IntendedSize(generation: pool.generation, size: pool.count))
        instrumentation.poolSizeChanged(to: pool.count)
    }

    /// The least-loaded connection of the pool that can serve now: a connected one, or one
    /// that reconnects as this request is sent on it.
    /// - Throws: ``ZCachedError/Code/noAvailableConnections`` when none is connected or
    ///   reconnecting.
    ///
    /// Unlike ``send(_:)`` it never replaces broken connections.
    public func connection() throws(ZCachedError) -> ZCachedPOSIXConnection {
        try pool.leastLoaded()
    }

    /// The least-loaded connection that can serve now; when there is none, the broken
    /// connections are replaced first if ``ZCachedConnectionConfiguration/reconnect`` is on and
    /// no other call tried within the backoff's longest delay (see `ZCachedRecoveryGate`), by
    /// `deadline`, the call's. When the pool passed over broken connections to pick one, they
    /// are replaced in the background on the same terms.
    private func usableConnection(by deadline: ContinuousClock.Instant) throws(ZCachedError) -> ZCachedPOSIXConnection {
        let connection: ZCachedPOSIXConnection
        do {
            connection = try pool.leastLoaded()
        } catch {
            guard replaceBrokenWhenNoneIsUsable(by: deadline) else { throw error }
            return try pool.leastLoaded()
        }
        if pool.takeSkippedBroken() { replaceBrokenInTheBackground() }
        return connection
    }

    /// Replaces the broken connections (`replaceBroken(ifNotEmptiedSince:within:)`) on the calling thread, which
    /// needs one, by `deadline`.
    /// - Returns: Whether one opened.
    private func replaceBrokenWhenNoneIsUsable(by deadline: ContinuousClock.Instant) -> Bool {
        let generation = pool.generation
        guard configuration.connection.reconnect, !pool.broken.isEmpty, recoveryGate.claim() else { return false }
        defer { recoveryGate.finish() }
        return replaceBroken(ifNotEmptiedSince: generation, within: deadline)
    }

    /// Replaces the broken connections (`replaceBroken(ifNotEmptiedSince:within:)`) on the client's recovery queue,
    /// within ``ZCachedConnectionConfiguration/requestTimeout`` from now, while the others serve.
    private func replaceBrokenInTheBackground() {
        // Read now: a `close()` before the queued work starts must stop its adds.
        let generation = pool.generation
        guard configuration.connection.reconnect, recoveryGate.claim() else { return }
        let deadline = ContinuousClock.now.advanced(by: configuration.connection.requestTimeout)
        recoveryQueue.async { [self] in
            guard !pool.broken.isEmpty else {
                // Replaced meanwhile: nothing was tried, so no rest.
                recoveryGate.release()
                return
            }
            defer { recoveryGate.finish() }
            _ = replaceBroken(ifNotEmptiedSince: generation, within: deadline)
        }
    }

    /// Opens one connection in place of the broken ones and, once that worked (the server is
    /// back), replaces the others too, back to the size the application asked for. A blocking
    /// connection cannot reconnect once broken. No connect attempt or backoff delay goes past
    /// `deadline`, and a refill cut short leaves the pool smaller until the next recovery.
    /// The caller holds the recovery gate.
    /// - Parameter generation: The pool's generation when the caller decided to recover: a
    ///   `close()` since then stops every add.
    /// - Returns: Whether one opened.
    private func replaceBroken(ifNotEmptiedSince generation: UInt64, within deadline: ContinuousClock.Instant) -> Bool {
        // A failed connect is logged and counted by `open(_:ifNotEmptiedSince:within:asked:)`.
        guard (try? open(1, ifNotEmptiedSince: generation, within: deadline, asked: false)) != nil else { return false }
        pool.cleanUpBroken()
        instrumentation.poolSizeChanged(to: pool.count)
        let missing = intendedSize.withLock(\.size) - pool.count
        try? open(missing, ifNotEmptiedSince: generation, within: deadline, asked: false)
        return true
    }

    /// Sends one command on the least-loaded connection and blocks until its typed response
    /// arrives, recording it in the logs and metrics.
    ///
    /// The call never blocks much longer than ``ZCachedConnectionConfiguration/requestTimeout``,
    /// replacing broken connections first included.
    /// - Parameter command: The command; it is validated before any byte is written.
    /// - Returns: The command's response.
    /// - Throws: ``ZCachedError``: `noAvailableConnections` when the pool has none to send on
    ///   (when every connection is broken, the call may first try to replace them; see
    ///   <doc:Reliability>), otherwise as ``ZCachedBlockingCommandSender/send(_:)`` lists.
    public func send<Command: ZCachedCommand>(_ command: Command) throws(ZCachedError) -> Command.Response {
        let measurement = instrumentation.start(command)
        let deadline = ContinuousClock.now.advanced(by: configuration.connection.requestTimeout)
        // No generic `Result` here: unspecialised, each one costs a metadata lookup.
        do {
            let response = try usableConnection(by: deadline).send(command, by: deadline)
            instrumentation.record(command, measurement, error: nil)
            return response
        } catch {
            instrumentation.record(command, measurement, error: error)
            throw error
        }
    }

    /// Sends several commands of one type as one pipelined burst on one connection, and blocks
    /// until every outcome is known; see ``ZCachedPOSIXConnection/pipeline(_:)``. Waiting for
    /// the connection and replacing broken ones count against the batch's
    /// ``ZCachedConnectionConfiguration/requestTimeout``, as on that method.
    ///
    /// Far cheaper per command than one ``send(_:)`` after another: the batch costs one round
    /// trip per window-full of requests instead of one per command.
    /// - Parameter commands: The commands, in the order they are sent.
    /// - Returns: Each command's response or error, in the order of `commands`.
    /// - Throws: ``ZCachedError`` only when nothing was sent, and never for an empty batch:
    ///   ``ZCachedError/Code/invalidArgument`` for a refused command (the whole batch is refused),
    ///   ``ZCachedError/Code/noAvailableConnections``, ``ZCachedError/Code/connectionClosed``,
    ///   ``ZCachedError/Code/timeout`` or ``ZCachedError/Code/connectFailed``.
    public func pipeline<Command: ZCachedCommand>(
        _ commands: [Command]
    ) throws(ZCachedError) -> [Result<Command.Response, ZCachedError>] {
        guard !commands.isEmpty else { return [] }
        let measurements = instrumentation.start(commands)
        let deadline = ContinuousClock.now.advanced(by: configuration.connection.requestTimeout)
        do {
            let outcomes = try usableConnection(by: deadline).pipeline(commands, by: deadline)
            instrumentation.record(commands, measurements, outcomes: outcomes)
            return outcomes
        } catch {
            instrumentation.record(commands, measurements, error: error)
            throw error
        }
    }

    /// Opens `count` more connections.
    ///
    /// A connection that finishes opening after ``close()`` (on another thread) is closed, not
    /// added.
    /// - Parameter count: How many connections to add.
    /// - Throws: ``ZCachedError/Code/connectFailed`` when one cannot be opened;
    ///   ``ZCachedError/Code/invalidArgument`` before any attempt when the connection
    ///   configuration is out of range or asks for TLS (a client made with `init(pool:)` is not
    ///   checked earlier); ``ZCachedError/Code/connectionClosed`` when the client is closed
    ///   meanwhile.
    public func extend(by count: Int) throws(ZCachedError) {
        try open(count, ifNotEmptiedSince: pool.generation, within: nil, asked: true)
    }

    /// Opens `count` connections and adds them, unless the pool was emptied (closed) since
    /// `generation`, giving up at `deadline` when one is given; as ``extend(by:)`` throws, and
    /// `timeout` when the deadline came first.
    /// - Parameter asked: Whether the application asked for them, so that each one added raises
    ///   the size a recovery refills the pool to; a recovery's replacements do not.
    private func open(
        _ count: Int,
        ifNotEmptiedSince generation: UInt64,
        within deadline: ContinuousClock.Instant?,
        asked: Bool
    ) throws(ZCachedError) {
        for _ in 0..<max(0, count) {
            do throws(ZCachedError) {
                let connection = try ZCachedPOSIXConnection(configuration: connectionConfiguration, within: deadline)
                guard pool.add([connection], ifNotEmptiedSince: generation) else {
                    connection.close()
                    throw ZCachedInstrumentation.closedWhileConnecting
                }
                if asked { intendedSize.withLock { if $0.generation == generation { $0.size += 1 } } }
                instrumentation.poolSizeChanged(to: pool.count)
            } catch {
                instrumentation.connectFailed(error)
                throw error
            }
        }
    }

    /// Closes up to `count` connections: those without a link first, then the newest links;
    /// without `force`, it stops at the newest busy one, since closing an older one would silence
    /// it (see `ZCachedPool.remove(count:force:)`), so it may close fewer than asked.
    /// - Parameters:
    ///   - count: How many connections to remove.
    ///   - force: Whether busy connections may go too; their requests fail with `connectionClosed`.
    /// - Returns: How many connections were closed.
    @discardableResult
    public func reduce(by count: Int, force: Bool = false) -> Int {
        defer { instrumentation.poolSizeChanged(to: pool.count) }
        let closed = pool.reduce(by: count, force: force)
        intendedSize.withLock { $0.size -= closed }
        return closed
    }

    /// Removes and closes the broken and closed connections; a later recovery no longer
    /// replaces them (``extend(by:)`` does).
    /// - Returns: How many were removed.
    @discardableResult
    public func cleanUpBroken() -> Int {
        defer { instrumentation.poolSizeChanged(to: pool.count) }
        let removed = pool.cleanUpBroken()
        intendedSize.withLock { $0.size -= removed }
        return removed
    }

    /// Closes every connection. Threads waiting on one fail with `connectionClosed`.
    public func close() {
        pool.close()
        // After the pool's generation moved on, so an `extend(by:)` it overtook adds nothing here.
        intendedSize.withLock { $0 = IntendedSize(generation: pool.generation, size: 0) }
        instrumentation.poolSizeChanged(to: pool.count)
    }
}
