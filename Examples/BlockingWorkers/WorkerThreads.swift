import Dispatch
import Foundation
import Synchronization

/// Plain threads for blocking work, kept off Swift's cooperative thread pool.
enum WorkerThreads {
    /// Runs `body` on a new thread and suspends (without blocking) until it returns.
    ///
    /// Blocking calls must not run on the cooperative pool, which has one thread per core: a few
    /// blocked tasks would starve every other task of the process.
    /// - Parameter body: The blocking work.
    /// - Returns: What `body` returned.
    /// - Throws: What `body` threw.
    static func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = "blocking-main"
            thread.start()
        }
    }

    /// Starts `count` threads, each running `body` with its index, and blocks until all return.
    /// - Parameters:
    ///   - count: How many threads to start.
    ///   - body: The work of one thread.
    /// - Returns: What each thread returned, in index order.
    static func runAll<Value: Sendable>(count: Int, _ body: @escaping @Sendable (Int) -> Value) -> [Value] {
        let results = Results<Value>()
        let finished = DispatchGroup()
        for index in 0..<count {
            finished.enter()
            let thread = Thread {
                let value = body(index)
                results.values.withLock { $0[index] = value }
                finished.leave()
            }
            thread.name = "worker-\(index)"
            thread.start()
        }
        finished.wait()
        return results.values.withLock { values in (0..<count).compactMap { values[$0] } }
    }

    /// Where the threads leave their results.
    private final class Results<Value: Sendable>: Sendable {
        let values = Mutex<[Int: Value]>([:])
    }
}
