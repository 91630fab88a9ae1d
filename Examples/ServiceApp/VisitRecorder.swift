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

    /// Writes `visitsPerBatch` visits from concurrent tasks, then reads them back with MGET.
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
        // Read back in MGETs of 50 keys: each frame stays under the 4096-byte in-flight window,
        // so none has to be sent alone.
        var readBack = 0
        for start in stride(from: 0, to: keys.count, by: 50) {
            readBack += try await client.mget(Array(keys[start..<min(start + 50, keys.count)])).count
        }
        // The requests of 200 tasks were pipelined, yet never more than 4096 bytes were in flight
        // on a connection: past that the real server corrupts its replies.
        var peak = 0
        for connection in client.pool.all { peak = max(peak, await connection.peakBytesInFlight) }
        logger.info(
            "recorded a batch of visits",
            metadata: [
                "batch": "\(batch)",
                "written": "\(keys.count)",
                "read_back": "\(readBack)",
                "elapsed": "\(ContinuousClock.now - started)",
                "connections": "\(client.pool.connectedCount)",
                "peak_bytes_in_flight": "\(peak)",
            ]
        )
        // Tidy up: a shared server keeps keys until deleted.
        for key in keys { try await client.delete(key) }
    }
}
