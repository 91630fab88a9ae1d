import ZCachedClient
import ZCachedTesting

/// A pool of plain threads sharing one ``ZCachedBlockingClient``.
///
/// Each worker writes its own keys, reads every one back and checks it got its own value, so a
/// reply delivered to the wrong thread would show up as a mismatch.
///
/// ```sh
/// swift run ZCachedExampleBlockingWorkers                              # embedded server
/// swift run ZCachedExampleBlockingWorkers --host 127.0.0.1 --port 7556 # a real zcached
/// ```
@main
struct BlockingWorkersExample {
    static let workerCount = 8
    static let jobsPerWorker = 250

    /// What one worker did.
    struct WorkerReport: Sendable {
        var worker: Int
        var writes = 0
        var reads = 0
        var mismatches = 0
        var errors: [ZCachedError.Code: Int] = [:]
    }

    static func main() async throws {
        let server = option("--host") == nil && option("--port") == nil ? try await ZCachedTestServer.start() : nil
        let host = option("--host") ?? server?.host ?? "127.0.0.1"
        let port = option("--port").flatMap(Int.init) ?? server?.port ?? 7556
        print(server == nil ? "Using zcached at \(host):\(port)" : "Started an embedded zcached on \(host):\(port)")

        do {
            // Everything blocking runs on threads of its own, never on the cooperative pool.
            try await WorkerThreads.run { try runWorkers(host: host, port: port) }
        } catch {
            print("Failed: \(error)")
        }
        await server?.shutdown()
    }

    /// The value after `name` on the command line, if any.
    static func option(_ name: String) -> String? {
        let arguments = CommandLine.arguments
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    /// Opens the client, runs the workers, and prints what they did. Blocks its thread.
    static func runWorkers(host: String, port: Int) throws(ZCachedError) {
        // One connection per thread that calls at once: each connection serves one request at a time.
        let client = try ZCachedBlockingClient(configuration: ZCachedConfiguration(host: host, port: port, poolSize: workerCount))
        defer { client.close() }
        print("Blocking client: \(client.pool.connectedCount) of \(client.pool.count) connections up")

        let started = ContinuousClock.now
        let reports = WorkerThreads.runAll(count: workerCount) { worker in work(as: worker, on: client) }
        let elapsed = ContinuousClock.now - started

        var operations = 0
        var mismatches = 0
        for report in reports {
            operations += report.writes + report.reads
            mismatches += report.mismatches
            let errors = report.errors.isEmpty ? "no errors" : report.errors.map { "\($0.value)× \($0.key)" }.joined(separator: ", ")
            print("  worker \(report.worker): \(report.writes) SET, \(report.reads) GET, \(report.mismatches) mismatches, \(errors)")
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("\(workerCount) threads: \(operations) requests in \(Int(seconds * 1000)) ms (\(Int(Double(operations) / seconds)) requests/s), \(mismatches) replies reached the wrong thread")

        // One round trip reads a sample back; the last job of every worker.
        let sample = (0..<workerCount).map { key(worker: $0, job: jobsPerWorker - 1) }
        print("MGET of the last key of each worker: \(try client.mget(sample).count) of \(sample.count) found")

        // Values the server would mangle are refused before a byte is written.
        do {
            try client.set("example:workers:note", "line one\nline two")
        } catch where error.code == .invalidArgument {
            print("Refused before sending: \(error)")
        }

        // Tidy up: a shared server keeps keys forever.
        for worker in 0..<workerCount {
            for job in 0..<jobsPerWorker { try client.delete(key(worker: worker, job: job)) }
        }
    }

    /// One worker's loop: write a value only this worker writes, read it back, check it.
    static func work(as worker: Int, on client: ZCachedBlockingClient) -> WorkerReport {
        var report = WorkerReport(worker: worker)
        for job in 0..<jobsPerWorker {
            let key = key(worker: worker, job: job)
            let expected = worker * 1_000_000 + job
            do {
                try client.set(key, expected)
                report.writes += 1
                let stored = try client.get(key, as: Int.self)
                report.reads += 1
                if stored != expected { report.mismatches += 1 }
            } catch {
                report.errors[error.code, default: 0] += 1
            }
        }
        return report
    }

    static func key(worker: Int, job: Int) -> String { "example:workers:\(worker):\(job)" }
}
