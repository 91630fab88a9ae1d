import Metrics
import ZCachedCore
import ZCachedTransport

/// A client's swift-metrics instruments, made once when the client is made.
///
/// A request only looks its command's instruments up in a dictionary built at init; it never
/// asks the factory for an instrument, which takes the factory's lock. Only error counters, one
/// per ``ZCachedError/Code``, are made on first use, since errors are rare. The labels and
/// dimensions are listed in the README's "Logging and metrics" section.
///
/// Gauges move by increments and decrements only, so several clients recording into the same
/// backend add up instead of overwriting each other.
final class ZCachedMetrics: Sendable {
    /// The metric labels.
    enum Label {
        static let commands = "zcached_commands_total"
        static let commandDuration = "zcached_command_duration"
        static let errors = "zcached_errors_total"
        static let timeouts = "zcached_timeouts_total"
        static let reconnects = "zcached_reconnects_total"
        static let poolConnections = "zcached_pool_connections"
        static let connectedConnections = "zcached_connected_connections"
        static let requestsInFlight = "zcached_requests_in_flight"
    }

    /// The instruments of one command name.
    struct CommandInstruments: Sendable {
        let succeeded: Counter
        let failed: Counter
        let duration: Timer

        init(command: String, factory: any MetricsFactory) {
            self.succeeded = Counter(
                label: Label.commands,
                dimensions: [("command", command), ("outcome", "success")],
                factory: factory
            )
            self.failed = Counter(
                label: Label.commands,
                dimensions: [("command", command), ("outcome", "error")],
                factory: factory
            )
            self.duration = Timer(label: Label.commandDuration, dimensions: [("command", command)], factory: factory)
        }
    }

    /// Every command name the SDK has a type for. Any other name (a raw command's) is recorded
    /// as ``otherCommandName``, which keeps the `command` dimension's cardinality bounded.
    static let commandNames = [
        "GET", "SET", "DELETE", "SIZEOF", "MGET", "MSET", "RENAME", "COPY",
        "PING", "ECHO", "FLUSH", "DBSIZE", "SAVE", "LASTSAVE", "KEYS",
    ]
    /// The `command` dimension of commands not in ``commandNames``.
    static let otherCommandName = "OTHER"

    private let factory: any MetricsFactory
    private let commands: [String: CommandInstruments]
    private let otherCommand: CommandInstruments
    private let errorCounters = ZCachedLock<[ZCachedError.Code: Counter]>([:])
    private let timeouts: Counter
    private let reconnects: Counter
    private let failedReconnects: Counter
    private let poolConnections: Meter
    private let connectedConnections: Meter
    private let requestsInFlight: Meter
    /// The pool size last added to ``poolConnections``, so a new size is recorded as a difference;
    /// held while the pool is counted, so the last caller records the latest size.
    private let recordedPoolSize = ZCachedLock(0)

    /// Makes every instrument except the error counters.
    /// - Parameter factory: The metrics backend.
    init(factory: any MetricsFactory) {
        self.factory = factory
        self.commands = Dictionary(
            uniqueKeysWithValues: Self.commandNames.map { ($0, CommandInstruments(command: $0, factory: factory)) }
        )
        self.otherCommand = CommandInstruments(command: Self.otherCommandName, factory: factory)
        self.timeouts = Counter(label: Label.timeouts, factory: factory)
        self.reconnects = Counter(label: Label.reconnects, dimensions: [("outcome", "success")], factory: factory)
        self.failedReconnects = Counter(label: Label.reconnects, dimensions: [("outcome", "error")], factory: factory)
        self.poolConnections = Meter(label: Label.poolConnections, factory: factory)
        self.connectedConnections = Meter(label: Label.connectedConnections, factory: factory)
        self.requestsInFlight = Meter(label: Label.requestsInFlight, factory: factory)
    }

    // MARK: Commands

    /// Records that a command is about to be sent.
    /// - Returns: Its instruments and when it started, for ``commandFinished(_:startedAt:error:)``.
    func commandStarted(name: String) -> (CommandInstruments, ContinuousClock.Instant) {
        requestsInFlight.increment()
        // Typed commands hit the first lookup; only a raw command with a lower-case name pays for
        // `uppercased()`.
        let instruments = commands[name] ?? commands[name.uppercased()] ?? otherCommand
        return (instruments, .now)
    }

    /// Records a command's outcome and duration.
    /// - Parameters:
    ///   - instruments: What ``commandStarted(name:)`` returned.
    ///   - start: What ``commandStarted(name:)`` returned.
    ///   - error: The error the command failed with, or `nil` when it succeeded.
    func commandFinished(_ instruments: CommandInstruments, startedAt start: ContinuousClock.Instant, error: ZCachedError?) {
        instruments.duration.record(duration: start.duration(to: .now))
        requestsInFlight.decrement()
        guard let error else {
            instruments.succeeded.increment()
            return
        }
        instruments.failed.increment()
        errorCounter(for: error.code).increment()
        if error.code == .timeout { timeouts.increment() }
    }

    private func errorCounter(for code: ZCachedError.Code) -> Counter {
        errorCounters.withLock { counters in
            if let counter = counters[code] { return counter }
            let counter = Counter(label: Label.errors, dimensions: [("code", Self.dimension(code))], factory: factory)
            counters[code] = counter
            return counter
        }
    }

    /// The `code` dimension: the code's description in snake case, such as `connection_closed`.
    static func dimension(_ code: ZCachedError.Code) -> String {
        String(code.description.map { $0 == " " ? "_" : $0 })
    }

    // MARK: Connections

    /// Records a connection's state change: the connected gauge, and reconnects that succeeded
    /// (reconnecting → connected) or gave up (reconnecting → broken).
    /// - Parameter change: The change; its states differ.
    func connectionChanged(_ change: ZCachedConnectionStateChange) {
        if change.current == .connected { connectedConnections.increment() }
        if change.previous == .connected { connectedConnections.decrement() }
        guard change.previous == .reconnecting else { return }
        switch change.current {
        case .connected: reconnects.increment()
        case .broken: failedReconnects.increment()
        default: break
        }
    }

    /// Records the pool's new size.
    /// - Parameter count: Counts the connections the pool holds; called under this recorder's
    ///   lock, so of two changes racing (an `extend` and a `reduce`), whichever records last
    ///   counts after both, and the gauge ends at the pool's true size. (Counted before the
    ///   lock, a stale count could be recorded last and leave the gauge one change behind.)
    func poolSizeChanged(to count: () -> Int) {
        recordedPoolSize.withLock { recorded in
            let current = count()
            let difference = current - recorded
            recorded = current
            if difference > 0 {
                poolConnections.increment(by: Double(difference))
            } else if difference < 0 {
                poolConnections.decrement(by: Double(-difference))
            }
        }
    }
}
