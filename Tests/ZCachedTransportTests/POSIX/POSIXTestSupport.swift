import Foundation
import ZCachedCore
import ZCachedTesting
import ZCachedTransport

// Helpers of the POSIX connection's tests: blocking calls run on their own threads, against an
// embedded server started per test.

func posixTestConfiguration(port: Int = 0, requestTimeout: Duration = .seconds(5)) -> ZCachedConnectionConfiguration
{
    ZCachedConnectionConfiguration(
        host: "127.0.0.1",
        port: port,
        connectTimeout: .seconds(2),
        requestTimeout: requestTimeout,
        connectionAttempts: 2,
        backoff: ExponentialBackoff(initial: .milliseconds(10), multiplier: 2, max: .milliseconds(100))
    )
}

/// Starts a server, connects to it (using `configuration` with the server's port), runs `body`,
/// then closes both.
func withPOSIXConnection(
    _ configuration: ZCachedConnectionConfiguration = posixTestConfiguration(),
    _ body: (ZCachedPOSIXConnection, ZCachedTestServer) async throws -> Void
) async throws {
    let server = try await ZCachedTestServer.start()
    var configuration = configuration
    configuration.port = server.port
    do {
        let connection = try await onThread { [configuration] in
            try ZCachedPOSIXConnection(configuration: configuration)
        }
        defer { connection.close() }
        try await body(connection, server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// Runs blocking `body` on a new thread without blocking the calling task.
///
/// Expectations are checked on the test's task, not inside `body`: a plain thread has no test
/// context to record issues in.
func onThread<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
    }
}

/// The ``ZCachedError`` `body` throws, or `nil` when it returns.
func errorOf(_ body: () throws -> Void) -> ZCachedError? {
    do {
        try body()
        return nil
    } catch let error as ZCachedError {
        return error
    } catch {
        return ZCachedError(code: .unexpectedReply, message: "not a ZCachedError: \(error)")
    }
}

/// Runs `body(index)` on `count` threads at once and collects the results in index order.
func onThreads<Result: Sendable>(
    _ count: Int,
    _ body: @escaping @Sendable (Int) throws -> Result
) async throws -> [Result] {
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        for index in 0..<count {
            group.addTask { (index, try await onThread { try body(index) }) }
        }
        var results = [Result?](repeating: nil, count: count)
        for try await (index, result) in group { results[index] = result }
        return results.map { $0! }
    }
}
