import Logging
import Metrics
import ZCachedCore
import ZCachedTransport

/// What a client reports about its commands and connections, shared by ``ZCachedClient`` and
/// ``ZCachedBlockingClient``: swift-log lines, and swift-metrics instruments when a metrics
/// backend is in use.
///
/// Log levels: a command at `trace` (its failure at `debug`: the caller gets the error);
/// a connection opened or closed at `debug`, reestablished at `info`, lost at `warning`,
/// broken for good at `error`. Metadata keys: `zcached.connection_id`, `zcached.command`,
/// `zcached.key_count`, `zcached.error` (an error's `description`, which holds no key or value).
final class ZCachedInstrumentation: Sendable {
    let logger: Logger
    /// `nil` when the factory is swift-metrics' no-op one (the default until the application
    /// bootstraps a backend), so that requests then skip the clock and every instrument.
    private let metrics: ZCachedMetrics?

    /// Makes the instrumentation of one client.
    /// - Parameters:
    ///   - logger: Where to log.
    ///   - metricsFactory: Where to record metrics.
    init(logger: Logger, metricsFactory: any MetricsFactory) {
        self.logger = logger
        self.metrics = metricsFactory is NOOPMetricsHandler ? nil : ZCachedMetrics(factory: metricsFactory)
    }

    // MARK: Commands

    /// A command in flight: its instruments and start, or `nil` without a metrics backend.
    typealias Measurement = (instruments: ZCachedMetrics.CommandInstruments, start: ContinuousClock.Instant)?

    /// Call right before sending `command`.
    /// - Returns: What ``record(_:_:error:)`` needs.
    func start<Command: ZCachedCommand>(_ command: Command) -> Measurement {
        metrics?.commandStarted(name: command.name)
    }

    /// Call with the outcome of sending `command`: records it.
    /// - Parameters:
    ///   - command: The command sent.
    ///   - measurement: What ``start(_:)`` returned.
    ///   - error: Its error, or `nil` when it succeeded.
    func record<Command: ZCachedCommand>(_ command: Command, _ measurement: Measurement, error: ZCachedError?) {
        // A missing key is an answer, not a failure of the client: GET, DELETE and SIZEOF turn it
        // into nil or false before this sees it; RENAME, COPY and raw commands throw it to the
        // caller, who asked about a key that is not there.
        let failure = error?.code == .keyNotFound ? nil : error
        logCommand(command, level: failure == nil ? .trace : .debug, error: failure)
        if let metrics, let measurement {
            metrics.commandFinished(measurement.instruments, startedAt: measurement.start, error: failure)
        }
    }

    /// Call right before sending a batch.
    /// - Returns: One measurement per command, for ``record(_:_:outcomes:)``.
    func start<Command: ZCachedCommand>(_ commands: [Command]) -> [Measurement] {
        commands.map { start($0) }
    }

    /// Call with the outcomes of a batch that was sent: records each command.
    /// - Parameters:
    ///   - commands: The commands sent.
    ///   - measurements: What ``start(_:)-([Command])`` returned.
    ///   - outcomes: Each command's outcome, in order.
    func record<Command: ZCachedCommand>(
        _ commands: [Command],
        _ measurements: [Measurement],
        outcomes: [Result<Command.Response, ZCachedError>]
    ) {
        // Index loops, not `zip`: unspecialised generic code pays a metadata lookup per step.
        for index in commands.indices {
            let error: ZCachedError? = if case .failure(let error) = outcomes[index] { error } else { nil }
            record(commands[index], measurements[index], error: error)
        }
    }

    /// Call when a batch failed before anything was sent: records `error` for each command.
    func record<Command: ZCachedCommand>(_ commands: [Command], _ measurements: [Measurement], error: ZCachedError) {
        for index in commands.indices {
            record(commands[index], measurements[index], error: error)
        }
    }

    private func logCommand<Command: ZCachedCommand>(_ command: Command, level: Logger.Level, error: ZCachedError?) {
        logger.log(
            level: level,
            error == nil ? "zcached command" : "zcached command failed",
            metadata: {
                var metadata: Logger.Metadata = [
                    "zcached.command": "\(command.name)",
                    "zcached.key_count": "\(command.keyCount)",
                ]
                if let error { metadata["zcached.error"] = "\(error)" }
                return metadata
            }()
        )
    }

    // MARK: Connections

    /// The configuration to open the client's connections with: `configuration`, reporting its
    /// state changes to this instrumentation as well as to any observer it already has.
    /// - Parameter configuration: The connections' configuration.
    /// - Returns: The configuration with ``ZCachedConnectionConfiguration/onStateChange`` set.
    func observing(_ configuration: ZCachedConnectionConfiguration) -> ZCachedConnectionConfiguration {
        var observed = configuration
        let existing = configuration.onStateChange
        observed.onStateChange = { [self] change in
            existing?(change)
            connectionChanged(change)
        }
        return observed
    }

    /// Logs a client's failure to open a connection: an error, unless the owner stopped it
    /// (cancelled the task, or closed the client meanwhile).
    /// - Parameter error: Why the connection was not opened.
    func connectFailed(_ error: ZCachedError) {
        let metadata: Logger.Metadata = ["zcached.error": "\(error)"]
        switch error.code {
        case .cancelled, .connectionClosed: logger.debug("zcached connect stopped", metadata: metadata)
        default: logger.error("zcached connect failed", metadata: metadata)
        }
    }

    /// The error of a call cancelled while it waited for the broken connections to reconnect.
    static let cancelledWhileRecovering = ZCachedError(
        code: .cancelled,
        message: "the task was cancelled while the broken connections reconnected; nothing was sent"
    )

    /// The error a client's `extend(by:)` throws when the client was closed while it connected.
    static let closedWhileConnecting = ZCachedError(
        code: .connectionClosed,
        message: "the client was closed while the connection was opening; it was closed too"
    )

    /// Logs and records a connection's state change.
    /// - Parameter change: The change.
    func connectionChanged(_ change: ZCachedConnectionStateChange) {
        metrics?.connectionChanged(change)
        var logger = logger
        logger[metadataKey: "zcached.connection_id"] = "\(change.connectionID)"
        let metadata: Logger.Metadata? = change.error.map { ["zcached.error": "\($0)"] }
        switch (change.previous, change.current) {
        case (.reconnecting, .connected):
            logger.info("zcached connection reestablished")
        case (_, .connected):
            logger.debug("zcached connection opened")
        case (.connected, .reconnecting):
            logger.warning("zcached connection lost, reconnecting", metadata: metadata)
        case (_, .reconnecting):
            logger.info("zcached connection reconnecting")
        case (.connecting, .broken):
            // The first connect failed: the caller gets the error, and the client logs it.
            logger.debug("zcached connect failed", metadata: metadata)
        case (_, .broken):
            logger.error("zcached connection broken, not reconnecting", metadata: metadata)
        case (_, .closed):
            logger.debug("zcached connection closed")
        case (_, .connecting):
            break  // connections never return to connecting
        }
    }

    /// Records the pool's new size; call after every change of the pool.
    /// - Parameter count: How many connections the pool holds, read when it is recorded.
    func poolSizeChanged(to count: @autoclosure () -> Int) {
        metrics?.poolSizeChanged(to: count)
    }
}
