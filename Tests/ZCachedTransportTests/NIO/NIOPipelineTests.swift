import Testing
import ZCachedCore
import ZCachedTesting
import ZCachedTransport

/// ``ZCachedNIOConnection/pipeline(_:)``: many commands in one call, one outcome each.
@Suite struct NIOPipelineTests {
    typealias K = ZCachedKeyCommands

    /// A frame too large to share the window with a sentinel went bare even after the link had
    /// pipelined, so a reply the server fabricated for it was delivered.
    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func afterABatchALargeRequestIsVerifiedByASentinelAfterItsReply() async throws {
        try await NIOConnectionTests.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            _ = try await connection.pipeline([ZCachedServerCommands.Ping(), ZCachedServerCommands.Ping()])
            let large = K.MGet.largeRequest
            #expect(try await connection.send(large).isEmpty)
            server.faults.inject(K.MGet.fabricatedReplyPlusOne, on: .nextRequest)
            await #expect(throws: ZCachedError.self, "a map of the right shape, but not this request's") { try await connection.send(large) }
            try await NIOConnectionTests.eventually { try await connection.send(ZCachedServerCommands.Ping()) }
            #expect(try await connection.send(large).isEmpty, "then it recovers")
        }
    }

    @Test func eachCommandGetsItsOwnOutcomeInOrder() async throws {
        try await NIOConnectionTests.withConnection { connection, _ in
            let prefix = "pipeline-order-\(UInt64.random(in: 0...UInt64.max))"
            let keys = (0..<40).map { "\(prefix)-\($0)" }
            let stored = try await connection.pipeline(keys.map { K.Set($0, .bulkString("value of \($0)")) })
            #expect(stored.count == keys.count)
            for outcome in stored { try outcome.get() }

            let missing = "\(prefix)-missing"
            let read = try await connection.pipeline((keys + [missing]).map { K.Get($0) })
            #expect(read.count == keys.count + 1)
            for (key, outcome) in zip(keys, read) {
                #expect(try outcome.get() == .bulkString("value of \(key)"))
            }
            #expect(try read[keys.count].get() == nil)

            let renamed = try await connection.pipeline([K.Rename(missing, to: "\(prefix)-elsewhere")])
            #expect(throws: ZCachedError.self) { try renamed[0].get() }
        }
    }

    @Test func aBatchLargerThanTheWindowGoesOutInVerifiedGroups() async throws {
        try await NIOConnectionTests.withConnection { connection, endpoint in
            let prefix = "pipeline-window-\(UInt64.random(in: 0...UInt64.max))"
            let keys = (0..<600).map { "\(prefix)-\($0)" }
            for outcome in try await connection.pipeline(keys.map { K.Set($0, .bulkString($0)) }) { try outcome.get() }
            let read = try await connection.pipeline(keys.map { K.Get($0) })
            #expect(try read.map { try $0.get() } == keys.map { .bulkString($0) })
            #expect(await connection.peakBytesInFlight <= 4096)
            if let server = endpoint.server {
                #expect(server.statistics.maximumBytesInFlight <= 4096)
                #expect(server.statistics.bufferShiftingReads == 0)
            }
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func oneRefusedCommandRefusesTheBatchBeforeAnythingIsSent() async throws {
        try await NIOConnectionTests.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            let before = server.statistics.requestsReceived
            let error = await #expect(throws: ZCachedError.self) {
                try await connection.pipeline([K.Get("fine"), K.Get("bad\nkey"), K.Get("fine too")])
            }
            #expect(error?.code == .invalidArgument)
            #expect(try await connection.pipeline([K.Get]()).isEmpty)
            #expect(server.statistics.requestsReceived == before, "nothing was sent")
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aLinkThatBreaksMidBatchFailsEveryUnansweredCommand() async throws {
        try await NIOConnectionTests.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            server.faults.inject(.closeConnection, on: .nextRequest)
            let outcomes = try await connection.pipeline((0..<8).map { K.Get("pipeline-broken-\($0)") })
            #expect(outcomes.count == 8)
            for outcome in outcomes {
                #expect(throws: ZCachedError.self) { try outcome.get() }
            }
        }
    }

    /// 1000-byte keys: three GET frames and a sentinel fill the 4096-byte window, so a batch of
    /// twelve goes out in four groups, one round trip each.
    static func longKeys(_ prefix: String, count: Int) -> [String] {
        (0..<count).map { index in "\(prefix)-\(index)-" + String(repeating: "k", count: 1000) }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aLinkThatBreaksAfterTheFirstGroupKeepsTheAnswersAlreadyIn() async throws {
        try await NIOConnectionTests.withConnection(reconnect: false) { connection, endpoint in
            let server = try #require(endpoint.server)
            let keys = Self.longKeys("pipeline-partial", count: 12)
            // Requests 1–4 on the server are the first group: three GETs and their sentinel.
            server.faults.inject(.closeConnection, on: .requestNumber(server.statistics.requestsReceived + 5))
            let outcomes = try await connection.pipeline(keys.map { K.Get($0) })
            #expect(outcomes.count == 12)
            for outcome in outcomes.prefix(3) { #expect(try outcome.get() == nil, "answered before the break") }
            for outcome in outcomes.dropFirst(3) { #expect(throws: ZCachedError.self) { try outcome.get() } }
        }
    }

    /// When the link breaks, a request still waiting for the window was never written, so its
    /// caller is told it was not sent (a retry cannot run it twice), while the written ones
    /// may or may not have run.
    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func requestsNeverWrittenWhenTheLinkBreaksFailAsNotSent() async throws {
        try await NIOConnectionTests.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            let keys = Self.longKeys("pipeline-unsent", count: 12)
            // Requests 1–4 on the server are the first group: three SETs and their sentinel.
            server.faults.inject(.closeConnection, on: .requestNumber(server.statistics.requestsReceived + 5))
            let outcomes = try await connection.pipeline(keys.map { K.Set($0, "v") })
            for outcome in outcomes.prefix(3) { #expect(throws: Never.self) { try outcome.get() } }
            for outcome in outcomes[3..<6] {
                let error = #expect(throws: ZCachedError.self) { try outcome.get() }
                #expect(error?.code == .connectionReestablished, "written in the group the server closed on: \(String(describing: error))")
            }
            for outcome in outcomes.dropFirst(6) {
                let error = #expect(throws: ZCachedError.self) { try outcome.get() }
                #expect(error?.code == .connectionClosed, "\(String(describing: error))")
                #expect(error?.message.contains("not sent") == true, "\(String(describing: error))")
            }
            try await ZCachedEventually.succeeds { try await connection.send(ZCachedServerCommands.Ping()) }
            for key in keys.dropFirst(6) { #expect(try await connection.send(K.Get(key)) == nil, "never stored") }
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aBatchThatTakesLongerThanTheTimeoutSucceedsWhileTheServerAnswers() async throws {
        try await NIOConnectionTests.withConnection(requestTimeout: .milliseconds(300)) { connection, endpoint in
            let server = try #require(endpoint.server)
            server.faults.inject(.delayReply(.milliseconds(40)), on: .command("GET"))
            let keys = Self.longKeys("pipeline-slow", count: 12)
            let start = ContinuousClock.now
            let outcomes = try await connection.pipeline(keys.map { K.Get($0) })
            #expect(ContinuousClock.now - start > .milliseconds(300), "the batch as a whole outlasted the timeout")
            for outcome in outcomes { #expect(try outcome.get() == nil) }
            #expect(connection.state == .connected)
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aLostReplyInABatchIsCaughtAndNoOtherReplyShifts() async throws {
        try await NIOConnectionTests.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            let prefix = "pipeline-lost-\(UInt64.random(in: 0...UInt64.max))"
            let keys = (0..<6).map { "\(prefix)-\($0)" }
            for outcome in try await connection.pipeline(keys.map { K.Set($0, .bulkString($0)) }) { try outcome.get() }
            server.faults.inject(.dropReply, on: .nextRequest)
            let outcomes = try await connection.pipeline(keys.map { K.Get($0) })
            for (key, outcome) in zip(keys, outcomes) {
                // Either its own value or a failure: never another key's value.
                if case .success(let value) = outcome { #expect(value == .bulkString(key)) }
            }
            #expect(outcomes.contains { if case .failure = $0 { true } else { false } })
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func cancellingABatchResumesItAtOnceAndKeepsTheConnectionUsable() async throws {
        try await NIOConnectionTests.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            server.faults.inject(.delayReply(.seconds(3)), on: .nextRequest)
            let before = server.statistics.requestsReceived
            let start = ContinuousClock.now
            let batch = Task { try await connection.pipeline((0..<4).map { K.Get("pipeline-cancel-\($0)") }) }
            while server.statistics.requestsReceived == before { await Task.yield() }
            batch.cancel()
            let outcomes = try await batch.value
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(outcomes.count == 4)
            for outcome in outcomes {
                #expect(throws: ZCachedError.self) { try outcome.get() }
            }
            try await connection.send(ZCachedServerCommands.Ping())
        }
    }
}
