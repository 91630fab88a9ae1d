import NIOCore
import NIOPosix
import Testing
import ZCachedCore
import ZCachedTesting
import ZCachedTransport

@Suite struct NIOConnectionTests {
    typealias K = ZCachedKeyCommands
    typealias S = ZCachedServerCommands

    static func configuration(_ endpoint: ZCachedTestEndpoint, requestTimeout: Duration = .seconds(5), reconnect: Bool = true) -> ZCachedConnectionConfiguration {
        ZCachedConnectionConfiguration(
            host: endpoint.host,
            port: endpoint.port,
            connectTimeout: .seconds(2),
            requestTimeout: requestTimeout,
            reconnect: reconnect,
            connectionAttempts: 5,
            backoff: ExponentialBackoff(initial: .milliseconds(20), multiplier: 2, max: .milliseconds(200))
        )
    }

    static func withConnection(
        requestTimeout: Duration = .seconds(5),
        reconnect: Bool = true,
        _ body: (ZCachedNIOConnection, ZCachedTestEndpoint) async throws -> Void
    ) async throws {
        try await ZCachedTestEndpoint.with(
            opening: { try await ZCachedNIOConnection.connect(configuration: configuration($0, requestTimeout: requestTimeout, reconnect: reconnect)) },
            closing: { await $0.close() },
            body
        )
    }

    @Test func roundTripsEveryValueType() async throws {
        try await Self.withConnection { connection, _ in
            let key = "nio-roundtrip-\(UInt64.random(in: 0...UInt64.max))"
            let value: ZCachedValue = ["s", .simpleString("t"), 1, 2.5, .double(.nan), true, nil, .orderedSet([1]), .unorderedSet([]), ["k": [1]]]
            try await connection.send(K.Set(key, value))
            #expect(try await connection.send(K.Get(key)) == value)
            #expect(try await connection.send(K.Get(key + "-missing")) == nil)
            #expect(try await connection.send(K.Delete(key)) == true)
            try await connection.send(S.Ping())
        }
    }

