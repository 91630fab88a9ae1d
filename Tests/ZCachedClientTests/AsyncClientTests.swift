import Logging
import ServiceLifecycle
import Testing
import ZCachedClient
import ZCachedCore
import ZCachedTesting

@Suite struct AsyncClientTests {
    static func withClient(poolSize: Int = 2, requestTimeout: Duration = .seconds(5), _ body: (ZCachedClient, ZCachedTestEndpoint) async throws -> Void) async throws {
        try await ZCachedTestEndpoint.with(
            opening: { endpoint in
                let client = ZCachedClient(configuration: ClientTestSupport.configuration(endpoint, poolSize: poolSize, requestTimeout: requestTimeout))
                try await client.connect()
                return client
            },
            closing: { await $0.close() },
            body
        )
    }

    @Test func pipelineSendsABatchOnOneConnectionAndAnswersEachCommand() async throws {
        try await Self.withClient { client, _ in
            let p = ClientTestSupport.uniquePrefix("async-pipeline")
            let keys = (0..<32).map { "\(p):\($0)" }
            let stored = try await client.pipeline(keys.map { ZCachedKeyCommands.Set($0, .bulkString($0)) })
            #expect(stored.count == keys.count)
            for outcome in stored { try outcome.get() }
            let read = try await client.pipeline(keys.map { ZCachedKeyCommands.Get($0) })
            #expect(try read.map { try $0.get() } == keys.map { .bulkString($0) })
            let refused = await #expect(throws: ZCachedError.self) {
                try await client.pipeline([ZCachedKeyCommands.Get(""), ZCachedKeyCommands.Get("\(p):0")])
            }
            #expect(refused?.code == .invalidArgument)
        }
    }

    @Test func everyKeyCommandWorks() async throws {
        try await Self.withClient { client, _ in
            let p = ClientTestSupport.uniquePrefix("async-keys")
            try await client.ping()
            #expect(await client.isAlive)
            #expect(try await client.echo("Hello Neptun!") == "Hello Neptun!")
            try await client.set("\(p):a", "1")
            try await client.set("\(p):n", 42)
            try await client.set("\(p):typed", 2.5 as Double)
            #expect(try await client.get("\(p):a") == "1")
            #expect(try await client.get("\(p):n", as: Int.self) == 42)
            #expect(try await client.get("\(p):typed", as: Double.self) == 2.5)
            #expect(try await client.get("\(p):missing") == nil)
            #expect(try await client.get("\(p):missing", as: String.self) == nil)
            let mismatch = await #expect(throws: ZCachedError.self) { try await client.get("\(p):a", as: Int.self) }
            #expect(mismatch?.code == .unexpectedReply)
            #expect(mismatch?.key == "\(p):a")
            #expect(try await client.exists("\(p):a"))
            #expect(try await !client.exists("\(p):missing"))
            #expect(try await client.sizeof("\(p):a") == 1)
            #expect(try await client.sizeof("\(p):missing") == nil)
            try await client.mset([(key: "\(p):b", value: 2), (key: "\(p):c", value: ["x": true])])
            let values = try await client.mget(["\(p):a", "\(p):b", "\(p):c", "\(p):missing"])
            #expect(values == ["\(p):a": "1", "\(p):b": 2, "\(p):c": ["x": true]])
            try await client.rename("\(p):b", to: "\(p):b2")
            #expect(try await client.get("\(p):b2") == 2)
            let missingRename = await #expect(throws: ZCachedError.self) { try await client.rename("\(p):b", to: "\(p):z") }
            #expect(missingRename?.code == .keyNotFound)
            try await client.copy("\(p):b2", to: "\(p):copy")
            let busy = await #expect(throws: ZCachedError.self) { try await client.copy("\(p):a", to: "\(p):copy") }
            #expect(busy?.serverCode == "BUSYKEY")
            try await client.copy("\(p):a", to: "\(p):copy", replace: true)
            #expect(try await client.get("\(p):copy") == "1")
            #expect(try await client.delete("\(p):copy"))
            #expect(try await !client.delete("\(p):copy"))
            #expect(try await client.keys().contains("\(p):a"))
            #expect(try await client.send("ECHO", ["raw"]) == "raw")
            let unknown = await #expect(throws: ZCachedError.self) { try await client.send("NOPE") }
            #expect(unknown?.code == .server)
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func serverWideCommandsWork() async throws {
        try await Self.withClient { client, _ in
            try await client.flush()
            let empty = await #expect(throws: ZCachedError.self) { try await client.save() }
            #expect(empty?.serverCode == "NOSAVE")
            try await client.set("k", 1)
            #expect(try await client.dbsize() == 1)
            let before = try await client.lastsave()
            try await client.save()
            #expect(try await client.lastsave() >= before)
            try await client.flush()
            #expect(try await client.dbsize() == 0)
        }
    }

    @Test func thousandsOfConcurrentTasksOnAPoolOfEightEachGetTheirOwnReply() async throws {
        try await Self.withClient(poolSize: 8) { client, endpoint in
            let p = ClientTestSupport.uniquePrefix("async-many")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<4000 {
                    group.addTask {
                        let key = "\(p):\(task)"
                        let value = "value-\(task)"
                        try await client.set(key, value)
                        #expect(try await client.get(key, as: String.self) == value)
                    }
                }
                try await group.waitForAll()
            }
            let loads = client.pool.all.map(\.pendingRequestCount)
            #expect(loads.allSatisfy { $0 == 0 })
            if let server = endpoint.server {
                #expect(server.statistics.maximumBytesInFlight <= 4096)
                #expect(server.statistics.bufferShiftingReads == 0)
            }
        }
    }

    @Test func leastLoadedSelectionSpreadsConcurrentLoad() async throws {
        try await Self.withClient(poolSize: 4) { client, _ in
            let p = ClientTestSupport.uniquePrefix("async-spread")
            let picks = try await withThrowingTaskGroup(of: ObjectIdentifier.self) { group in
                for task in 0..<400 {
                    group.addTask {
                        let connection = try client.connection()
                        try await connection.send(ZCachedKeyCommands.Set("\(p):\(task)", 1))
                        return ObjectIdentifier(connection)
                    }
                }
                return try await group.reduce(into: [ObjectIdentifier: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(picks.count == 4, "every connection took a share")
            #expect(picks.values.allSatisfy { $0 <= 200 }, "no connection took half the load: \(picks.values.sorted())")
        }
    }

    @Test func aTaskOnAConnectionsEventLoopIsGivenAConnectionOnThatLoop() async throws {
        try await Self.withClient(poolSize: 4) { client, _ in
            for connection in client.pool.all {
                let (picked, pickedIsLocal) = try await withTaskExecutorPreference(connection.taskExecutor) { () async throws in
                    let picked = try client.connection()
                    return (picked, picked.isOnCurrentThread)
                }
                #expect(pickedIsLocal, "connection \(picked.id) was picked for a task on connection \(connection.id)'s loop")
                let echoed = try await withTaskExecutorPreference(connection.taskExecutor) { () async throws in
                    try await client.echo("local")
                }
                #expect(echoed == "local")
            }
        }
    }

    @Test func poolGrowsShrinksAndCleansUp() async throws {
        try await Self.withClient(poolSize: 2) { client, _ in
            try await client.extend(by: 2)
            #expect(client.pool.count == 4)
            #expect(await client.reduce(by: 3) == 3)
            #expect(client.pool.count == 1)
            try await client.ping()
            #expect(await client.cleanUpBroken() == 0)
            await client.close()
            let error = await #expect(throws: ZCachedError.self) { try await client.ping() }
            #expect(error?.code == .noAvailableConnections)
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aDelayedReplyTimesOutAndTheClientRecovers() async throws {
        try await Self.withClient(poolSize: 1, requestTimeout: .milliseconds(250)) { client, endpoint in
            let server = try #require(endpoint.server)
            server.faults.inject(.delayReply(.seconds(1)), on: .nextRequest)
            let error = await #expect(throws: ZCachedError.self) { try await client.ping() }
            #expect(error?.code == .timeout)
            try await ClientTestSupport.eventually { try await client.ping() }
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func reconnectsAfterTheServerIsStoppedAndRestartedOnTheSamePort() async throws {
        try await Self.withClient(poolSize: 2) { client, endpoint in
            let server = try #require(endpoint.server)
            try await client.set("kept", 1)
            try await server.restart()
            let value = try await ClientTestSupport.eventually { try await client.get("kept") }
            #expect(value == 1)
            // Every connection of the pool reconnects in the background.
            try await ClientTestSupport.eventually {
                guard client.pool.connectedCount == 2 else { throw ZCachedError(code: .connectionClosed, message: "still reconnecting") }
            }
        }
    }

    @Test func refusedArgumentsNeverReachTheServer() async throws {
        try await Self.withClient { client, endpoint in
            try await client.ping()
            let before = endpoint.server?.statistics.requestsReceived
            for bad: ZCachedValue in ["", "a\nb", "a\u{03}", .map(ZCachedMap()), [.error("x")]] {
                let error = await #expect(throws: ZCachedError.self) { try await client.set("k", bad) }
                #expect(error?.code == .invalidArgument)
            }
            await #expect(throws: ZCachedError.self) { try await client.copy("a", to: "a", replace: true) }
            await #expect(throws: ZCachedError.self) { try await client.mset([]) }
            if let before, let server = endpoint.server {
                #expect(server.statistics.requestsReceived == before)
            }
        }
    }

    @Test func runsAsAServiceUntilGracefulShutdown() async throws {
        let endpoint = try await ZCachedTestEndpoint.start()
        let client = ZCachedClient(configuration: ClientTestSupport.configuration(endpoint, poolSize: 1))
        let group = ServiceGroup(services: [client], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await ClientTestSupport.eventually { try await client.ping() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(client.pool.count == 0, "run() closes every connection on shutdown")
        await endpoint.shutdown()
    }

    @Test func resultCapturesTypedOutcomes() async throws {
        try await Self.withClient { client, _ in
            let ok = await Result { () async throws(ZCachedError) in try await client.echo("x") }
            let bad = await Result { () async throws(ZCachedError) in try await client.echo("") }
            #expect(ok.value == "x")
            #expect(bad.error?.code == .invalidArgument)
        }
    }
}
