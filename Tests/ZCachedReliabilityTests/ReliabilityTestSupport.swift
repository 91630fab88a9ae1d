import Synchronization
import ZCachedClient
import ZCachedCore
import ZCachedTesting

/// Helpers shared by the reliability suites: servers, client configurations, bounded waiting,
/// and the bookkeeping that proves no caller ever got another caller's reply.
enum Reliability {
    /// A configuration with short timeouts and a quick backoff, so failures surface fast.
    static func configuration(
        _ server: ZCachedTestServer,
        poolSize: Int = 2,
        requestTimeout: Duration = .seconds(2),
        connectionAttempts: Int = 5,
        maximumRequestSize: Int = ZCachedRequestLimits.serverDefaultMaximumRequestSize
    ) -> ZCachedConfiguration {
        var configuration = ZCachedConfiguration(
            host: server.host,
            port: server.port,
            poolSize: poolSize,
            connectTimeout: .seconds(1),
            requestTimeout: requestTimeout,
            connectionAttempts: connectionAttempts,
            backoff: ExponentialBackoff(initial: .milliseconds(10), multiplier: 2, max: .milliseconds(100))
        )
        configuration.connection.requestLimits.maximumRequestSize = maximumRequestSize
        return configuration
    }

    /// Runs `body` with a fresh embedded server, shutting it down afterwards.
    static func withServer(
        _ configuration: ZCachedTestServer.Configuration = .init(),
        _ body: (ZCachedTestServer) async throws -> Void
    ) async throws {
        try await ZCachedTestServer.withServer(configuration: configuration, body)
    }

    /// Retries `body` until it succeeds, for at most `timeout` (see ``ZCachedEventually``).
    @discardableResult
    static func eventually<T>(within timeout: Duration = .seconds(10), _ body: () async throws -> T) async throws -> T {
        try await ZCachedEventually.succeeds(within: timeout, body)
    }

    /// Waits until `condition` holds, for at most `timeout`.
    static func waitUntil(within timeout: Duration = .seconds(10), _ condition: () async -> Bool) async throws {
        try await ZCachedEventually.holds(within: timeout, condition)
    }

    /// A key prefix no other test uses.
    static func uniquePrefix(_ name: String) -> String {
        "\(name):\(UInt64.random(in: 0...UInt64.max))"
    }

    /// The error codes a caller may see while connections are lost and replaced: anything but a
    /// wrong answer or an untyped error.
    static let connectionLossCodes: Set<ZCachedError.Code> = [
        .timeout, .connectionClosed, .connectionReestablished, .connectFailed, .noAvailableConnections,
    ]
}

/// Counts the outcomes of many concurrent calls: correct replies, wrong replies (a reply that
/// belongs to another caller) and errors by code. Every call checks its own unique value.
final class OutcomeLedger: Sendable {
    private struct Counts {
        var correct = 0
        var wrong: [String] = []
        var errors: [ZCachedError.Code: Int] = [:]
        var untyped: [String] = []
    }

    private let counts = ZCachedLock(Counts())

    /// Records a reply and whether it is the one the caller asked for.
    func reply<T: Equatable>(_ received: T, expected: T) {
        counts.withLock { counts in
            if received == expected {
                counts.correct += 1
            } else {
                counts.wrong.append("expected \(expected), got \(received)")
            }
        }
    }

    /// Records an error thrown by a call.
    func error(_ error: any Error) {
        counts.withLock { counts in
            if let error = error as? ZCachedError {
                counts.errors[error.code, default: 0] += 1
            } else {
                counts.untyped.append("\(error)")
            }
        }
    }

    var correct: Int { counts.withLock { $0.correct } }
    var wrong: [String] { counts.withLock { $0.wrong } }
    var untyped: [String] { counts.withLock { $0.untyped } }
    var errorCodes: Set<ZCachedError.Code> { counts.withLock { Set($0.errors.keys) } }
    var errorCount: Int { counts.withLock { $0.errors.values.reduce(0, +) } }
}

/// A flag threads can set and read.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func stop() { flag.store(true, ordering: .releasing) }
    var isStopped: Bool { flag.load(ordering: .acquiring) }
}

/// Makes the server refuse new connections (accept and close them) as soon as the next link
/// comes up, once armed: a recovery that brings back its first connection and no other.
final class RefusalAfterNextLink: Sendable {
    private let server: ZCachedTestServer
    private let armed = ZCachedLock(false)

    init(_ server: ZCachedTestServer) {
        self.server = server
    }

    /// Makes the next link that comes up turn the refusal on.
    func arm() {
        armed.withLock { $0 = true }
    }

    /// The connections' `onStateChange` hook.
    func observe(_ change: ZCachedConnectionStateChange) {
        guard change.current == .connected, armed.withLock({ armed in defer { armed = false }; return armed }) else { return }
        server.faults.refusesConnections = true
    }
}
