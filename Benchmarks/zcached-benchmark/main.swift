import ZCachedClient
import ZCachedCore
import ZCachedTesting

/// A smoke benchmark: the same SET+GET workload through a raw socket loop and through the SDK,
/// in one run, reported as ratios to the raw baseline. With no `--host` it starts the embedded
/// server in-process.
///
/// Usage: zcached-benchmark [--host 127.0.0.1 --port 7556] [--requests 20000]
let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
}
let requests = option("--requests").flatMap(Int.init) ?? 20_000
var server: ZCachedTestServer?
let host: String
let port: Int
if let givenHost = option("--host") {
    host = givenHost
    port = option("--port").flatMap(Int.init) ?? 7556
} else {
    let embedded = try await ZCachedTestServer.start()
    server = embedded
    host = embedded.host
    port = embedded.port
}

let key = "bench:key"
let value = ZCachedValue.bulkString([UInt8](repeating: UInt8(ascii: "v"), count: 32))
var encoder = ZCachedRequestEncoder()
try encoder.encode(ZCachedKeyCommands.Set(key, value))
let setFrame = encoder.bytes
encoder.reset()
try encoder.encode(ZCachedKeyCommands.Get(key))
let getFrame = encoder.bytes
let setGetFrames = setFrame + getFrame

/// Runs one workload off the main actor (top-level code is main-actor isolated, and every await
/// there would hop back to the main thread) and prints its rate.
func measure(_ name: String, operations: Int, _ body: @escaping @Sendable () async throws -> Void) async throws -> Double {
    let elapsed = try await Task.detached {
        try await ContinuousClock().measure { try await body() }
    }.value
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(operations) / seconds
    print("  " + name + String(repeating: " ", count: max(1, 48 - name.count)) + "\(Int(rate)) ops/s")
    return rate
}

print("zcached-benchmark: \(requests) requests per workload against \(server == nil ? "" : "embedded server ")\(host):\(port)")

// Strict request/response on one connection.
let raw = try RawSocketLoad(host: host, port: port)
let rawStrict = try await measure("raw socket, strict, 1 connection", operations: requests) {
    for _ in 0..<(requests / 2) {
        try raw.roundTrip(setFrame, replies: 1)
        try raw.roundTrip(getFrame, replies: 1)
    }
}
let blocking = try ZCachedBlockingClient(configuration: ZCachedConfiguration(host: host, port: port, poolSize: 1))
let blockingStrict = try await measure("blocking client, strict, 1 connection", operations: requests) {
    for _ in 0..<(requests / 2) {
        try blocking.set(key, value)
        _ = try blocking.get(key)
    }
}
blocking.close()
let client = ZCachedClient(configuration: ZCachedConfiguration(host: host, port: port, poolSize: 1))
try await client.connect()
let asyncStrict = try await measure("async client, strict, 1 connection", operations: requests) {
    for _ in 0..<(requests / 2) {
        try await client.set(key, value)
        _ = try await client.get(key)
    }
}
let asyncStrictOnLoop = try await measure("async client, strict, on the connection's loop", operations: requests) {
    let connection = try client.connection()
    try await withTaskExecutorPreference(connection.taskExecutor) {
        for _ in 0..<(requests / 2) {
            try await connection.set(key, value)
            _ = try await connection.get(key)
        }
    }
}

func ratio(_ sdk: Double, _ baseline: Double) -> String {
    String(Double(Int(sdk / baseline * 100)) / 100) + "x"
}

/// Callers that each send their share of `requests`, half SETs and half GETs, through `client`.
func concurrentCallers(_ callers: Int, on client: ZCachedClient) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for caller in 0..<callers {
            group.addTask {
                for _ in 0..<(requests / callers) {
                    if caller.isMultiple(of: 2) {
                        try await client.set(key, value)
                    } else {
                        _ = try await client.get(key)
                    }
                }
            }
        }
        try await group.waitForAll()
    }
}

/// Raw sockets, each with `depth` requests in flight per write, driven by one thread each.
func rawPipelined(connections: Int, depth: Int) async throws {
    let frames = Array([[UInt8]](repeating: setGetFrames, count: depth / 2).joined())
    let sockets = try (0..<connections).map { _ in try RawSocketLoad(host: host, port: port) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for socket in sockets {
            group.addTask {
                for _ in 0..<(requests / connections / depth) { try socket.roundTrip(frames, replies: depth) }
            }
        }
        try await group.waitForAll()
    }
}

// Concurrent callers on one connection (pipelined inside the 4096-byte window), and a pool.
var pipelinedRatios: [String] = []
for depth in [16, 32] {
    let rawRate = try await measure("raw socket, \(depth) in flight, 1 connection", operations: requests) {
        try await rawPipelined(connections: 1, depth: depth)
    }
    let sdkRate = try await measure("async client, \(depth) concurrent callers, 1 conn", operations: requests) {
        try await concurrentCallers(depth, on: client)
    }
    pipelinedRatios.append("async \(depth) callers \(ratio(sdkRate, rawRate))")
}
await client.close()
let pool = ZCachedClient(configuration: ZCachedConfiguration(host: host, port: port, poolSize: 8))
try await pool.connect()
let rawPool = try await measure("raw sockets, 8 connections x 8 in flight", operations: requests) {
    try await rawPipelined(connections: 8, depth: 8)
}
let asyncPool = try await measure("async client, pool of 8, 64 concurrent callers", operations: requests) {
    try await concurrentCallers(64, on: pool)
}
await pool.close()
await server?.shutdown()

print("ratios to the raw baseline measured in this run:")
print("  blocking strict \(ratio(blockingStrict, rawStrict)), async strict \(ratio(asyncStrict, rawStrict)) (\(ratio(asyncStrictOnLoop, rawStrict)) on its loop)")
print("  \(pipelinedRatios.joined(separator: ", ")), pool of 8 \(ratio(asyncPool, rawPool))")
