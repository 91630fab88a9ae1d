/// Waiting on an outcome rather than on a time, for tests of code that recovers in the
/// background (reconnects, restarts).
public enum ZCachedEventually {
    /// Something that has not happened yet.
    public struct NotYet: Error, Sendable {
        /// Makes the error.
        public init() {}
    }

    /// Retries `body` until it returns without throwing, for at most `timeout`.
    ///
    /// An attempt already running when `timeout` passes is not interrupted: give each attempt a
    /// bound of its own (a client's request timeout does), or a hung attempt hangs the test.
    /// - Parameters:
    ///   - timeout: The longest to keep retrying; 5 seconds unless given.
    ///   - body: The attempt.
    /// - Returns: What the first successful attempt returned.
    /// - Throws: The last attempt's error once `timeout` has passed.
    @discardableResult
    public static func succeeds<T>(within timeout: Duration = .seconds(5), _ body: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                return try await body()
            } catch where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// Waits until `condition` holds, for at most `timeout` (plus one evaluation of
    /// `condition`, which is not interrupted).
    /// - Throws: ``NotYet`` when it never held.
    public static func holds(within timeout: Duration = .seconds(5), _ condition: () async -> Bool) async throws {
        try await succeeds(within: timeout) {
            guard await condition() else { throw NotYet() }
        }
    }
}
