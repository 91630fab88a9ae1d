import Testing
import ZCachedCore
import ZCachedTesting

@Suite struct ZCachedTestServerTests {
    @Test func startsOnAnEphemeralPortAndAnswers() async throws {
        let server = try await ZCachedTestServer.start()
        #expect(server.host == "127.0.0.1")
        #expect(server.port > 0)
        let connection = try server.connect()
        #expect(try connection.roundTrip(frame("PING")) == reply("+PONG\r\n"))
        await server.shutdown()
        await server.shutdown()  // idempotent
        #expect(connection.waitForClose())
        #expect(throws: RawTestConnection.SocketError.self) { try server.connect() }
    }

    @Test func restartKeepsKeysAndListensOnTheSamePort() async throws {
        try await withServer { server in
            let before = try server.connect()
            #expect(try before.roundTrip(frame("SET", "kept", "1")) == reply("+OK\r\n"))
            try await server.restart()
            #expect(before.waitForClose())
            let after = try server.connect()
            #expect(try after.roundTrip(frame("GET", "kept")) == reply("$1\r\n1\r\n"))
        }
    }

    /// A server shut down stays down: a restart then throws and listens on nothing, so nothing
    /// is left listening after the test that shut it down.
    @Test func aRestartAfterShutdownThrowsAndListensOnNothing() async throws {
        let server = try await ZCachedTestServer.start()
        await server.shutdown()
        await #expect(throws: (any Error).self) { try await server.restart() }
        #expect(throws: RawTestConnection.SocketError.self) { try server.connect() }
    }

    /// A shutdown during a restart waits for it: once `shutdown()` returns, nothing listens,
    /// not even the listener the restart was binding.
    @Test func aShutdownDuringARestartLeavesNothingListening() async throws {
        // The window is a bind's duration; each round shuts down at a different point of it.
        for round in 0..<100 {
            let server = try await ZCachedTestServer.start()
            let restart = Task { try await server.restart() }
            for _ in 0..<(round % 10) { await Task.yield() }
            await server.shutdown()
            #expect(throws: RawTestConnection.SocketError.self) { try server.connect() }
            _ = try? await restart.value
        }
    }

    @Test func statisticsCountRequestsBytesAndConnections() async throws {
        try await withServer { server in
            let connection = try server.connect()
            let batch = frame("SET", "a", "1") + frame("GET", "a") + frame("PING")
            try connection.send(batch)
            #expect(try connection.receiveReplies(3) == reply("+OK\r\n") + reply("$1\r\n1\r\n") + reply("+PONG\r\n"))
            _ = try server.connect().roundTrip(frame("PING"))
            let statistics = server.statistics
            #expect(statistics.requestsReceived == 4)
            #expect(statistics.bytesReceived == batch.count + frame("PING").count)
            #expect(statistics.connectionsAccepted == 2)
            #expect(statistics.maximumBytesInFlight >= frame("SET", "a", "1").count)
            #expect(statistics.maximumBytesInFlight <= batch.count)
        }
    }

    /// As PROTOCOL.md §1.1 tells: 110 small SETs (4290 bytes) in one write shift the real
    /// server's buffer, 100 (3900 bytes) do not, and neither does one large SET alone.
    @Test func readsEndingMidFrameAfterAWholeFrameAreCounted() async throws {
        try await withServer { server in
            let sets = { (count: Int) in (0..<count).flatMap { frame("SET", "k\(100 + $0)", "vvvvvvvvv") } }
            let connection = try server.connect()
            try connection.send(sets(100))
            _ = try connection.receiveReplies(100)
            try connection.send(frame("SET", "large", String(repeating: "v", count: 10_000)))
            _ = try connection.receiveReplies(1)
            #expect(server.statistics.bufferShiftingReads == 0)
            try connection.send(sets(110))
            _ = try connection.receiveReplies(110)
            #expect(server.statistics.bufferShiftingReads == 1)
        }
    }

