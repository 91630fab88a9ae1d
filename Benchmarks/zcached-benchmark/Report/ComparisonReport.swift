import Foundation

/// Prints comparisons as tables for people or as one JSON object per test for machines.
struct ComparisonReport {
    var json: Bool

    /// A goal a comparison was measured for, with its verdict, for the JSON output.
    struct GoalVerdict: Codable {
        var name: String
        var target: Double
        /// Whether the ratio reached the target with no error on either side.
        var met: Bool
        /// Failed requests in every SDK and raw run of every round; a goal with any is failed.
        var errors: Int
    }

    /// Prints one test's comparison, with the goal it was measured for, if any (the table shows
    /// goals in the `goals` command's summary instead).
    func print(_ comparison: Comparison, goal: GoalVerdict? = nil) {
        json ? printJSON(comparison, goal: goal) : printTable(comparison)
    }

    /// Prints a goal whose runs failed: in JSON as an object of its own, so a failure is never
    /// silent in either output.
    func printFailure(ofGoal name: String, target: Double, _ error: any Error) {
        if json {
            printJSON(FailedGoalObject(goal: name, target: target, error: "\(error)"))
        } else {
            Swift.print("== \(name) ==\nfailed: \(error)\n")
        }
    }

    private func printTable(_ comparison: Comparison) {
        let plan = comparison.sdk.plan
        let shape = plan.workload.shape
        var header = "== \(shape.test.title): \(plan.connections) connection\(plan.connections == 1 ? "" : "s"), pipeline \(plan.pipeline)"
        if plan.rawDepth < plan.pipeline, comparison.raw != nil { header += " (raw: \(plan.rawDepth) per write, the 4096-byte window)" }
        header += ", \(shape.dataSize)-byte values, keyspace \(shape.keyspace)"
        if shape.test == .mget || shape.test == .mset { header += ", \(shape.keysPerMultiKeyRequest) keys per request" }
        Swift.print(header + (plan.rearmsQuickAck ? "" : ", no TCP_QUICKACK") + " ==")
        let titles = ["client", "requests", "ops/s", "p50", "p90", "p99", "p99.9", "max", "errors"]
        let widths = [22, 10, 10, 10, 10, 10, 10, 10, 0]
        Swift.print(row(titles, widths))
        var rows: [(String, LoadResult)] = [(comparison.sdk.client.rawValue, comparison.sdk)]
        if let raw = comparison.raw { rows.append(("raw", raw)) }
        if let raw = comparison.rawWithoutQuickAck { rows.append(("raw, no TCP_QUICKACK", raw)) }
        for (name, result) in rows {
            let errors = result.tally.errors.isEmpty ? "0" : result.tally.errors.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ")
            Swift.print(row([name, String(result.tally.completed), Format.integer(result.operationsPerSecond)] + LatencySummary.columns(LatencySummary(result.tally.latency)) + [errors], widths))
        }
        if let ratio = comparison.ratio {
            var line = "ratio to raw: \(Format.decimal(ratio, digits: 2))x"
            if let range = comparison.roundRatioRange { line += " (rounds: \(Format.ratioRange(range)))" }
            if let unacknowledged = comparison.rawWithoutQuickAck,
                let ratio = Comparison.ratio(of: comparison.sdk, to: unacknowledged)
            {
                line += "; to raw without TCP_QUICKACK: \(Format.decimal(ratio, digits: 2))x"
            }
            // The table shows the median runs only; failures in any run make the ratio measure
            // something else (a stalled raw socket inflates it, failed SDK requests deflate it).
            if comparison.errorCount > 0 {
                line += "; NOT COMPARABLE: \(comparison.errorCount) failed requests across all runs"
            }
            Swift.print(line)
        } else if comparison.raw != nil {
            Swift.print("ratio to raw: none (the raw baseline completed no request)")
        }
        Swift.print("")
    }

    private func row(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).enumerated().map { index, cell in Format.pad(cell.0, cell.1, right: index > 0 && cell.1 > 0) }.joined(separator: " ")
    }

    /// One test as JSON.
    struct TestObject: Codable {
        struct Run: Codable {
            var client: String
            var quickAck: Bool
            var requests: Int
            var seconds: Double
            var opsPerSecond: Double
            /// Absent when no request completed.
            var latencyNanoseconds: LatencySummary?
            var errors: [String: Int]
        }

        var test: String
        /// Where async callers ran (`global` or `loop`).
        var executor: String
        /// Whether SDK callers sent batches with `pipeline(_:)`.
        var batches: Bool
        var connections: Int
        var pipeline: Int
        var rawDepth: Int
        var dataSize: Int
        var keyspace: Int
        var keysPerRequest: Int
        var runs: [Run]
        var ratioToRaw: Double?
        /// The SDK's rate as a share of the raw baseline without TCP_QUICKACK (MGET only).
        var ratioToRawWithoutQuickAck: Double?
        var roundRatios: [Double]
        /// Failed requests in every run of every round, SDK and raw; any makes the ratio
        /// not comparable.
        var errorsAllRuns: Int
        var goal: GoalVerdict?
    }

    /// A goal that produced no comparison, as JSON.
    struct FailedGoalObject: Codable {
        var goal: String
        var target: Double
        var error: String
    }

    private func printJSON(_ comparison: Comparison, goal: GoalVerdict?) {
        let plan = comparison.sdk.plan
        let shape = plan.workload.shape
        let runs = [comparison.sdk, comparison.raw, comparison.rawWithoutQuickAck].compactMap { $0 }.map { result in
            TestObject.Run(
                client: result.client.rawValue,
                quickAck: result.plan.rearmsQuickAck,
                requests: result.tally.completed,
                seconds: result.seconds,
                opsPerSecond: result.operationsPerSecond,
                latencyNanoseconds: LatencySummary(result.tally.latency),
                errors: result.tally.errors
            )
        }
        let object = TestObject(
            test: shape.test.rawValue,
            executor: plan.callerExecutor.rawValue,
            batches: plan.sendsBatches,
            connections: plan.connections,
            pipeline: plan.pipeline,
            rawDepth: plan.rawDepth,
            dataSize: shape.dataSize,
            keyspace: shape.keyspace,
            keysPerRequest: shape.keysPerMultiKeyRequest,
            runs: runs,
            ratioToRaw: comparison.ratio,
            ratioToRawWithoutQuickAck: comparison.rawWithoutQuickAck.flatMap { Comparison.ratio(of: comparison.sdk, to: $0) },
            roundRatios: comparison.roundRatios,
            errorsAllRuns: comparison.errorCount,
            goal: goal
        )
        printJSON(object)
    }

    private func printJSON(_ object: some Encodable) {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            Swift.print(String(decoding: try encoder.encode(object), as: UTF8.self))
        } catch {
            Swift.print("{\"error\": \"cannot encode the result as JSON\"}")
        }
    }
}
