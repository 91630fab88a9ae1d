import ArgumentParser
import ZCachedClient

/// Which client sends a run's load.
enum ClientKind: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// `ZCachedClient`: pipelined swift-nio connections, one task per concurrent caller.
    case async
    /// `ZCachedBlockingClient`: POSIX sockets, one thread per concurrent caller.
    case blocking
    /// No SDK: pre-encoded frames written to raw sockets, replies counted by their `0x03`.
    case raw
}

/// Where the async client's caller tasks run.
enum CallerExecutor: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Swift's global concurrent executor, the default for any task: each request and each reply
    /// crosses between a pool thread and the connection's event loop thread.
    case global
    /// Each caller task prefers the task executor of a connection's event loop
    /// (`withTaskExecutorPreference`), so requests and replies need no thread hop; the pool
    /// picks a connection on the caller's loop.
    case loop
}

/// The settings of one measured run.
struct LoadPlan: Sendable {
    var workload: Workload
    /// Connections to the server.
    var connections: Int
    /// Concurrent requests per connection: SDK callers, or frames per raw write.
    var pipeline: Int
    /// Requests in all, unless `duration` is set.
    var requests: Int
    /// How long to run instead of a request count.
    var duration: Duration?
    /// Whether clients re-arm TCP_QUICKACK after reads that leave replies to come (Linux).
    var rearmsQuickAck = true
    /// Where the async client's callers run.
    var callerExecutor = CallerExecutor.global
    /// Whether the SDK clients send each connection's load from one caller as `pipeline(_:)`
    /// batches of `rawDepth` requests, instead of from `pipeline` concurrent callers.
    var sendsBatches = false

    /// Whether the SDK clients may have more than one request in flight on a connection.
    var pipelines: Bool { sendsBatches || pipeline > 1 }

    /// How many callers (tasks or threads) an SDK client's load runs on.
    var sdkCallerCount: Int { sendsBatches ? connections : connections * pipeline }

    /// Frames per raw write: `pipeline`, capped so a write stays inside the server-safe window
    /// (the SDK caps itself the same way).
    var rawDepth: Int { max(1, min(pipeline, ZCachedConnectionConfiguration.serverSafeWindow / workload.largestFrameSize)) }
}

/// What a measured run produced.
struct LoadResult: Sendable {
    var client: ClientKind
    var plan: LoadPlan
    var seconds: Double
    var tally: WorkerTally

    /// Replies per second.
    var operationsPerSecond: Double { seconds > 0 ? Double(tally.completed) / seconds : 0 }
}
