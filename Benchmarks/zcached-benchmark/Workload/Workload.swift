import ArgumentParser
import ZCachedClient
import ZCachedCodable
import ZCachedCore

/// The requests of one test, ready for every client: pre-encoded frames for the raw baseline
/// and the same requests as SDK calls. Request number `n` is the same request for both.
struct Workload: Sendable {
    /// The shape of a workload, as given on the command line.
    struct Shape: Sendable {
        var test: BenchmarkTest
        /// Bytes per value.
        var dataSize: Int
        /// Distinct keys.
        var keyspace: Int
        /// Keys per MGET and MSET.
        var keysPerMultiKeyRequest: Int
    }

    let shape: Shape
    /// The raw frame of each variant; request `n` sends variant `variant(of: n)`.
    let frames: [[UInt8]]
    /// The size of the largest frame, which caps how many raw frames fit in one write.
    let largestFrameSize: Int
    private let keys: [String]
    private let value: ZCachedValue
    /// The keys of each MGET/MSET variant, built once so requests measure the SDK, not the benchmark.
    private let multiKeys: [[String]]
    private let multiPairs: [[(key: String, value: ZCachedValue)]]
    private let profile = BenchmarkProfile.sample

    /// Distinct requests cycled through; single-key tests use one per key.
    private var variantCount: Int { frames.count }

    /// Builds the workload and encodes its raw frames.
    /// - Throws: `ZCachedError` when the shape makes a request the server would mangle, or an
    ///   encoding error for the `codable` test's struct.
    init(_ shape: Shape) throws {
        self.shape = shape
        let keys = (0..<shape.keyspace).map { "key:\($0)" }
        let value = ZCachedValue.bulkString([UInt8](repeating: UInt8(ascii: "x"), count: shape.dataSize))
        self.keys = keys
        self.value = value
        let isMultiKey = shape.test == .mget || shape.test == .mset
        let multiKeys = (0..<(isMultiKey ? min(shape.keyspace, 1024) : 0)).map { variant in
            (0..<shape.keysPerMultiKeyRequest).map { keys[(variant + $0) % keys.count] }
        }
        self.multiKeys = multiKeys
        self.multiPairs = multiKeys.map { $0.map { (key: $0, value: value) } }
        var encoder = ZCachedRequestEncoder(limits: ZCachedRequestLimits())
        func frame(_ command: some ZCachedCommand) throws -> [UInt8] {
            encoder.reset()
            try encoder.encode(command)
            return encoder.bytes
        }
        switch shape.test {
        case .ping:
            frames = [try frame(ZCachedServerCommands.Ping())]
        case .set:
            frames = try keys.map { try frame(ZCachedKeyCommands.Set($0, value)) }
        case .get:
            frames = try keys.map { try frame(ZCachedKeyCommands.Get($0)) }
        case .mget:
            frames = try multiKeys.map { try frame(ZCachedKeyCommands.MGet($0)) }
        case .mset:
            frames = try multiPairs.map { try frame(ZCachedKeyCommands.MSet($0)) }
        case .codable:
            let stored = try ZCachedValueEncoder().encode(BenchmarkProfile.sample)
            frames = try keys.flatMap { [try frame(ZCachedKeyCommands.Set($0, stored)), try frame(ZCachedKeyCommands.Get($0))] }
        }
        largestFrameSize = frames.map(\.count).max() ?? 1
    }

    /// The variant request `number` uses: spread over the keyspace by a multiplicative hash.
    func variant(of number: Int) -> Int {
        Int((UInt64(truncatingIfNeeded: number) &* 2_654_435_761) % UInt64(variantCount))
    }

