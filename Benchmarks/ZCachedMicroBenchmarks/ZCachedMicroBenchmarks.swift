import Benchmark
import Synchronization
import ZCachedCore
import ZCachedPool
import ZCachedTesting
import ZCachedTransport

/// Instruction and malloc counts of the SDK's hot paths, which stay stable on a noisy machine
/// where timings do not. Run with:
///
///     ZCACHED_PACKAGE_BENCHMARKS=1 swift package --allow-writing-to-package-directory benchmark --target ZCachedMicroBenchmarks
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.instructions, .mallocCountTotal, .wallClock],
        maxDuration: .seconds(2)
    )

    let value = ZCachedValue.bulkString([UInt8](repeating: UInt8(ascii: "x"), count: 32))
    let keys = (0..<100).map { "key:\($0)" }

    // The harness's own mallocs per sample, counted like every benchmark's: subtract it from
    // the others to get what the SDK's code allocates.
    Benchmark("Harness only, nothing measured") { benchmark in
        for iteration in benchmark.scaledIterations {
            blackHole(iteration)
        }
    }

    Benchmark("Encode SET, 32-byte value") { benchmark in
        for _ in benchmark.scaledIterations {
            var encoder = ZCachedRequestEncoder()
            try encoder.encode(ZCachedKeyCommands.Set("key:1", value))
            blackHole(encoder.bytes)
        }
    }

    Benchmark("Encode MSET, 100 keys") { benchmark in
        let pairs = keys.map { (key: $0, value: value) }
        for _ in benchmark.scaledIterations {
            var encoder = ZCachedRequestEncoder()
            try encoder.encode(ZCachedKeyCommands.MSet(pairs))
            blackHole(encoder.bytes)
        }
    }

    Benchmark("Encode MGET, 100 keys") { benchmark in
        let command = ZCachedKeyCommands.MGet(keys)
        for _ in benchmark.scaledIterations {
            var encoder = ZCachedRequestEncoder()
            try encoder.encode(command)
            blackHole(encoder.bytes)
        }
    }

    let getReply = ZCachedWireWriter.encodedReply(value)
    Benchmark("Decode GET reply, 32 bytes") { benchmark in
        for _ in benchmark.scaledIterations {
            var decoder = ZCachedReplyDecoder()
            decoder.append(contentsOf: getReply)
            blackHole(try decoder.next())
        }
    }

    let mgetReply = ZCachedWireWriter.encodedReply(.map(ZCachedMap(keys.map { ($0, value) })))
    Benchmark("Decode MGET reply, 100 keys") { benchmark in
        for _ in benchmark.scaledIterations {
            var decoder = ZCachedReplyDecoder()
            decoder.append(contentsOf: mgetReply)
            blackHole(try decoder.next())
        }
    }

    // What an MGET caller gets: the reply decoded, then turned into the command's dictionary.
    Benchmark("Decode MGET reply into its dictionary, 100 keys") { benchmark in
        let command = ZCachedKeyCommands.MGet(keys)
        for _ in benchmark.scaledIterations {
            var decoder = ZCachedReplyDecoder()
            decoder.append(contentsOf: mgetReply)
            guard let reply = try decoder.next() else { preconditionFailure("the MGET reply is whole") }
            blackHole(try command.response(from: reply))
        }
    }

    Benchmark(
        "Round trip GET, NIO connection, embedded server",
        configuration: .init(metrics: [.instructions, .mallocCountTotal, .wallClock], maxDuration: .seconds(3))
    ) { benchmark, fixture in
        let connection = fixture.pool.all[0]
        for _ in benchmark.scaledIterations {
            blackHole(try await connection.send(ZCachedKeyCommands.Get("key:1")))
        }
    } setup: { () async throws -> EmbeddedServerFixture in
        let fixture = try await EmbeddedServerFixture.start(connections: 1)
        _ = try await fixture.pool.all[0].send(ZCachedKeyCommands.Set("key:1", value))
        return fixture
    } teardown: {
        await EmbeddedServerFixture.stopCurrent()
    }

    // Every request of a client starts with this pick; it used to be unspecialised generic code.
    for size in [1, 8] {
        Benchmark(
            "Pick the least-loaded connection, pool of \(size)",
            configuration: .init(metrics: [.instructions, .mallocCountTotal, .wallClock], scalingFactor: .kilo, maxDuration: .seconds(2))
        ) { benchmark, fixture in
            for _ in benchmark.scaledIterations {
                blackHole(try fixture.pool.leastLoaded())
            }
        } setup: {
            try await EmbeddedServerFixture.start(connections: size)
        } teardown: {
            await EmbeddedServerFixture.stopCurrent()
        }
    }
}

/// The embedded server and the pool of connected NIO links the round-trip and pool benchmarks use.
struct EmbeddedServerFixture: Sendable {
    let server: ZCachedTestServer
    let pool: ZCachedPool<ZCachedNIOConnection>

    /// The fixture of the running benchmark, for its teardown.
    private static let current = Mutex<EmbeddedServerFixture?>(nil)

    /// Starts a server and opens `connections` links to it; the fixture becomes the current one.
    static func start(connections: Int) async throws -> EmbeddedServerFixture {
        let server = try await ZCachedTestServer.start()
        var opened: [ZCachedNIOConnection] = []
        for _ in 0..<connections {
            opened.append(try await ZCachedNIOConnection.connect(configuration: .init(host: server.host, port: server.port)))
        }
        let fixture = EmbeddedServerFixture(server: server, pool: ZCachedPool(connections: opened))
        current.withLock { $0 = fixture }
        return fixture
    }

    /// Closes the current fixture's links and stops its server.
    static func stopCurrent() async {
        guard let fixture = current.withLock({ $0.take() }) else { return }
        await fixture.pool.close()
        await fixture.server.shutdown()
    }
}