    /// As the real server (PROTOCOL.md §4.4): the limit is checked before each read, on the
    /// bytes already held, so 500 unterminated bytes wait until more arrive.
    @Test func bufferingMoreThanTheRequestSizeLimitClosesWithoutReplyAtTheNextRead() async throws {
        try await withServer(configuration: .init(maximumRequestSize: 100)) { server in
            let connection = try server.connect()
            try connection.send([UInt8](repeating: UInt8(ascii: "x"), count: 500))
            try await ZCachedEventually.holds { server.statistics.bytesReceived == 500 }
            #expect(try connection.read(timeout: .milliseconds(50)) == .timedOut, "held, not closed yet")
            try connection.send([UInt8(ascii: "x")])
            #expect(try connection.read(timeout: .seconds(5)) == .endOfFile)
        }
    }

    @Test func pipelinedBatchesLargerThanFourKilobytesGetEveryReply() async throws {
        try await withServer { server in
            let connection = try server.connect()
            let batch = (0..<500).flatMap { frame("SET", "k\($0)", "vvvvvvvvvv") }
            try connection.send(batch)
            #expect(try connection.receiveReplies(500) == Array((0..<500).map { _ in reply("+OK\r\n") }.joined()))
            #expect(try connection.roundTrip(frame("DBSIZE")) == reply(":500\r\n"))
        }
    }

    @Test func concurrentConnectionsShareOneKeySpace() async throws {
        try await withServer { server in
            try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for index in 0..<16 {
                    group.addTask { try server.connect().roundTrip(frame("SET", "key\(index)", "\(index)")) }
                }
                for try await answer in group { #expect(answer == reply("+OK\r\n")) }
            }
            let connection = try server.connect()
            #expect(try connection.roundTrip(frame("DBSIZE")) == reply(":16\r\n"))
            #expect(try connection.roundTrip(frame("GET", "key7")) == reply("$1\r\n7\r\n"))
        }
    }

    /// The real server answers MGET in its hash table's order; a client that matched values to
    /// keys by position would pass against a server that kept request order. `a` and `b` are two
    /// keys whose hashes keep them in order.
    @Test func mgetNeverAnswersInRequestOrder() async throws {
        try await withServer { server in
            let connection = try server.connect()
            _ = try connection.roundTrip(frame("SET", "a", "1"))
            _ = try connection.roundTrip(frame("SET", "b", "2"))
            let keys = try Self.mapKeys(connection.roundTrip(frame("MGET", "a", "b")))
            #expect(keys == ["b", "a"])
        }
    }

    /// KEYS answers in the server's hash order (of the keys in byte order), the order an MGET of
    /// the keys in byte order gets, not in a dictionary's order, which changes from process to
    /// process.
    @Test func keysListsKeysInHashOrderNotADictionarys() async throws {
        try await withServer { server in
            let connection = try server.connect()
            let names = (0..<10).map { "k\($0)" }
            for name in names { _ = try connection.roundTrip(frame("SET", name, "v")) }
            let listed = try ZCachedReplyDecoder.decodeOne(connection.roundTrip(frame("KEYS")))
            guard case .array(let keys) = listed else { throw ZCachedError.protocolViolation("KEYS: \(listed)") }
            let mapped = try Self.mapKeys(connection.roundTrip(frame(["MGET"] + names)))
            #expect(keys.count == names.count)
            #expect(keys.compactMap(\.string) == mapped)
        }
    }

    private static func mapKeys(_ reply: [UInt8]) throws -> [String] {
        let value = try ZCachedReplyDecoder.decodeOne(reply)
        guard case .map(let map) = value else { throw ZCachedError.protocolViolation("not a map: \(value)") }
        return map.entries.map(\.key)
    }

    @Test func saveFailsOnAnEmptyKeySpaceAndSetsLastSaveOtherwise() async throws {
        try await withServer { server in
            let connection = try server.connect()
            #expect(try connection.roundTrip(frame("SAVE")) == reply("-NOSAVE error while saving data\r\n"))
            _ = try connection.roundTrip(frame("SET", "a", "1"))
            #expect(try connection.roundTrip(frame("SAVE")) == reply("+OK\r\n"))
            let lastSave = try connection.roundTrip(frame("LASTSAVE"))
            #expect(lastSave.first == UInt8(ascii: ":"))
        }
    }
}