    /// Stores a value under every key, so GET and MGET find them: up to 100 keys per MSET, fewer
    /// when that would make an MSET over 4 MiB (far inside the request size limit).
    func populate(_ client: ZCachedClient) async throws(ZCachedError) {
        let keysPerRequest = max(1, min(100, (4 << 20) / (shape.dataSize + 64)))
        for start in stride(from: 0, to: keys.count, by: keysPerRequest) {
            try await client.mset(keys[start..<min(start + keysPerRequest, keys.count)].map { ($0, value) })
        }
        if shape.test == .codable {
            for key in keys { try await client.set(key, encoding: profile) }
        }
    }

    /// Sends request `number` through the async client.
    func perform(_ number: Int, on client: ZCachedClient) async throws(ZCachedError) {
        let variant = variant(of: number)
        switch shape.test {
        case .ping: try await client.ping()
        case .set: try await client.set(keys[variant], value)
        case .get: _ = try await client.get(keys[variant])
        case .mget: _ = try await client.mget(multiKeys[variant])
        case .mset: try await client.mset(multiPairs[variant])
        case .codable:
            if variant.isMultiple(of: 2) {
                try await client.set(keys[variant / 2], encoding: profile)
            } else {
                _ = try await client.get(keys[variant / 2], decoding: BenchmarkProfile.self)
            }
        }
    }

    /// Sends requests `numbers` as one ``ZCachedClient/pipeline(_:)`` batch through the async client.
    /// - Returns: The errors of the requests that failed, one per failure.
    /// - Throws: `ZCachedError` when the batch was not sent at all; see ``batch(_:)``.
    func performBatch(_ numbers: Range<Int>, on client: ZCachedClient) async throws(ZCachedError) -> [ZCachedError] {
        try await batch(numbers).sendAsync(client)
    }

    /// Sends requests `numbers` as one ``ZCachedBlockingClient/pipeline(_:)`` batch through the
    /// blocking client.
    /// - Returns: The errors of the requests that failed, one per failure.
    /// - Throws: `ZCachedError` when the batch was not sent at all; see ``batch(_:)``.
    func performBatch(_ numbers: Range<Int>, on client: ZCachedBlockingClient) throws(ZCachedError) -> [ZCachedError] {
        try batch(numbers).sendBlocking(client)
    }

    /// Requests `numbers` as one batch of the test's command type.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` for the `codable` test, whose requests
    ///   are not one command type.
    private func batch(_ numbers: Range<Int>) throws(ZCachedError) -> WorkloadBatch {
        typealias K = ZCachedKeyCommands
        switch shape.test {
        case .ping: return WorkloadBatch(numbers.map { _ in ZCachedServerCommands.Ping() })
        case .set: return WorkloadBatch(numbers.map { K.Set(keys[variant(of: $0)], value) })
        case .get: return WorkloadBatch(numbers.map { K.Get(keys[variant(of: $0)]) })
        case .mget: return WorkloadBatch(numbers.map { K.MGet(multiKeys[variant(of: $0)]) })
        case .mset: return WorkloadBatch(numbers.map { K.MSet(multiPairs[variant(of: $0)]) })
        case .codable:
            throw ZCachedError(code: .invalidArgument, message: "the codable test mixes SET and GET, so it cannot run as batches", argument: "--batch")
        }
    }

    /// Sends request `number` through the blocking client.
    func perform(_ number: Int, on client: ZCachedBlockingClient) throws(ZCachedError) {
        let variant = variant(of: number)
        switch shape.test {
        case .ping: try client.ping()
        case .set: try client.set(keys[variant], value)
        case .get: _ = try client.get(keys[variant])
        case .mget: _ = try client.mget(multiKeys[variant])
        case .mset: try client.mset(multiPairs[variant])
        case .codable:
            if variant.isMultiple(of: 2) {
                try client.set(keys[variant / 2], encoding: profile)
            } else {
                _ = try client.get(keys[variant / 2], decoding: BenchmarkProfile.self)
            }
        }
    }
}

