import ArgumentParser

/// The redis-benchmark-style run: each selected test with the chosen client, and by default
/// the raw-socket baseline of the same workload measured in the same run.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs each test with the chosen client and the raw baseline, and prints rates, latency percentiles and ratios.",
        discussion: "Exits with status 2 when any request failed, in any run: the ratios are then not comparable."
    )

    @OptionGroup var server: ServerOptions

    @Option(name: [.customShort("c"), .customLong("connections")], help: "Connections to the server.")
    var connections = 1

    @Option(name: [.customShort("n"), .customLong("requests")], help: "Requests per test (per client; default 50000).")
    var requests: Int?

    @Option(help: "Seconds per test, instead of a request count.")
    var duration: Double?

    @Option(name: [.customShort("P"), .customLong("pipeline")], help: "Concurrent requests per connection; raw writes stay inside the 4096-byte server-safe window.")
    var pipeline = 1

    @Option(name: [.customShort("d"), .customLong("data-size")], help: "Bytes per value.")
    var dataSize = 32

    @Option(name: [.customShort("r"), .customLong("keyspace")], help: "Distinct keys (at most 100000).")
    var keyspace = 1_000

    @Option(name: [.customShort("t"), .customLong("tests")], help: "Tests to run: ping,set,get,mget,mset,codable.")
    var tests = BenchmarkTest.allCases.map(\.rawValue).joined(separator: ",")

    @Option(name: .customLong("mget-keys"), help: "Keys per MGET and MSET.")
    var mgetKeys = 100

    @Option(help: "The client under test: async, blocking or raw.")
    var client = ClientKind.async

    @Option(help: "Where async callers run: global (Swift's default executor) or loop (each caller prefers a connection's event loop).")
    var executor = CallerExecutor.global

    @Flag(help: "Async and blocking clients: one caller per connection sends batches of --pipeline requests with pipeline(_:), instead of --pipeline concurrent callers.")
    var batch = false

    @Flag(inversion: .prefixedNo, help: "Measure the raw baseline alongside the SDK and print the ratio.")
    var compare = true

    @Option(help: "With --compare: rounds of raw and SDK runs, alternating; the median of each is reported.")
    var rounds = 1

    @Flag(inversion: .prefixedNo, help: "Run each side once untimed first (a tenth of the requests, at least 100, at most 2 s).")
    var warmup = true

    @Flag(name: .customLong("no-quickack"), help: "Do not re-arm TCP_QUICKACK after reads (SDK and raw).")
    var withoutQuickAck = false

    @Flag(help: "Print one JSON object per test instead of tables.")
    var json = false

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
        guard connections >= 1, pipeline >= 1, (requests ?? 1) >= 1, rounds >= 1 else {
            throw ValidationError("--connections, --pipeline, --requests and --rounds must be at least 1")
        }
        // Each caller keeps a ~220 KB latency histogram (and a thread, for blocking and raw).
        guard connections <= 4096, pipeline <= 4096, connections * pipeline <= 4096 else {
            throw ValidationError("--connections × --pipeline must be at most 4096 callers")
        }
        guard dataSize >= 1 else { throw ValidationError("--data-size must be at least 1: the server rejects empty values") }
        guard (1...100_000).contains(keyspace) else { throw ValidationError("--keyspace must be between 1 and 100000") }
        let tests = try BenchmarkTest.list(tests)
        if tests.contains(.mget) || tests.contains(.mset), !(1...keyspace).contains(mgetKeys) {
            throw ValidationError("--mget-keys must be between 1 and --keyspace")
        }
        if duration != nil, requests != nil { throw ValidationError("pass either --requests or --duration, not both") }
        if let duration, !(duration.isFinite && (0.001...86_400).contains(duration)) {
            throw ValidationError("--duration must be a number of seconds from 0.001 to 86400")
        }
        guard !tests.isEmpty else { throw ValidationError("--tests names no test") }
        try Workload.Shape.requireFramesFit(tests: tests, dataSize: dataSize, keyspace: keyspace, keysPerMultiKeyRequest: mgetKeys)
        try Workload.Shape.requireServerAccepts(tests: tests, dataSize: dataSize, keysPerMultiKeyRequest: mgetKeys)
        if client == .blocking, pipeline > 1, !batch {
            // Its connections serve one request at a time: -P threads per connection would only
            // queue on each connection's lock while raw pipelines -P frames per write.
            throw ValidationError("--client blocking pipelines only with --batch; for more concurrency use -c")
        }
        if batch, client == .raw { throw ValidationError("--batch needs --client async or blocking (raw always sends -P requests at once)") }
        if batch, tests.contains(.codable) {
            throw ValidationError("--batch cannot run the codable test: it mixes SET and GET")
        }
        if server.tls, client == .raw { throw ValidationError("the raw client speaks plain TCP only") }
    }

    func run() async throws {
        let target = try await server.makeTarget()
        let runner = LoadRunner(target: target, progress: ProgressLine.onTerminal(quiet: quiet || json))
        let report = ComparisonReport(json: json)
        if !json {
            print("zcached-benchmark against \(target.description): \(client.rawValue) client\(compare && client != .raw && !server.tls ? " vs raw sockets" : "")")
            print("")
        }
        var failedRequests = 0
        do {
            for test in try BenchmarkTest.list(tests) {
                let workload = try Workload(.init(test: test, dataSize: dataSize, keyspace: keyspace, keysPerMultiKeyRequest: mgetKeys))
                try await runner.populate(workload)
                var plan = LoadPlan(
                    workload: workload,
                    connections: connections,
                    pipeline: pipeline,
                    requests: requests ?? 50_000,
                    duration: duration.map { .milliseconds(Int($0 * 1000)) }
                )
                plan.rearmsQuickAck = !withoutQuickAck
                plan.callerExecutor = executor
                plan.sendsBatches = batch
                let withBaseline = compare && !server.tls
                let comparison = try await Comparison.measure(
                    client,
                    plan,
                    rounds: rounds,
                    warmUp: warmup,
                    withBaseline: withBaseline,
                    withoutQuickAck: withBaseline && !withoutQuickAck && test == .mget,
                    runner: runner
                )
                report.print(comparison)
                failedRequests += comparison.errorCount
            }
        } catch {
            await runner.shutdown()
            throw error
        }
        await runner.shutdown()
        if failedRequests > 0 { throw ExitCode(2) }
    }
}
