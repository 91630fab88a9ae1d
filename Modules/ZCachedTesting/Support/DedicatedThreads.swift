import NIOPosix

/// Runs blocking code, such as calls on the blocking client, from an async test without blocking
/// the test's task (the package's test targets share it; it is not public API).
///
/// Each body gets a thread of its own, not one of Swift's cooperative pool: on Linux that pool
/// runs on Dispatch's threads and has only as many as there are cores, so blocking calls there
/// starved the test's own tasks (a test's 5 ms polls took 13 s), and `concurrentPerform` from an
/// async test mixed the two on the same threads.
package enum DedicatedThreads {
    /// Runs `body(index)` for every index in `0..<count`, all at once, each on a thread of its
    /// own, and returns when every one has returned.
    /// - Throws: `CancellationError` when the calling task is cancelled before every body
    ///   started, so a test cannot pass on work that never ran.
    package static func run(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async throws {
        guard count > 0 else { return }
        let threads = NIOThreadPool(numberOfThreads: count)
        threads.start()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask { try await threads.runIfActive { body(index) } }
                }
                try await group.waitForAll()
            }
        } catch {
            try? await threads.shutdownGracefully()
            throw error
        }
        // Waited for, so the threads of one call are gone before the next call makes its own.
        try? await threads.shutdownGracefully()
    }
}
