import ZCachedClient

/// Runs one measured load with a given client, timing only the load (connecting is excluded).
///
/// Every run of a command uses the same ``KeptConnections``; ``shutdown()`` closes them and
/// stops the embedded server.
struct LoadRunner: Sendable {
    let target: BenchmarkTarget
    let progress: ProgressLine?
    private let connections: KeptConnections

    init(target: BenchmarkTarget, progress: ProgressLine?) {
        self.target = target
        self.progress = progress
        self.connections = KeptConnections(target: target)
    }

    /// Closes the connections the runs kept open, then stops the embedded server, if any.
    func shutdown() async {
        await connections.closeAll()
        await target.shutdown()
    }

    /// Runs `plan` with `client` and returns what it measured.
    /// - Throws: when connecting fails (a connection failing during the run counts as errors).
    func run(_ client: ClientKind, _ plan: LoadPlan) async throws -> LoadResult {
        // Each budget starts after its connections are open: a --duration run times only the load.
        func budget() -> LoadBudget { LoadBudget(requests: plan.requests, duration: plan.duration) }
        let label = Self.label(client, plan)
        let (seconds, tallies): (Double, [WorkerTally])
        var strays = WorkerTally()
        switch client {
        case .raw:
            let sockets = try await connections.raw(plan.connections)
            let budget = budget()
            (seconds, tallies) = try await timed(label, budget) {
                try await onDedicatedThreads(sockets.count) { index in
                    Self.rawWorker(sockets[index], plan: plan, budget: budget)
                }
            }
            for failure in sockets.compactMap({ $0.strayBytesAfterRun() }) { strays.recordError(failure.kind) }
        case .blocking:
            let sdk = try await connections.blocking(connections: plan.connections, rearmsQuickAck: plan.rearmsQuickAck, pipelines: plan.pipelines)
            let budget = budget()
            (seconds, tallies) = try await timed(label, budget) {
                try await onDedicatedThreads(plan.sdkCallerCount) { _ in
                    plan.sendsBatches
                        ? Self.blockingBatchWorker(sdk, plan: plan, budget: budget)
                        : Self.blockingWorker(sdk, plan: plan, budget: budget)
                }
            }
        case .async:
            let sdk = try await connections.async(connections: plan.connections, rearmsQuickAck: plan.rearmsQuickAck, pipelines: plan.pipelines)
            let budget = budget()
            (seconds, tallies) = try await timed(label, budget) {
                let connections = sdk.pool.all
                return await withTaskGroup(of: WorkerTally.self) { group in
                    for worker in 0..<plan.sdkCallerCount {
                        let executor: (any TaskExecutor)? =
                            switch plan.callerExecutor {
                            case .global: nil
                            case .loop: connections[worker % connections.count].taskExecutor
                            }
                        group.addTask(executorPreference: executor) {
                            plan.sendsBatches
                                ? await Self.batchWorker(sdk, plan: plan, budget: budget)
                                : await Self.asyncWorker(sdk, plan: plan, budget: budget)
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
            }
        }
        return LoadResult(client: client, plan: plan, seconds: seconds, tally: .merged(tallies + [strays]))
    }

    /// Stores the values the workload reads, through the kept single-connection async client.
    func populate(_ workload: Workload) async throws {
        try await workload.populate(connections.async(connections: 1, rearmsQuickAck: true, pipelines: false))
    }

    /// What the progress line calls a run: the test, the client and how it sends.
    private static func label(_ client: ClientKind, _ plan: LoadPlan) -> String {
        var label = "\(plan.workload.shape.test.title) \(client.rawValue)"
        if plan.sendsBatches, client != .raw { label += " in batches of \(plan.rawDepth)" }
        if plan.callerExecutor == .loop, client == .async { label += " on the loop" }
        return label
    }

    private func timed(
        _ label: String,
        _ budget: LoadBudget,
        _ load: () async throws -> [WorkerTally]
    ) async throws -> (Double, [WorkerTally]) {
        let reporter = progress.map { line in Task { await line.report(label, budget) } }
        defer { reporter?.cancel() }
        let started = monotonicNanoseconds()
        let tallies = try await load()
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        reporter?.cancel()
        await reporter?.value
        return (seconds, tallies)
    }

    /// Sends the workload on one raw socket until the budget is spent or the socket fails; a
    /// failed socket's requests in flight count as errors of its kind, and its worker stops.
    private static func rawWorker(_ socket: RawSocketLoad, plan: LoadPlan, budget: LoadBudget) -> WorkerTally {
        let workload = plan.workload
        var tally = WorkerTally()
        var batch: [UInt8] = []
        while let numbers = budget.claim(plan.rawDepth) {
            defer { budget.complete(numbers.count) }
            let started = monotonicNanoseconds()
            if numbers.count > 1 {
                batch.removeAll(keepingCapacity: true)
                for number in numbers { batch.append(contentsOf: workload.frames[workload.variant(of: number)]) }
            }
            let frames = numbers.count == 1 ? workload.frames[workload.variant(of: numbers.lowerBound)] : batch
            do {
                let errorReplies = try socket.roundTrip(frames, replies: numbers.count, rearmsQuickAck: plan.rearmsQuickAck)
                tally.recordReplies(numbers.count - errorReplies, after: monotonicNanoseconds() - started)
                tally.recordError(ZCachedError.Code.server.description, count: errorReplies)
            } catch {
                tally.recordError(error.kind, count: numbers.count)
                return tally
            }
        }
        return tally
    }

    private static func blockingWorker(_ client: ZCachedBlockingClient, plan: LoadPlan, budget: LoadBudget) -> WorkerTally {
        var tally = WorkerTally()
        while let numbers = budget.claim(1) {
            let started = monotonicNanoseconds()
            do {
                try plan.workload.perform(numbers.lowerBound, on: client)
                tally.recordReplies(1, after: monotonicNanoseconds() - started)
            } catch {
                tally.recordError(error.code.description)
            }
            budget.complete(1)
        }
        return tally
    }

    private static func asyncWorker(_ client: ZCachedClient, plan: LoadPlan, budget: LoadBudget) async -> WorkerTally {
        var tally = WorkerTally()
        while let numbers = budget.claim(1) {
            let started = monotonicNanoseconds()
            do {
                try await plan.workload.perform(numbers.lowerBound, on: client)
                tally.recordReplies(1, after: monotonicNanoseconds() - started)
            } catch {
                tally.recordError(error.code.description)
            }
            budget.complete(1)
        }
        return tally
    }

    private static func batchWorker(_ client: ZCachedClient, plan: LoadPlan, budget: LoadBudget) async -> WorkerTally {
        var tally = WorkerTally()
        while let numbers = budget.claim(plan.rawDepth) {
            let started = monotonicNanoseconds()
            let outcome: Result<[ZCachedError], ZCachedError>
            do {
                outcome = .success(try await plan.workload.performBatch(numbers, on: client))
            } catch {
                outcome = .failure(error)
            }
            tally.recordBatch(numbers.count, outcome, after: monotonicNanoseconds() - started)
            budget.complete(numbers.count)
        }
        return tally
    }

    private static func blockingBatchWorker(_ client: ZCachedBlockingClient, plan: LoadPlan, budget: LoadBudget) -> WorkerTally {
        var tally = WorkerTally()
        while let numbers = budget.claim(plan.rawDepth) {
            let started = monotonicNanoseconds()
            let outcome = Result { () throws(ZCachedError) in try plan.workload.performBatch(numbers, on: client) }
            tally.recordBatch(numbers.count, outcome, after: monotonicNanoseconds() - started)
            budget.complete(numbers.count)
        }
        return tally
    }
}
