import Synchronization
import Testing
import ZCachedClient
import ZCachedCore
import ZCachedTesting

/// ZCachedBlockingClient (one request in flight per POSIX connection) against a misbehaving
/// server: the right answer or a typed error, no hang, and recovery.
@Suite(.timeLimit(.minutes(1)))
struct BlockingClientReliabilityTests {
    static func withClient(
        server configuration: ZCachedTestServer.Configuration = .init(),
        poolSize: Int = 2,
        requestTimeout: Duration = .seconds(2),
        connectionAttempts: Int = 5,
        _ body: (ZCachedBlockingClient, ZCachedTestServer) async throws -> Void
    ) async throws {
        try await Reliability.withServer(configuration) { server in
            let client = try ZCachedBlockingClient(
                configuration: Reliability.configuration(
                    server, poolSize: poolSize, requestTimeout: requestTimeout, connectionAttempts: connectionAttempts
                )
            )
            do {
                try await body(client, server)
            } catch {
                client.close()
                throw error
            }
            client.close()
        }
    }

    /// A client of one connection (`configuration` must try once per reconnect) that a restart
    /// and a refused reconnect broke; the server accepts connections again.
    static func clientWithItsConnectionBroken(
        _ configuration: ZCachedConfiguration,
        _ server: ZCachedTestServer
    ) async throws -> ZCachedBlockingClient {
        let client = try ZCachedBlockingClient(configuration: configuration)
        server.faults.refusesConnections = true
        try await server.restart()
        #expect(throws: ZCachedError.self) { try client.ping() }
        #expect(client.pool.broken.count == 1)
        server.faults.refusesConnections = false
        return client
    }

    static func checkedCall(_ client: ZCachedBlockingClient, key: String, ledger: OutcomeLedger) {
        do {
            try client.set(key, key)
            ledger.reply(try client.get(key, as: String.self), expected: key)
            ledger.reply(try client.echo("echo-\(key)"), expected: "echo-\(key)")
        } catch {
            ledger.error(error)
        }
    }

    static func expectNoWrongAnswers(_ ledger: OutcomeLedger) {
        #expect(ledger.wrong.isEmpty, "replies delivered to the wrong caller: \(ledger.wrong.prefix(5))")
        #expect(ledger.untyped.isEmpty, "untyped errors: \(ledger.untyped.prefix(5))")
        #expect(ledger.errorCodes.isSubset(of: Reliability.connectionLossCodes), "\(ledger.errorCodes)")
    }

    @Test func restartMidLoadGivesTypedErrorsThenLoadResumes() async throws {
        try await Self.withClient(poolSize: 4) { client, server in
            let p = Reliability.uniquePrefix("blocking-restart")
            let ledger = OutcomeLedger()
            let stop = StopFlag()
            async let workers: Void = DedicatedThreads.run(6) { thread in
                var index = 0
                while !stop.isStopped {
                    Self.checkedCall(client, key: "\(p):\(thread):\(index)", ledger: ledger)
                    index += 1
                }
            }
            do {
                try await Reliability.waitUntil { ledger.correct >= 200 }
                try await server.restart()
                let afterRestart = ledger.correct
                try await Reliability.waitUntil { ledger.correct >= afterRestart + 500 }
            } catch {
                stop.stop()
                try? await workers
                throw error
            }
            stop.stop()
            try await workers
            Self.expectNoWrongAnswers(ledger)
            #expect(client.pool.all.allSatisfy { $0.pendingRequestCount == 0 })
        }
    }

    @Test func aConnectionThatFinishesOpeningAfterCloseIsClosedNotKept() async throws {
        try await Reliability.withServer { server in
            let gate = ConnectGate()
            var configuration = Reliability.configuration(server, poolSize: 1)
            configuration.connection.onStateChange = gate.observe
            let client = ZCachedBlockingClient(pool: ZCachedPool(), configuration: configuration)
            let outcome = Mutex<Result<Void, ZCachedError>?>(nil)
            async let extending: Void = DedicatedThreads.run(1) { _ in
                let result = Result { () throws(ZCachedError) in try client.extend(by: 1) }
                outcome.withLock { $0 = result }
            }
            await gate.waitUntilOpened()
            client.close()
            gate.letGo()
            try await extending
            let error = #expect(throws: ZCachedError.self) { try outcome.withLock { $0 }?.get() }
            #expect(error?.code == .connectionClosed)
            #expect(client.pool.count == 0, "a closed client holds no connection")
            #expect(gate.closedConnections == 1, "the connection that opened late was closed")
        }
    }

