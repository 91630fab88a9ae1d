import Testing
import ZCachedClient
import ZCachedCore
import ZCachedTesting

@Suite struct BlockingClientTests {
    static func withClient(poolSize: Int = 2, requestTimeout: Duration = .seconds(5), _ body: (ZCachedBlockingClient, ZCachedTestEndpoint) async throws -> Void) async throws {
        try await ZCachedTestEndpoint.with(
            opening: { try ZCachedBlockingClient(configuration: ClientTestSupport.configuration($0, poolSize: poolSize, requestTimeout: requestTimeout)) },
            closing: { $0.close() },
            body
        )
    }

    @Test func pipelineSendsABatchOnOneConnectionAndAnswersEachCommand() async throws {
        try await Self.withClient { client, _ in
            let p = ClientTestSupport.uniquePrefix("blocking-pipeline")
            let keys = (0..<32).map { "\(p):\($0)" }
            let stored = try client.pipeline(keys.map { ZCachedKeyCommands.Set($0, .bulkString($0)) })
            #expect(stored.count == keys.count)
            for outcome in stored { try outcome.get() }
            let read = try client.pipeline(keys.map { ZCachedKeyCommands.Get($0) })
            #expect(try read.map { try $0.get() } == keys.map { .bulkString($0) })
            #expect(try client.pipeline([ZCachedKeyCommands.Get]()).isEmpty)
            let refused = #expect(throws: ZCachedError.self) {
                try client.pipeline([ZCachedKeyCommands.Get(""), ZCachedKeyCommands.Get("\(p):0")])
            }
            #expect(refused?.code == .invalidArgument)
        }
    }

    @Test func everyKeyCommandWorks() async throws {
        try await Self.withClient { client, _ in
            let p = ClientTestSupport.uniquePrefix("blocking-keys")
            try client.ping()
            #expect(client.isAlive)
            #expect(try client.echo("hi") == "hi")
            try client.set("\(p):a", "1")
            try client.set("\(p):n", 7)
            #expect(try client.get("\(p):a") == "1")
            #expect(try client.get("\(p):n", as: Int.self) == 7)
            #expect(try client.get("\(p):missing") == nil)
            #expect(try client.exists("\(p):a"))
            #expect(try client.sizeof("\(p):missing") == nil)
            try client.mset(["\(p):b": 2, "\(p):c": [1, 2]])
            #expect(try client.mget(["\(p):b", "\(p):c", "\(p):missing"]) == ["\(p):b": 2, "\(p):c": [1, 2]])
            try client.rename("\(p):b", to: "\(p):b2")
            try client.copy("\(p):b2", to: "\(p):b3")
            #expect(throws: ZCachedError.self) { try client.copy("\(p):b2", to: "\(p):b3") }
            #expect(try client.delete("\(p):b3"))
            #expect(try !client.delete("\(p):b3"))
            #expect(try client.keys().contains("\(p):a"))
            #expect(try client.send("ECHO", ["raw"]) == "raw")
            #expect(throws: ZCachedError.self) { try client.set("k", "a\r\nb") }
        }
    }

    @Test func manyThreadsShareOneClient() async throws {
        try await Self.withClient(poolSize: 4) { client, _ in
            let p = ClientTestSupport.uniquePrefix("blocking-threads")
            // Kept apart: an error is a failed request, a wrong value is a reply handed to the
            // wrong caller, which no server fault may ever cause.
            let wrongValues = ManagedCounter()
            let errors = ManagedCounter()
            try await DedicatedThreads.run(8) { thread in
                for index in 0..<250 {
                    let key = "\(p):\(thread):\(index)"
                    do {
                        try client.set(key, "v\(thread)-\(index)")
                        if try client.get(key, as: String.self) != "v\(thread)-\(index)" { wrongValues.increment() }
                    } catch {
                        errors.increment()
                    }
                }
            }
            #expect(wrongValues.value == 0)
            #expect(errors.value == 0)
            #expect(client.pool.all.allSatisfy { $0.pendingRequestCount == 0 })
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aDelayedReplyTimesOutAndTheNextCallReconnects() async throws {
        try await Self.withClient(poolSize: 1, requestTimeout: .milliseconds(250)) { client, endpoint in
            let server = try #require(endpoint.server)
            server.faults.inject(.delayReply(.seconds(1)), on: .nextRequest)
            let error = #expect(throws: ZCachedError.self) { try client.ping() }
            #expect(error?.code == .timeout)
            try client.ping()
        }
    }

    @Test func poolGrowsAndShrinks() async throws {
        try await Self.withClient(poolSize: 1) { client, _ in
            try client.extend(by: 2)
            #expect(client.pool.count == 3)
            #expect(client.reduce(by: 2) == 2)
            try client.ping()
            client.close()
            let error = #expect(throws: ZCachedError.self) { try client.ping() }
            #expect(error?.code == .noAvailableConnections)
        }
    }
}

/// A counter threads can bump without a data race.
final class ManagedCounter: Sendable {
    private let count = ZCachedLock(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

