import ArgumentParser
import Foundation
import ZCachedClient
import ZCachedCore

/// `zcached-benchmark soak`: a long run of mixed, checked commands through both clients, with
/// faults injected into the embedded server, watching for wrong replies, hangs and memory growth.
///
/// Every worker owns its keys and checks each reply against its ``SoakModel``; values are unique
/// per write, so a GET or MGET reply meant for another caller cannot pass (SET, MSET and RENAME
/// answer `+OK`, DELETE and EXISTS a flag: a misplaced reply of the same shape would pass those,
/// which the SDK's sentinels guard, not this check). Errors are allowed (faults cause them) but
/// must carry an expected ``ZCachedError/Code``. The command exits non-zero on any wrong reply,
/// on an unexpected error code, when a request hangs, and when fewer than
/// ``leastSucceedingShare`` of either client's operations succeeded.
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Runs checked mixed commands through the async and blocking clients under injected faults, reporting errors, wrong replies and RSS."
    )

    @OptionGroup var server: ServerOptions

    @Option(help: "Seconds to run.")
    var duration = 60.0

    @Option(help: "Connections of each client's pool.")
    var connections = 4

    @Option(name: .customLong("report-interval"), help: "Seconds between progress lines.")
    var reportInterval = 10.0

    @Option(help: "Async worker tasks on the async client.")
    var tasks = 32

    @Option(help: "Worker threads on the blocking client.")
    var threads = 4

    @Option(name: .customLong("fault-interval"), help: "Seconds between faults armed on the embedded server.")
    var faultInterval = 0.25

    @Option(name: .customLong("restart-interval"), help: "Seconds between restarts of the embedded server; 0 for none.")
    var restartInterval = 60.0

    @Option(name: .customLong("request-timeout"), help: "Seconds before a request times out.")
    var requestTimeout = 1.0

    @Option(help: "Comma-separated faults to inject, to single one out; all unless given: \(SoakChaos.faultNames.joined(separator: ","))")
    var faults: String?

    @Flag(name: .customLong("forge-replies"), help: "Also forge well-formed wrong replies, to prove the soak catches them (it must then fail).")
    var forgesReplies = false

    /// The codes faults may cause. Anything else is a bug, as is a wrong reply.
    static let expectedCodes: Set<ZCachedError.Code> = [
        .timeout, .connectionClosed, .connectionReestablished, .connectFailed, .noAvailableConnections, .protocolViolation,
    ]

    /// The share of each client's operations that must succeed. Faults fail about one in a
    /// thousand (RELIABILITY.md); a client that fails most of its requests, each with an
    /// expected code, is broken all the same.
    static let leastSucceedingShare = 0.9

    /// Why a run with `snapshot`'s counts fails, or nothing when it passes.
    /// - Parameter clients: The clients that ran workers.
    static func failures(of snapshot: SoakTally.Snapshot, clients: [SoakClientKind]) -> [String] {
        var failures: [String] = []
        if snapshot.wrongReplies > 0 { failures.append("\(snapshot.wrongReplies) wrong replies") }
        let unexpected = snapshot.errors.filter { !expectedCodes.contains($0.key) }
        if !unexpected.isEmpty { failures.append("\(unexpected.values.reduce(0, +)) errors of codes faults cannot cause") }
        for client in clients {
            let operations = snapshot.operations[client] ?? 0
            let succeeded = snapshot.succeeded[client] ?? 0
            if Double(succeeded) < leastSucceedingShare * Double(operations) || succeeded == 0 {
                failures.append("the \(client.rawValue) client: \(succeeded) of \(operations) operations succeeded")
            }
        }
        return failures
    }

    /// The faults `--faults` names, or `nil` for all.
    private var faultSelection: Set<String>? {
        faults.map { Set($0.split(separator: ",").map(String.init)) }
    }

    /// What the header says about restarts: none when the first would fall after the run.
    private var restartSchedule: String {
        restartInterval > 0 && restartInterval < duration ? "a restart every \(Int(restartInterval)) s" : "no restart"
    }

    func validate() throws {
        if let unknown = faultSelection?.subtracting(SoakChaos.faultNames).first {
            throw ValidationError("unknown fault \(unknown); known: \(SoakChaos.faultNames.joined(separator: ", "))")
        }
        let seconds = [duration, reportInterval, faultInterval, requestTimeout, restartInterval]
        guard seconds.allSatisfy({ $0.isFinite && $0 <= 86_400 }) else {
            throw ValidationError("every interval, --duration included, must be a number of seconds up to 86400")
        }
        guard duration > 0, reportInterval > 0, faultInterval > 0, requestTimeout > 0, restartInterval >= 0 else {
            throw ValidationError("--duration, --report-interval, --fault-interval and --request-timeout must be positive")
        }
        guard connections >= 1, tasks >= 0, threads >= 0, tasks + threads >= 1 else {
            throw ValidationError("--connections must be at least 1, and there must be at least one task or thread")
        }
    }

    func run() async throws {
        let target = try await server.makeTarget()
        var configuration = target.clientConfiguration(connections: connections, rearmsQuickAck: true)
        configuration.connection.requestTimeout = .seconds(requestTimeout)
        configuration.connection.connectTimeout = .seconds(1)
        configuration.connection.backoff = ExponentialBackoff(initial: .milliseconds(10), multiplier: 2, max: .milliseconds(200))
        let asyncClient = ZCachedClient(configuration: configuration)
        try await asyncClient.connect()
        let blockingClient = try ZCachedBlockingClient(configuration: configuration)

        let tally = SoakTally()
        let prefix = "soak:\(String(UInt32.random(in: .min ... .max), radix: 16))"
        let start = ContinuousClock.now
        let deadline = start + .seconds(duration)
        var memory = MemoryWatch()
        print("zcached-benchmark soak against \(target.description): \(Int(duration)) s, \(tasks) async tasks and \(threads) blocking threads on \(connections) + \(connections) connections")
        print(target.embedded == nil ? "no faults: they need the embedded server" : "a random fault every \(faultInterval) s, \(restartSchedule)")

        let running = ZCachedLock(2)
        async let asyncWork: Void = {
            await Self.runAsyncWorkers(tasks, client: asyncClient, prefix: prefix, until: deadline, tally: tally)
            running.withLock { $0 -= 1 }
        }()
        async let blockingWork: Void = {
            await Self.runBlockingWorkers(threads, client: blockingClient, poolSize: connections, prefix: prefix, until: deadline, tally: tally)
            running.withLock { $0 -= 1 }
        }()
        async let chaos: Void = {
            guard let embedded = target.embedded else { return }
            let restarts = restartInterval > 0 ? Duration.seconds(restartInterval) : nil
            var chaos = SoakChaos(faultInterval: .seconds(faultInterval), restartInterval: restarts)
            chaos.forgesReplies = forgesReplies
            chaos.selection = faultSelection
            await chaos.run(on: embedded, until: deadline, tally: tally)
        }()
        async let upkeep: Void = Self.reconnectBroken(asyncClient, until: deadline, tally: tally)

        // Progress lines until the workers stop; a request still unanswered long after the
        // deadline is a hang (every request has a timeout, so none may outlive it for long).
        let hangLimit = deadline + .seconds(requestTimeout * 10 + 30)
        var nextReport = start + .seconds(reportInterval)
        while running.withLock({ $0 }) > 0 {
            try? await Task.sleep(for: .milliseconds(200))
            let now = ContinuousClock.now
            if now >= nextReport {
                memory.sample()
                Self.printProgress(tally.snapshot, elapsed: now - start, memory: memory)
                nextReport = now + .seconds(reportInterval)
            }
            if now > hangLimit {
                print("HANG: workers are still waiting \(Int((now - deadline).components.seconds)) s after the deadline")
                Foundation.exit(3)
            }
        }
        await asyncWork
        await blockingWork
        await chaos
        await upkeep
        memory.sample()
        let snapshot = tally.snapshot
        Self.printSummary(snapshot, elapsed: ContinuousClock.now - start, memory: memory)

        await asyncClient.close()
        blockingClient.close()
        await target.shutdown()
        let clients: [SoakClientKind] = (tasks > 0 ? [.async] : []) + (threads > 0 ? [.blocking] : [])
        let failures = Self.failures(of: snapshot, clients: clients)
        print("verdict:        " + (failures.isEmpty ? "passed" : "FAILED: " + failures.joined(separator: "; ")))
        if !failures.isEmpty { throw ExitCode.failure }
    }

    // MARK: Workers

    private static func runAsyncWorkers(
        _ count: Int,
        client: ZCachedClient,
        prefix: String,
        until deadline: ContinuousClock.Instant,
        tally: SoakTally
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    var worker = SoakWorker(name: "a\(index)", prefix: prefix)
                    while ContinuousClock.now < deadline {
                        let operation = worker.nextOperation()
                        let outcome = await Result { () async throws(ZCachedError) in try await operation.send(through: client) }
                        let verdict = worker.check(operation, outcome)
                        tally.record(verdict, by: .async, worker: worker.name)
                        // A reconnecting pool fails calls without suspending: back off like a
                        // real caller, so failing workers cannot starve the others.
                        if case .failed = verdict { try? await Task.sleep(for: .milliseconds(1)) }
                    }
                }
            }
        }
    }

    private static func runBlockingWorkers(
        _ count: Int,
        client: ZCachedBlockingClient,
        poolSize: Int,
        prefix: String,
        until deadline: ContinuousClock.Instant,
        tally: SoakTally
    ) async {
        guard count > 0 else { return }
        let keeper = BlockingPoolKeeper(client: client, size: poolSize)
        _ = try? await onDedicatedThreads(count) { index in
            var worker = SoakWorker(name: "b\(index)", prefix: prefix)
            while ContinuousClock.now < deadline {
                let operation = worker.nextOperation()
                let outcome = Result { () throws(ZCachedError) in try operation.send(through: client) }
                let verdict = worker.check(operation, outcome)
                tally.record(verdict, by: .blocking, worker: worker.name)
                if case .failed = verdict { tally.recordRecoveries(keeper.replaceBroken()) }
            }
        }
    }

    /// Reconnects the async client's broken connections twice a second, as an application's
    /// health check would.
    private static func reconnectBroken(_ client: ZCachedClient, until deadline: ContinuousClock.Instant, tally: SoakTally) async {
        while ContinuousClock.now < deadline + .seconds(1) {
            try? await Task.sleep(for: .milliseconds(500))
            if !client.pool.broken.isEmpty { tally.recordRecoveries(await client.reconnectBroken()) }
        }
    }

    // MARK: Reporting

    private static func printProgress(_ snapshot: SoakTally.Snapshot, elapsed: Duration, memory: MemoryWatch) {
        let seconds = max(elapsed.seconds, 0.001)
        print(
            Format.pad("\(Int(seconds)) s", 7, right: true)
                + "  ops \(Format.integer(Double(snapshot.totalOperations))) (\(Format.integer(Double(snapshot.totalOperations) / seconds))/s)"
                + "  errors \(Format.integer(Double(snapshot.totalErrors)))  wrong \(snapshot.wrongReplies)"
                + "  faults \(snapshot.faultsInjected.values.reduce(0, +))  restarts \(snapshot.restarts)"
                + "  RSS \(ResidentMemory.format(memory.latest))"
        )
        // Written to a file or a pipe, stdout is block-buffered: show progress as it happens
        // (fflush(nil) flushes every stream without touching the global `stdout`).
        fflush(nil)
    }

    private static func printSummary(_ snapshot: SoakTally.Snapshot, elapsed: Duration, memory: MemoryWatch) {
        let seconds = max(elapsed.seconds, 0.001)
        let byClient = SoakClientKind.allCases.map { "\($0.rawValue) \(Format.integer(Double(snapshot.operations[$0] ?? 0)))" }
        print("")
        print("soak finished after \(Format.decimal(seconds, digits: 0)) s")
        print("operations:     \(Format.integer(Double(snapshot.totalOperations))) (\(byClient.joined(separator: ", "))), \(Format.integer(Double(snapshot.totalOperations) / seconds))/s")
        print("errors:         \(Format.integer(Double(snapshot.totalErrors)))\(describe(snapshot.errors.map { ("\($0.key)", $0.value) }))")
        let unexpected = snapshot.errors.filter { !expectedCodes.contains($0.key) }
        print("unexpected:     \(Format.integer(Double(unexpected.values.reduce(0, +))))\(describe(unexpected.map { ("\($0.key)", $0.value) }))")
        print("wrong replies:  \(snapshot.wrongReplies)")
        for sample in snapshot.wrongSamples { print("  \(sample)") }
        print("faults:         \(snapshot.faultsInjected.values.reduce(0, +))\(describe(Array(snapshot.faultsInjected))), \(snapshot.restarts) restarts, \(snapshot.recoveries) connections recovered")
        print("RSS:            \(memory.summary)")
    }

    /// ` (a 3, b 1)`, largest first, or nothing for no counts.
    private static func describe(_ counts: [(String, Int)]) -> String {
        guard !counts.isEmpty else { return "" }
        return " (" + counts.sorted { $0.1 > $1.1 }.map { "\($0.0) \(Format.integer(Double($0.1)))" }.joined(separator: ", ") + ")"
    }
}