/// A batch of one command type, ready to send through either client.
struct WorkloadBatch {
    /// Sends the batch through the async client and returns the errors of the commands that failed.
    let sendAsync: (ZCachedClient) async throws(ZCachedError) -> [ZCachedError]
    /// Sends the batch through the blocking client and returns the errors of the commands that failed.
    let sendBlocking: (ZCachedBlockingClient) throws(ZCachedError) -> [ZCachedError]

    init<Command: ZCachedCommand>(_ commands: [Command]) {
        sendAsync = { client throws(ZCachedError) in Self.failures(try await client.pipeline(commands)) }
        sendBlocking = { client throws(ZCachedError) in Self.failures(try client.pipeline(commands)) }
    }

    private static func failures<Response>(_ outcomes: [Result<Response, ZCachedError>]) -> [ZCachedError] {
        outcomes.compactMap { outcome in
            if case .failure(let error) = outcome { error } else { nil }
        }
    }
}

/// The struct the `codable` test stores and reads.
struct BenchmarkProfile: Codable, Sendable {
    var id: Int
    var name: String
    var score: Double
    var tags: [String]

    static let sample = BenchmarkProfile(id: 42, name: "benchmark-user", score: 98.5, tags: ["swift", "zcached", "cache"])
}

extension Workload.Shape {
    /// The most memory a workload's pre-encoded frames may take: 1 GiB.
    static let frameMemoryLimit = Double(1 << 30)

    /// Checks that each test's pre-encoded frames (one per key, or per MGET/MSET variant, kept
    /// for the whole run) fit in ``frameMemoryLimit``, so a large `--data-size` gets an error
    /// naming the options instead of exhausting memory.
    /// - Throws: `ValidationError` naming the test and its estimated size.
    static func requireFramesFit(tests: [BenchmarkTest], dataSize: Int, keyspace: Int, keysPerMultiKeyRequest: Int) throws {
        for test in tests {
            let variants = Double(test == .mget || test == .mset ? min(keyspace, 1024) : keyspace)
            let valuesPerFrame: Double =
                switch test {
                case .set: 1
                case .mset: Double(keysPerMultiKeyRequest)
                case .ping, .get, .mget, .codable: 0
                }
            let bytes = variants * (valuesPerFrame * (Double(dataSize) + 32) + 64)
            guard bytes <= frameMemoryLimit else {
                throw ValidationError(
                    "the \(test.rawValue) test would pre-encode about \(Int(bytes / Double(1 << 20))) MiB of requests "
                        + "(at most 1024 MiB); lower --data-size, --keyspace or --mget-keys"
                )
            }
        }
    }

    /// Checks that every request fits the server's default `max_request_size` (10 MiB; larger
    /// ones close the connection, PROTOCOL.md §4.4) and every MGET reply the SDK's reply limit,
    /// counting 64 bytes of framing per value: each run populates the keyspace with SETs of
    /// `dataSize` bytes, whatever its test.
    /// - Throws: `ValidationError` naming the options to lower.
    static func requireServerAccepts(tests: [BenchmarkTest], dataSize: Int, keysPerMultiKeyRequest: Int) throws {
        let requestLimit = ZCachedRequestLimits.serverDefaultMaximumRequestSize
        let replyLimit = ZCachedDecoderLimits().maximumFrameSize
        let multiKeyBytes = keysPerMultiKeyRequest.multipliedReportingOverflow(by: dataSize + 64)
        guard dataSize + 128 <= requestLimit else {
            throw ValidationError("--data-size \(dataSize) makes SET requests over the server's \(requestLimit)-byte max_request_size")
        }
        if tests.contains(.mset), multiKeyBytes.overflow || multiKeyBytes.partialValue + 64 > requestLimit {
            throw ValidationError("--mget-keys × --data-size makes MSET requests over the server's \(requestLimit)-byte max_request_size")
        }
        if tests.contains(.mget), multiKeyBytes.overflow || multiKeyBytes.partialValue > replyLimit {
            throw ValidationError("--mget-keys × --data-size makes MGET replies over the SDK's \(replyLimit)-byte reply limit")
        }
    }
}
