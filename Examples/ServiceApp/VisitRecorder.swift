import Logging
import ServiceLifecycle
import ZCachedClient

/// A small worker service: records batches of page visits through the shared client, many
/// tasks at once, until the group shuts down (or after one batch when `runsOnce` is set).
struct VisitRecorder: Service {
    let client: ZCachedClient
    let logger: Logger
    /// Record one batch and return, instead of one batch a second until shutdown.
    let runsOnce: Bool
    /// Concurrent visits per batch; they share the client's pipelined connections.
    var visitsPerBatch = 200

    func run() async throws {
        var batch = 0
        repeat {
            batch += 1
            try await recordBatch(batch)
            guard !runsOnce else { break }
            // Sleeps until the next batch, and wakes at once on SIGTERM/SIGINT.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        } while !Task.isShuttingDownGracefully
        logger.info("visit recorder finished", metadata: ["batches": "\(batch)"])
    }

    /// Writes `visitsPerBatch` visits from concurrent tasks, then reads them back in one MGET.
    private func recordBatch(_ batch: Int) async throws {
        let started = ContinuousClock.now
        let keys = (0..<visitsPerBatch).map { "example:service:batch:\(batch):visit:\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, key) in keys.enumerated() {
                let visit: ZCachedValue = ["page": .bulkString("/articles/\(index % 7)"), "milliseconds": .integer(Int64(index * 3))]
                group.addTask { try await client.set(key, visit) }
            }
            try await group.waitForAll()
        }
        let stored = try await client.mget(keys)
        var peak = 0
        for connection in client.pool.all { peak = max(peak, await connection.peakBytesInFlight) }
        logger.info(
            "recorded a batch of visits",
            metadata: [
                "batch": "\(batch)",
                "written": "\(keys.count)",
                "read_back": "\(stored.count)",
                "elapsed": "\(ContinuousClock.now - started)",
                "connections": "\(client.pool.connectedCount)",
                "peak_bytes_in_flight": "\(peak)",
            ]
        )
        // Tidy up: a shared server keeps keys until deleted.
        for key in keys { try await client.delete(key) }
    }
}
