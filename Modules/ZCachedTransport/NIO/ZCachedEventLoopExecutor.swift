import NIOCore

/// A task executor that runs jobs on one NIO event loop.
///
/// A task that prefers a connection's ``ZCachedNIOConnection/taskExecutor`` runs on the same
/// thread as the connection's channel: its requests are written without a thread hop and its
/// replies resume it without waking another thread. Use it for latency-critical loops:
///
/// ```swift
/// try await withTaskExecutorPreference(connection.taskExecutor) {
///     for key in keys { _ = try await connection.send(ZCachedKeyCommands.Get(key)) }
/// }
/// ```
public final class ZCachedEventLoopExecutor: TaskExecutor {
    /// The loop jobs run on.
    public let eventLoop: any EventLoop

    /// Makes an executor for `eventLoop`.
    /// - Parameter eventLoop: The loop to run jobs on.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
