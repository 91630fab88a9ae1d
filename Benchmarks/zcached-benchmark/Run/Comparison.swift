/// An SDK run and the raw baseline for the same plan, measured back to back in the same process.
struct Comparison: Sendable {
    /// The SDK's run with the median rate.
    var sdk: LoadResult
    /// The raw baseline's run with the median rate; `nil` when it was not measured.
    var raw: LoadResult?
    /// The raw baseline without TCP_QUICKACK, for replies over 4 KiB.
    var rawWithoutQuickAck: LoadResult?
    /// Each round's SDK rate as a share of the raw rate measured next to it, in round order;
    /// empty without a baseline. Their spread shows how far the machine moved during the runs.
    var roundRatios: [Double] = []

    /// The SDK's rate as a share of the raw baseline's; `nil` without a baseline, or when the
    /// baseline completed no request.
    var ratio: Double? { raw.flatMap { Self.ratio(of: sdk, to: $0) } }

    /// Failed requests in every run of every round, SDK and raw, warm-up included, not only the
    /// medians shown.
    var errorCount = 0

    /// The lowest and highest of ``roundRatios``, when there are at least two.
    var roundRatioRange: ClosedRange<Double>? {
        guard roundRatios.count > 1, let lowest = roundRatios.min(), let highest = roundRatios.max() else { return nil }
        return lowest...highest
    }

    /// Runs `plan` with `client`, and, when `withBaseline`, the raw baseline alternating with it
    /// for `rounds` rounds; keeps each side's median run.
    ///
    /// The order swaps every round (raw then SDK, then SDK then raw, ...), so neither side always
    /// runs first, on a cooler machine or a server that has done less work since it started.
    /// With `warmUp`, each side first runs a tenth of the plan untimed (at least 100 requests, at
    /// most 2 s), so neither is measured with cold caches, lazily made state or a connection
    /// the other has just warmed; its failed requests still count in ``errorCount``.
    static func measure(
        _ client: ClientKind,
        _ plan: LoadPlan,
        rounds: Int,
        warmUp: Bool,
        withBaseline: Bool,
        withoutQuickAck: Bool,
        runner: LoadRunner
    ) async throws -> Comparison {
        var warmUpRuns: [LoadResult] = []
        var rawRuns: [LoadResult] = []
        var rawWithoutQuickAckRuns: [LoadResult] = []
        // Without TCP_QUICKACK each reply over 4 KiB stalls ~40 ms: a few hundred show the rate.
        var unacknowledged = plan
        unacknowledged.rearmsQuickAck = false
        unacknowledged.requests = min(plan.requests, 200)
        unacknowledged.duration = plan.duration.map { min($0, .seconds(5)) }
        let measuresRaw = withBaseline && client != .raw
        if warmUp {
            var short = plan
            short.requests = min(plan.requests, max(100, plan.requests / 10))
            short.duration = plan.duration.map { min($0 / 10, .seconds(2)) }
            if measuresRaw { warmUpRuns.append(try await runner.run(.raw, short)) }
            warmUpRuns.append(try await runner.run(client, short))
        }
        var sdkRuns: [LoadResult] = []
        for round in 0..<max(1, rounds) {
            let sdkFirst = round % 2 == 1
            if sdkFirst { sdkRuns.append(try await runner.run(client, plan)) }
            if measuresRaw {
                rawRuns.append(try await runner.run(.raw, plan))
                if withoutQuickAck { rawWithoutQuickAckRuns.append(try await runner.run(.raw, unacknowledged)) }
            }
            if !sdkFirst { sdkRuns.append(try await runner.run(client, plan)) }
        }
        return Comparison(
            sdk: median(sdkRuns)!,
            raw: median(rawRuns),
            rawWithoutQuickAck: median(rawWithoutQuickAckRuns),
            roundRatios: zip(sdkRuns, rawRuns).compactMap { ratio(of: $0, to: $1) },
            errorCount: (warmUpRuns + sdkRuns + rawRuns + rawWithoutQuickAckRuns).reduce(0) { $0 + $1.tally.errors.values.reduce(0, +) }
        )
    }

    /// `sdk`'s rate as a share of `raw`'s, when `raw` completed any request.
    static func ratio(of sdk: LoadResult, to raw: LoadResult) -> Double? {
        raw.operationsPerSecond > 0 ? sdk.operationsPerSecond / raw.operationsPerSecond : nil
    }

    private static func median(_ runs: [LoadResult]) -> LoadResult? {
        let sorted = runs.sorted { $0.operationsPerSecond < $1.operationsPerSecond }
        return sorted.isEmpty ? nil : sorted[sorted.count / 2]
    }
}