    /// The pool steers requests away from a locked connection. With kilobyte values the window
    /// is full from the third request on, long before the pending count (64) once said so.
    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aConnectionIsLockedWhileRequestsQueueBehindItsWindow() async throws {
        try await Self.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            server.faults.inject(.delayReply(.milliseconds(500)), on: .nextRequest)
            let value = ZCachedValue.bulkString(String(repeating: "v", count: 1500))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<6 {
                    group.addTask { try await connection.send(K.Set("nio-locked-\(index)", value)) }
                }
                try await ZCachedEventually.holds { connection.isLocked }
                try await group.waitForAll()
            }
            #expect(!connection.isLocked, "no request waits once the queue drained")
        }
    }

    @Test func concurrentCallersEachGetTheirOwnReply() async throws {
        try await Self.withConnection { connection, endpoint in
            let prefix = "nio-concurrent-\(UInt64.random(in: 0...UInt64.max))"
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<500 {
                    group.addTask {
                        let key = "\(prefix)-\(task)"
                        let value = ZCachedValue.bulkString("value-\(task)-\(String(repeating: "x", count: task % 97))")
                        try await connection.send(K.Set(key, value))
                        let read = try await connection.send(K.Get(key))
                        #expect(read == value)
                        #expect(try await connection.send(S.Echo(key)) == key)
                    }
                }
                try await group.waitForAll()
            }
            #expect(connection.pendingRequestCount == 0)
            if let server = endpoint.server {
                #expect(server.statistics.maximumBytesInFlight <= 4096)
                #expect(server.statistics.bufferShiftingReads == 0)
                #expect(await connection.peakBytesInFlight <= 4096)
                #expect(await connection.peakBytesInFlight > 100, "requests were pipelined")
            }
        }
    }

    /// Callers resumed together on the connection's loop send together: their requests form one
    /// group behind one sentinel ECHO, not a group and a sentinel each.
    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func callersOnTheLoopShareOneSentinelPerBurst() async throws {
        try await Self.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            let callers = 16
            let requestsPerCaller = 20
            let before = server.statistics.requestsReceived
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<callers {
                    group.addTask(executorPreference: connection.taskExecutor) { () async throws in
                        for request in 0..<requestsPerCaller {
                            #expect(try await connection.send(S.Echo("c\(caller)-r\(request)")) == "c\(caller)-r\(request)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let sent = callers * requestsPerCaller
            let sentinels = server.statistics.requestsReceived - before - sent
            #expect(sentinels <= sent / 4, "\(sentinels) sentinels for \(sent) requests")
        }
    }

    @Test func refusedRequestsSendNothing() async throws {
        try await Self.withConnection { connection, endpoint in
            try await connection.send(S.Ping())
            let before = endpoint.server?.statistics.requestsReceived
            let error = await #expect(throws: ZCachedError.self) { try await connection.send(K.Set("k", "a\r\nb")) }
            #expect(error?.code == .invalidArgument)
            await #expect(throws: ZCachedError.self) { try await connection.send(ZCachedRawCommand("GET", [1])) }
            try await connection.send(S.Ping())
            if let before, let server = endpoint.server {
                #expect(server.statistics.requestsReceived == before + 1)
            }
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aLateReplyTimesOutClosesTheConnectionAndReconnects() async throws {
        try await Self.withConnection(requestTimeout: .milliseconds(300)) { connection, endpoint in
            let server = try #require(endpoint.server)
            server.faults.inject(.delayReply(.seconds(2)), on: .command("GET"))
            async let other: Void = connection.send(S.Ping())
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: ZCachedError.self) { try await connection.send(K.Get("slow")) }
            #expect(error?.code == .timeout)
            #expect(clock.now - start < .seconds(2))
            _ = try? await other
            server.faults.removeAll()
            try await Self.eventually { try await connection.send(S.Ping()) }
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aReplyThatDoesNotFitItsCommandClosesTheLinkItCameFrom() async throws {
        try await Self.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            let misfit = ZCachedFault.replaceReply(with: Array(":1\r\n".utf8))
            let accepted = server.statistics.connectionsAccepted
            // Judged as the reply was read: the link is down (reconnecting, or already replaced)
            // before its caller hears of it, so no request can go out on it in between.
            let linkIsGone = { @Sendable (link: Int) in connection.state != .connected || connection.linkOrder != link }
            server.faults.inject(misfit, on: .nextRequest)
            var link = connection.linkOrder
            let error = await #expect(throws: ZCachedError.self) { try await connection.send(K.Set("misfit", 1)) }
            #expect(error?.code == .unexpectedReply)
            #expect(linkIsGone(link))
            try await Self.eventually { try await connection.send(S.Ping()) }
            #expect(server.statistics.connectionsAccepted == accepted + 1, "a SET answered with an integer: the link was replaced")

            server.faults.inject(misfit, on: .nextRequest)
            link = connection.linkOrder
            let outcomes = try await connection.pipeline([K.Set("misfit-a", 1), K.Set("misfit-b", 2)])
            #expect(outcomes.count == 2)
            #expect(linkIsGone(link))
            try await Self.eventually { try await connection.send(S.Ping()) }
            #expect(server.statistics.connectionsAccepted == accepted + 2, "the same from a batch")
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aReplyThatDoesNotFitItsCommandFailsTheRestOfItsGroup() async throws {
        try await Self.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            // ECHO "b" answered "a": the reply of the request before it, as if the two had been
            // swapped. The ECHO "a" that got an "a" is no more to be trusted than its group.
            server.faults.inject(.replaceReply(with: Array("$1\r\na\r\n".utf8)), on: .requestNumber(server.statistics.requestsReceived + 2))
            let outcomes = try await connection.pipeline([S.Echo("a"), S.Echo("b")])
            #expect(outcomes.map(\.error?.code) == [.protocolViolation, .unexpectedReply])
        }
    }

    /// A call that reaches the connection with under 1/32 of its request timeout left (it
    /// waited for a recovery, say) sends nothing: the request would time out after the server
    /// ran it.
    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aCallWithTooLittleTimeLeftSendsNothing() async throws {
        try await Self.withConnection(requestTimeout: .seconds(5)) { connection, endpoint in
            let server = try #require(endpoint.server)
            try await connection.send(S.Ping())
            let before = server.statistics.requestsReceived
            // 5 s / 32 is 156 ms.
            let almostDue = NIODeadline.now() + .milliseconds(100)
            let error = await #expect(throws: ZCachedError.self) { try await connection.send(K.Set("unsent", "value"), by: almostDue) }
            #expect(error?.code == .timeout)
            #expect(error?.message.contains("not sent") == true, "\(String(describing: error))")
            let batchError = await #expect(throws: ZCachedError.self) { try await connection.pipeline([K.Set("unsent", "value")], by: almostDue) }
            #expect(batchError?.code == .timeout)
            #expect(server.statistics.requestsReceived == before)
            #expect(try await connection.send(K.Get("unsent")) == nil)
        }
    }

    /// A reply later than its call's deadline fails the call with a timeout and is dropped when
    /// it comes: the link stays open and the next caller gets its own reply.
    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aReplyAfterTheCallsDeadlineIsDroppedAndTheLinkStaysOpen() async throws {
        try await Self.withConnection(requestTimeout: .seconds(10)) { connection, endpoint in
            let server = try #require(endpoint.server)
            try await connection.send(K.Set("a", "one"))
            try await connection.send(K.Set("b", "two"))
            let link = connection.linkOrder
            // Each GET's reply comes 1 s after the one before, well inside the requests' own
            // 10 s; each call gives up after 0.5 s, with more than the 1/32 (312 ms) it needs.
            server.faults.inject(.delayReply(.seconds(1)), on: .command("GET"))
            let error = await #expect(throws: ZCachedError.self) {
                try await connection.send(K.Get("a"), by: .now() + .milliseconds(500))
            }
            #expect(error?.code == .timeout)
            #expect(error?.message.contains("may or may not have run") == true, "\(String(describing: error))")
            let outcomes = try await connection.pipeline([K.Get("a"), K.Get("b")], by: .now() + .milliseconds(500))
            #expect(outcomes.map(\.error?.code) == [.timeout, .timeout])
            server.faults.removeAll()
            #expect(try await connection.send(K.Get("b")) == "two", "the late replies of a were dropped")
            #expect(connection.state == .connected && connection.linkOrder == link, "the link stayed open")
        }
    }

    /// On a loop running late, NIO may run a due scheduled task ahead of immediate tasks queued
    /// before it: the expiry must still come after the request it withdraws has reached the
    /// handler, or the call outlives its deadline.
    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aCallDeadlineHoldsOnALoopRunningLate() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try await ZCachedTestEndpoint.with(
            opening: { try await ZCachedNIOConnection.connect(configuration: Self.configuration($0), eventLoopGroup: group) },
            closing: { await $0.close() }
        ) { connection, _ in
            let loop = connection.taskExecutor.eventLoop
            let deadline = NIODeadline.now() + .milliseconds(400)
            // The loop is kept busy past the deadline. Once it is, another task and then the
            // request are queued, so when the loop is free the expiry is due and taken with the
            // first of them, ahead of the request's hand-off.
            await withCheckedContinuation { (busy: CheckedContinuation<Void, Never>) in
                loop.execute {
                    busy.resume()
                    while NIODeadline.now() < deadline + .milliseconds(100) {}
                }
            }
            loop.execute {}
            let error = await #expect(throws: ZCachedError.self) { try await connection.send(S.Ping(), by: deadline) }
            #expect(error?.code == .timeout, "\(String(describing: error))")
            try await connection.send(S.Ping())
        }
        try await group.shutdownGracefully()
    }

    @Test func timeoutsOfCenturiesMeanPracticallyNever() async throws {
        try await ZCachedTestEndpoint.with(
            opening: { endpoint in
                var configuration = Self.configuration(endpoint)
                configuration.connectTimeout = .seconds(Int64.max)
                configuration.requestTimeout = .seconds(Int64.max)
                return try await ZCachedNIOConnection.connect(configuration: configuration)
            },
            closing: { await $0.close() }
        ) { connection, _ in
            try await connection.send(S.Ping())
            // A call deadline that far out saturates; it must not read as "too little time left".
            try await connection.send(S.Ping(), by: NIODeadline.now() + TimeAmount.seconds(Int64.max))
            #expect(try await connection.pipeline([S.Ping()], by: .distantFuture).count == 1)
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aDroppedLinkFailsInFlightRequestsThenReconnects() async throws {
        try await Self.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            let firstLink = connection.linkOrder
            server.faults.inject(.closeConnection, on: .command("GET"))
            let error = await #expect(throws: ZCachedError.self) { try await connection.send(K.Get("k")) }
            #expect(error?.code == .connectionReestablished)
            try await Self.eventually { try await connection.send(S.Ping()) }
            #expect(connection.state == .connected)
            #expect(connection.linkOrder > firstLink, "the new link is numbered as the newest")
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aCorruptTerminatorIsAProtocolViolation() async throws {
        try await Self.withConnection(reconnect: false) { connection, endpoint in
            let server = try #require(endpoint.server)
            server.faults.inject(.corruptTerminator, on: .command("DBSIZE"))
            let error = await #expect(throws: ZCachedError.self) { try await connection.send(S.DBSize()) }
            #expect(error?.code == .protocolViolation)
            await #expect(throws: ZCachedError.self) { try await connection.send(S.Ping()) }
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func repliesSplitIntoSingleBytesStillDecode() async throws {
        try await Self.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            server.faults.inject(.splitReplyIntoSingleBytes, on: .everyRequest)
            #expect(try await connection.send(S.Echo("hello split world")) == "hello split world")
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func cancellingAWaitingCallerLeavesTheConnectionUsable() async throws {
        try await Self.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            server.faults.inject(.delayReply(.milliseconds(300)), on: .command("ECHO"))
            let before = server.statistics.requestsReceived
            let task = Task { try await connection.send(S.Echo("cancel me")) }
            // Wait until the server has the request: this tests withdrawing a request already
            // sent (one cancelled earlier is never sent, see EarlyCancellationsTests).
            try await Self.eventually {
                if server.statistics.requestsReceived == before { throw ZCachedError(code: .timeout, message: "not received yet") }
            }
            task.cancel()
            guard case .failure(let error as ZCachedError) = await task.result else {
                Issue.record("a cancelled caller must get an error")
                return
            }
            #expect(error.code == .cancelled)
            // The cancelled request's late reply is consumed, not handed to the next caller.
            #expect(try await connection.send(S.Echo("next")) == "next")
        }
    }

    @Test func connectingToAClosedPortFailsWithConnectFailed() async throws {
        let server = try await ZCachedTestServer.start()
        let port = server.port
        await server.shutdown()
        var configuration = ZCachedConnectionConfiguration(host: "127.0.0.1", port: port, connectTimeout: .seconds(1), connectionAttempts: 2)
        configuration.backoff = ExponentialBackoff(initial: .milliseconds(10))
        let error = await #expect(throws: ZCachedError.self) { try await ZCachedNIOConnection.connect(configuration: configuration) }
        #expect(error?.code == .connectFailed)
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func reconnectsAfterTheServerRestartsOnTheSamePort() async throws {
        try await Self.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            try await connection.send(K.Set("survives", 1))
            try await server.restart()
            try await Self.eventually { try await connection.send(S.Ping()) }
            #expect(try await connection.send(K.Get("survives")) == 1)
        }
    }

    /// A reconnect whose new link is still in its link check when the owner closes the
    /// connection is stopped and waited for: nothing of the connection outlives `close()`.
    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func closeStopsAndAwaitsAReconnectInProgress() async throws {
        let endpoint = try await ZCachedTestEndpoint.start()
        let server = try #require(endpoint.server)
        var connection: ZCachedNIOConnection? = try await ZCachedNIOConnection.connect(configuration: Self.configuration(endpoint))
        // The next link's check waits far longer than the test.
        server.faults.inject(.delayReply(.seconds(60)), on: .command("PING"))
        server.faults.inject(.closeConnection, on: .command("DBSIZE"))
        _ = try? await connection?.send(S.DBSize())
        try await ZCachedEventually.holds { server.statistics.connectionsAccepted == 2 }
        let closed = WeakReference(connection)
        await connection?.close()
        connection = nil
        #expect(closed.object == nil, "the reconnect still held the connection after close() returned")
        await server.shutdown()
    }

    /// Retries `body` until it succeeds, for at most 5 seconds (see ``ZCachedEventually``).
    static func eventually(_ body: () async throws -> Void) async throws {
        try await ZCachedEventually.succeeds(body)
    }
}

/// A reference that does not keep its object alive.
private struct WeakReference<Object: AnyObject> {
    weak var object: Object?
    init(_ object: Object?) { self.object = object }
}