    @Test(arguments: LostReplyCase.all)
    func aLostReplyTimesOutAndNoReplyGoesToTheWrongCaller(_ lost: LostReplyCase) async throws {
        try await Self.withClient(poolSize: 4, requestTimeout: .milliseconds(500)) { client, server in
            let p = Reliability.uniquePrefix("blocking-lost")
            let accepted = server.statistics.connectionsAccepted
            server.faults.inject(lost.fault, on: .requestNumber(server.statistics.requestsReceived + 60))
            let ledger = OutcomeLedger()
            try await DedicatedThreads.run(8) { thread in
                for index in 0..<25 { Self.checkedCall(client, key: "\(p):\(thread):\(index)", ledger: ledger) }
            }
            Self.expectNoWrongAnswers(ledger)
            // One request in flight per connection: whether one reply or all later ones are lost,
            // the request waiting for it times out and its socket is closed.
            #expect(ledger.errorCodes == [.timeout], "exactly the lost reply fails, by timeout")
            // A blocking connection reconnects when next used, and the pool hands it its share
            // of requests: as many calls as connections reopen it, with no help from the caller.
            for _ in client.pool.all { try client.ping() }
            #expect(server.statistics.connectionsAccepted > accepted, "the timed-out connection was replaced")
            #expect(client.pool.connectedCount == 4, "the pool is whole again")
        }
    }

    @Test(arguments: ReplyFaultCase.all)
    func aBrokenReplyFailsTypedAndTheConnectionIsReplaced(_ fault: ReplyFaultCase) async throws {
        try await Self.withClient(poolSize: 1, requestTimeout: .milliseconds(500)) { client, server in
            try client.ping()
            let accepted = server.statistics.connectionsAccepted
            server.faults.inject(fault.fault, on: .nextRequest)
            fault.check(Result { () throws(ZCachedError) in try client.echo("hit") }, message: "hit")
            let message = Reliability.uniquePrefix("after")
            #expect(try await Reliability.eventually { try client.echo(message) } == message)
            if fault.replacesConnection {
                #expect(server.statistics.connectionsAccepted > accepted)
            }
        }
    }

