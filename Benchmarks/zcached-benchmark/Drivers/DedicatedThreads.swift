import Dispatch
import Foundation
import Synchronization

/// Runs `body` on `count` new threads at once and returns their results in order.
///
/// The raw baseline and the blocking client block in system calls; on Swift's cooperative pool
/// (one thread per core) they would starve each other and every async task, so they get
/// threads of their own.
func onDedicatedThreads<Output: Sendable>(
    _ count: Int,
    _ body: @escaping @Sendable (Int) throws -> Output
) async throws -> [Output] {
    let results = Mutex<[Result<Output, any Error>?]>(Array(repeating: nil, count: count))
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            Thread {
                let result = Result { try body(index) }
                results.withLock { $0[index] = result }
                group.leave()
            }.start()
        }
        group.notify(queue: .global()) { continuation.resume() }
    }
    return try results.withLock { $0 }.map { try $0!.get() }
}