/// Replaces the blocking client's broken connections, as an application would after errors;
/// one thread at a time, the others carry on.
final class BlockingPoolKeeper: Sendable {
    private let client: ZCachedBlockingClient
    private let size: Int
    private let isBusy = ZCachedLock(false)

    init(client: ZCachedBlockingClient, size: Int) {
        self.client = client
        self.size = size
    }

    /// Drops broken connections and opens new ones up to the pool's size; returns how many.
    func replaceBroken() -> Int {
        let claimed = isBusy.withLock { busy in
            defer { busy = true }
            return !busy
        }
        guard claimed else { return 0 }
        defer { isBusy.withLock { $0 = false } }
        guard !client.pool.broken.isEmpty || client.pool.count < size else { return 0 }
        client.cleanUpBroken()
        let missing = size - client.pool.count
        guard missing > 0, (try? client.extend(by: missing)) != nil else { return 0 }
        return missing
    }
}

/// RSS at the start, at the first sample (the first progress line, past warm-up, or the end
/// of a run shorter than one interval), now, and the kernel's high-water mark.
struct MemoryWatch {
    private(set) var start = ResidentMemory.current()
    private(set) var warm: Int?
    private(set) var peak: Int?
    private(set) var latest: Int?

    mutating func sample() {
        latest = ResidentMemory.current()
        if warm == nil { warm = latest }
        peak = ResidentMemory.peak()
    }

    var summary: String {
        func growth(from base: Int?) -> String {
            guard let base, let latest else { return "n/a" }
            return (latest >= base ? "+" : "-") + ResidentMemory.format(abs(latest - base))
        }
        return "start \(ResidentMemory.format(start)), after the first interval \(ResidentMemory.format(warm)), "
            + "end \(ResidentMemory.format(latest)), peak \(ResidentMemory.format(peak)) (high-water mark); "
            + "growth \(growth(from: start)) from start, \(growth(from: warm)) after the first interval"
    }
}

extension Duration {
    /// The duration in seconds.
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