    @Test func refusedConnectionFailsToConnect() async throws {
        let server = try await ZCachedTestServer.start()
        await server.shutdown()
        let error = #expect(throws: ZCachedError.self) {
            _ = try ZCachedBlockingClient(configuration: Reliability.configuration(server, connectionAttempts: 1))
        }
        #expect(error?.code == .connectFailed)
    }

    @Test func acceptedThenClosedConnectionsFailTypedAndAreCleanedUp() async throws {
        try await Self.withClient(poolSize: 2, connectionAttempts: 2) { client, server in
            server.faults.refusesConnections = true
            try await server.restart()
            for _ in 0..<2 {
                let error = #expect(throws: ZCachedError.self) { try client.ping() }
                #expect(error.map { Reliability.connectionLossCodes.contains($0.code) } == true, "\(String(describing: error))")
            }
            let broken = client.pool.broken.count
            #expect(client.cleanUpBroken() == broken)
            #expect(client.pool.broken.isEmpty)
            server.faults.refusesConnections = false
            try await Reliability.eventually {
                if client.pool.count < 2 { try client.extend(by: 2 - client.pool.count) }
                try client.ping()
            }
        }
    }

    /// A restart longer than the connect attempts breaks the connections; once the server is
    /// back, the next call replaces them, without the application's help.
    @Test func brokenConnectionsAreReplacedWhenACallFindsNoneUsable() async throws {
        try await Self.withClient(poolSize: 2, connectionAttempts: 2) { client, server in
            server.faults.refusesConnections = true
            try await server.restart()
            // A blocking connection finds its link gone when it is next used.
            for _ in 0..<2 { #expect(throws: ZCachedError.self) { try client.ping() } }
            #expect(client.pool.broken.count == 2)
            server.faults.refusesConnections = false
            // The second ping passed over the first broken connection and tried to replace it in
            // the background, refused: the next recovery may wait out the gate's rest (100 ms).
            try await Reliability.eventually { try client.ping() }
            #expect(client.pool.count == 2 && client.pool.broken.isEmpty, "the other broken connection was replaced too")
        }
    }

    /// Connect attempts can take far longer than a request may: the call that replaces broken
    /// connections gives up at its request timeout.
    @Test func aCallWaitsForReplacementsAtMostItsRequestTimeout() async throws {
        try await Reliability.withServer { server in
            var configuration = Reliability.configuration(
                server, poolSize: 1, requestTimeout: .milliseconds(300), connectionAttempts: 1
            )
            configuration.connection.connectTimeout = .seconds(20)
            let client = try await Self.clientWithItsConnectionBroken(configuration, server)
            // A new link's check would wait the whole connect timeout for its PONG.
            server.faults.inject(.delayReply(.seconds(30)), on: .command("PING"))
            let started = ContinuousClock.now
            let error = #expect(throws: ZCachedError.self) { try client.dbsize() }
            #expect(error?.code == .noAvailableConnections)
            #expect(ContinuousClock.now - started < .seconds(10), "it gave up long before the connect timeout")
            client.close()
        }
    }

    /// A refill cut short leaves the pool smaller, but only until the next recovery: that one
    /// refills to the size the application asked for, not to the size the pool had shrunk to.
    @Test func aRecoveryRefillsThePoolToTheSizeAskedFor() async throws {
        try await Reliability.withServer { server in
            var configuration = Reliability.configuration(server, poolSize: 3, connectionAttempts: 1)
            // Armed below: the first link to come back fills the server up again.
            let refusal = RefusalAfterNextLink(server)
            configuration.connection.onStateChange = refusal.observe
            let client = try ZCachedBlockingClient(configuration: configuration)
            server.faults.refusesConnections = true
            try await server.restart()
            for _ in 0..<3 { _ = try? client.ping() }
            #expect(client.pool.broken.count == 3)
            refusal.arm()
            server.faults.refusesConnections = false
            try await Reliability.eventually { try client.ping() }
            #expect(client.pool.count == 1, "the refill this test cuts short")
            // Every connection breaks once more, and the server is back for good.
            server.faults.refusesConnections = true
            try await server.restart()
            _ = try? client.ping()
            #expect(client.pool.broken.count == 1)
            server.faults.refusesConnections = false
            try await Reliability.eventually { try client.ping() }
            #expect(client.pool.count == 3)
            #expect(client.pool.connectedCount == 3)
        }
    }

    /// Connections broken while others still serve (their reconnects were refused) are
    /// replaced in the background once the server accepts again, not left out until every
    /// connection has broken.
    @Test func connectionsBrokenWhileOthersServeAreReplacedInTheBackground() async throws {
        try await Self.withClient(poolSize: 3, connectionAttempts: 1) { client, server in
            try await server.restart()
            server.faults.refusesConnections = true
            for _ in 0..<2 { #expect(throws: ZCachedError.self) { try client.ping() } }
            #expect(client.pool.broken.count == 2)
            server.faults.refusesConnections = false
            try client.ping()
            try await Reliability.waitUntil {
                _ = try? client.ping()
                return client.pool.connectedCount == 3 && client.pool.count == 3
            }
        }
    }

    /// The call that replaces broken connections counts that time against its own request
    /// timeout: it does not start a fresh one for the request after.
    @Test func aCallThatReplacesConnectionsKeepsItsOwnRequestTimeout() async throws {
        try await Reliability.withServer { server in
            let configuration = Reliability.configuration(server, poolSize: 1, requestTimeout: .milliseconds(400), connectionAttempts: 1)
            let client = try await Self.clientWithItsConnectionBroken(configuration, server)
            // The replacement's link check takes 250 ms of the call's 400, the DBSIZE 250 more.
            server.faults.inject(.delayReply(.milliseconds(250)), on: .command("PING"))
            server.faults.inject(.delayReply(.milliseconds(250)), on: .command("DBSIZE"))
            let error = #expect(throws: ZCachedError.self) { try client.dbsize() }
            #expect(error?.code == .timeout, "\(String(describing: error))")
            client.close()
        }
    }

    /// A reconnect that leaves the request almost no time must not write it: it would time out
    /// after the server ran it, and close the link just opened.
    @Test func aReconnectThatUsesUpTheRequestsTimeSendsNothing() async throws {
        try await Self.withClient(poolSize: 1, requestTimeout: .seconds(1)) { client, server in
            try client.ping()
            try await server.restart()
            // The new link's check answers with at most 15 ms of the request's second left, and
            // the SET itself would take 50 ms.
            server.faults.inject(.delayReply(.milliseconds(985)), on: .command("PING"))
            server.faults.inject(.delayReply(.milliseconds(50)), on: .command("SET"))
            let error = #expect(throws: ZCachedError.self) { try client.set("late", "value") }
            #expect(error?.code == .timeout, "\(String(describing: error))")
            server.faults.removeAll()
            #expect(try client.get("late") == nil, "the SET was not sent")
        }
    }

    @Test func aRequestOverTheServerLimitClosesTheConnectionAndTheClientRecovers() async throws {
        try await Self.withClient(server: .init(maximumRequestSize: 1000), poolSize: 1) { client, _ in
            let error = #expect(throws: ZCachedError.self) {
                try client.set("big", .bulkString([UInt8](repeating: 0x61, count: 20_000)))
            }
            #expect(error.map { ReplyFaultCase.closedCodes.contains($0.code) } == true, "\(String(describing: error))")
            try await Reliability.eventually { try client.ping() }
        }
    }

    @Test(arguments: RefusedInputs.all)
    func aRefusedInputSendsNoByte(_ input: RefusedInputs.Case) async throws {
        try await Self.withClient(poolSize: 1) { client, server in
            try client.ping()
            let before = server.statistics
            let error = #expect(throws: ZCachedError.self) { try input.send(through: client) }
            #expect(error?.code == .invalidArgument)
            #expect(server.statistics.requestsReceived == before.requestsReceived)
            #expect(server.statistics.bytesReceived == before.bytesReceived)
            try client.ping()
        }
    }

    @Test func aRawCrashingSocketGivesCallersTypedErrorsAndTheyRecoverAfterRestart() async throws {
        try await Self.withClient(poolSize: 1, connectionAttempts: 2) { client, server in
            server.faults.emulatesCrashes = true
            let refused = #expect(throws: ZCachedError.self) { try client.send(ZCachedRawCommand("GET", [1])) }
            #expect(refused?.code == .invalidArgument, "the SDK cannot send GET :1")
            try client.ping()
            let crasher = try RawTestConnection(host: server.host, port: server.port)
            try crasher.send(Array("*2\r\n$3\r\nGET\r\n:1\r\n\u{03}".utf8))
            #expect(crasher.waitForClose())
            // The server closes the client's socket on another event loop: wait for a call to see it.
            let failure = try await Reliability.eventually { () throws -> ZCachedError in
                guard let failure = Result(catching: { () throws(ZCachedError) in try client.ping() }).error else {
                    throw ZCachedEventually.NotYet()
                }
                return failure
            }
            #expect(Reliability.connectionLossCodes.contains(failure.code), "\(failure)")
            try await server.restart()
            // The blocking client has no reconnectBroken(): replace broken connections instead.
            try await Reliability.eventually {
                client.cleanUpBroken()
                if client.pool.count == 0 { try client.extend(by: 1) }
                try client.ping()
            }
        }
    }
}
