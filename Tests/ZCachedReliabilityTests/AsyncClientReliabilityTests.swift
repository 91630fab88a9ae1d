import Testing
import ZCachedClient
import ZCachedCore
import ZCachedTesting

/// ZCachedClient (pipelined NIO connections) against a misbehaving server: every caller gets
/// the right answer or a typed error, nothing hangs, and the pool recovers.
@Suite(.timeLimit(.minutes(1)))
struct AsyncClientReliabilityTests {
    static func withClient(
        server configuration: ZCachedTestServer.Configuration = .init(),
        poolSize: Int = 2,
        requestTimeout: Duration = .seconds(2),
        connectionAttempts: Int = 5,
        _ body: (ZCachedClient, ZCachedTestServer) async throws -> Void
    ) async throws {
        try await Reliability.withServer(configuration) { server in
            let client = ZCachedClient(
                configuration: Reliability.configuration(
                    server, poolSize: poolSize, requestTimeout: requestTimeout, connectionAttempts: connectionAttempts
                )
            )
            try await client.connect()
            do {
                try await body(client, server)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
        }
    }

    /// One call of the checked load: SET and GET a unique value, ECHO another.
    static func checkedCall(_ client: ZCachedClient, key: String, ledger: OutcomeLedger) async {
        do {
            try await client.set(key, key)
            ledger.reply(try await client.get(key, as: String.self), expected: key)
            ledger.reply(try await client.echo("echo-\(key)"), expected: "echo-\(key)")
        } catch {
            ledger.error(error)
        }
    }

    static func expectNoWrongAnswers(_ ledger: OutcomeLedger, allowed: Set<ZCachedError.Code> = Reliability.connectionLossCodes) {
        #expect(ledger.wrong.isEmpty, "replies delivered to the wrong caller: \(ledger.wrong.prefix(5))")
        #expect(ledger.untyped.isEmpty, "untyped errors: \(ledger.untyped.prefix(5))")
        #expect(ledger.errorCodes.isSubset(of: allowed), "\(ledger.errorCodes)")
    }

    @Test func restartMidLoadGivesTypedErrorsThenLoadResumes() async throws {
        try await Self.withClient(poolSize: 4) { client, server in
            let p = Reliability.uniquePrefix("async-restart")
            let ledger = OutcomeLedger()
            let stop = StopFlag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { stop.stop() }
                for worker in 0..<16 {
                    group.addTask {
                        var index = 0
                        while !stop.isStopped {
                            let failures = ledger.errorCount
                            await Self.checkedCall(client, key: "\(p):\(worker):\(index)", ledger: ledger)
                            index += 1
                            // A reconnecting pool fails calls without suspending: back off like a
                            // real caller so the workers cannot starve the test's own task.
                            if ledger.errorCount > failures { try await Task.sleep(for: .milliseconds(1)) }
                        }
                    }
                }
                try await Reliability.waitUntil { ledger.correct >= 200 }
                try await server.restart()
                let afterRestart = ledger.correct
                try await Reliability.waitUntil { ledger.correct >= afterRestart + 500 }
                stop.stop()
                try await group.waitForAll()
            }
            Self.expectNoWrongAnswers(ledger)
            try await Reliability.waitUntil { client.pool.connectedCount == 4 }
            #expect(client.pool.all.allSatisfy { $0.pendingRequestCount == 0 })
        }
    }

    @Test(arguments: LostReplyCase.all)
    func aLostReplyTimesOutReplacesTheConnectionAndNoReplyGoesToTheWrongCaller(_ lost: LostReplyCase) async throws {
        try await Self.withClient(poolSize: 2, requestTimeout: .milliseconds(500)) { client, server in
            let p = Reliability.uniquePrefix("async-lost")
            let accepted = server.statistics.connectionsAccepted
            server.faults.inject(lost.fault, on: .requestNumber(server.statistics.requestsReceived + 60))
            let ledger = OutcomeLedger()
            await withTaskGroup(of: Void.self) { group in
                for task in 0..<200 {
                    group.addTask { await Self.checkedCall(client, key: "\(p):\(task)", ledger: ledger) }
                }
            }
            Self.expectNoWrongAnswers(ledger, allowed: Reliability.connectionLossCodes.union(lost.pipelinedDetection))
            #expect(!ledger.errorCodes.isDisjoint(with: lost.pipelinedDetection), "the loss is detected: \(ledger.errorCodes)")
            // The closed link is noticed on its event loop, possibly after the callers heard of
            // the timeout: wait for the replacement itself, not just for two connected links.
            try await Reliability.waitUntil { client.pool.connectedCount == 2 && server.statistics.connectionsAccepted > accepted }
            #expect(server.statistics.connectionsAccepted > accepted, "the timed-out connection was replaced")
            #expect(client.pool.all.allSatisfy { $0.pendingRequestCount == 0 }, "no caller is left waiting")
            for connection in client.pool.all { try await connection.ping() }
        }
    }

    @Test(arguments: ReplyFaultCase.all)
    func aBrokenReplyFailsTypedAndTheConnectionIsReplaced(_ fault: ReplyFaultCase) async throws {
        try await Self.withClient(poolSize: 1, requestTimeout: .milliseconds(500)) { client, server in
            try await client.ping()
            let accepted = server.statistics.connectionsAccepted
            server.faults.inject(fault.fault, on: .nextRequest)
            fault.check(await Result { () async throws(ZCachedError) in try await client.echo("hit") }, message: "hit")
            let message = Reliability.uniquePrefix("after")
            #expect(try await Reliability.eventually { try await client.echo(message) } == message)
            if fault.replacesConnection {
                #expect(server.statistics.connectionsAccepted > accepted)
            }
        }
    }

    @Test func refusedConnectionFailsToConnect() async throws {
        let server = try await ZCachedTestServer.start()
        await server.shutdown()
        let client = ZCachedClient(configuration: Reliability.configuration(server, connectionAttempts: 1))
        let error = await #expect(throws: ZCachedError.self) { try await client.connect() }
        #expect(error?.code == .connectFailed)
        await client.close()
    }

    @Test func cancellingAConnectWaitingToRetryFailsWithCancelled() async throws {
        let server = try await ZCachedTestServer.start()
        await server.shutdown()
        var configuration = Reliability.configuration(server, connectionAttempts: 5)
        configuration.connection.backoff = ExponentialBackoff(initial: .seconds(60), multiplier: 1, max: .seconds(60))
        let client = ZCachedClient(configuration: configuration)
        let connecting = Task { try await client.connect() }
        connecting.cancel()
        // Refused at once, then the 60 s wait for the next attempt ends on cancellation: a
        // shutdown, not a failure to connect (it was reported as `connectFailed` and logged so).
        let error = await #expect(throws: ZCachedError.self) { try await connecting.value }
        #expect(error?.code == .cancelled, "\(String(describing: error))")
        await client.close()
    }

    /// A service group cancelled during start-up must not open the rest of the pool only to close
    /// it: that churn is what silences other connections on the real server (§4.2).
    @Test func aCancelledConnectOpensNoConnection() async throws {
        try await Reliability.withServer { server in
            let client = ZCachedClient(configuration: Reliability.configuration(server, poolSize: 2))
            let connecting = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await client.connect()
            }
            let error = await #expect(throws: ZCachedError.self) { try await connecting.value }
            #expect(error?.code == .cancelled)
            #expect(client.pool.count == 0)
            #expect(server.statistics.connectionsAccepted == 0)
            await client.close()
        }
    }

    /// A connected client whose connections a restart broke (the server refuses new
    /// connections until the test lets it accept again).
    static func clientWithEveryConnectionBroken(
        _ configuration: ZCachedConfiguration,
        _ server: ZCachedTestServer
    ) async throws -> ZCachedClient {
        let client = ZCachedClient(configuration: configuration)
        try await client.connect()
        server.faults.refusesConnections = true
        try await server.restart()
        try await Reliability.waitUntil { client.pool.broken.count == configuration.poolSize }
        return client
    }

    @Test func aConnectionThatFinishesOpeningAfterCloseIsClosedNotKept() async throws {
        try await Reliability.withServer { server in
            let gate = ConnectGate()
            var configuration = Reliability.configuration(server, poolSize: 1)
            configuration.connection.onStateChange = gate.observe
            let client = ZCachedClient(configuration: configuration)
            let connecting = Task { try await client.connect() }
            await gate.waitUntilOpened()
            await client.close()
            gate.letGo()
            let error = await #expect(throws: ZCachedError.self) { try await connecting.value }
            #expect(error?.code == .connectionClosed)
            #expect(client.pool.count == 0, "a closed client holds no connection")
            #expect(gate.closedConnections == 1, "the connection that opened late was closed")
        }
    }

    @Test
    func acceptedThenClosedConnectionsBreakAndAreCleanedUp() async throws {
        try await Self.withClient(poolSize: 2, connectionAttempts: 2) { client, server in
            server.faults.refusesConnections = true
            try await server.restart()
            try await Reliability.waitUntil { client.pool.broken.count == 2 }
            let error = await #expect(throws: ZCachedError.self) { try await client.ping() }
            #expect(error.map { [.noAvailableConnections, .connectionClosed].contains($0.code) } == true, "\(String(describing: error))")
            #expect(await client.cleanUpBroken() == 2)
            #expect(client.pool.count == 0)
            server.faults.refusesConnections = false
            try await client.connect()
            try await client.ping()
        }
    }

    /// A restart longer than the connect attempts (zcached takes up to a second to stop) breaks
    /// every connection; the next call must bring them back, not fail until the application
    /// calls `reconnectBroken()`.
    @Test func brokenConnectionsReconnectWhenACallFindsNoneUsable() async throws {
        try await Self.withClient(poolSize: 2, connectionAttempts: 2) { client, server in
            server.faults.refusesConnections = true
            try await server.restart()
            try await Reliability.waitUntil { client.pool.broken.count == 2 }
            server.faults.refusesConnections = false
            try await client.ping()
            // The others reconnect after the call got its connection.
            try await Reliability.waitUntil { client.pool.connectedCount == 2 }
        }
    }

    /// A recovery that brings back only some connections (the server fills up again, say) must
    /// not leave the others broken for good while the first serves: calls that pass over them
    /// start another recovery, one per backoff maximum, in the background.
    @Test func connectionsAPartialRecoveryLeftBrokenAreTriedAgainWhileOthersServe() async throws {
        try await Reliability.withServer { server in
            var configuration = Reliability.configuration(server, poolSize: 3, connectionAttempts: 1)
            // Armed below: the first link to come back fills the server up again.
            let refusal = RefusalAfterNextLink(server)
            configuration.connection.onStateChange = refusal.observe
            let client = try await Self.clientWithEveryConnectionBroken(configuration, server)
            refusal.arm()
            server.faults.refusesConnections = false
            try await client.ping()
            try await Reliability.waitUntil { client.pool.broken.count == 2 }
            #expect(client.pool.connectedCount == 1, "the partial recovery this test sets up")
            server.faults.refusesConnections = false
            try await Reliability.waitUntil {
                _ = try? await client.ping()
                return client.pool.connectedCount == 3
            }
            await client.close()
        }
    }

    /// A call cancelled while it waits for the recovery is told so, not that no connection was
    /// available.
    @Test func aCallCancelledWhileWaitingForTheRecoveryFailsAsCancelled() async throws {
        try await Reliability.withServer { server in
            var configuration = Reliability.configuration(server, poolSize: 1, requestTimeout: .seconds(30), connectionAttempts: 2)
            configuration.connection.connectTimeout = .seconds(30)
            let client = try await Self.clientWithEveryConnectionBroken(configuration, server)
            // The recovery's link is accepted, then its check waits for a PONG for the whole
            // connect timeout: the call is still waiting when it is cancelled.
            server.faults.inject(.delayReply(.seconds(60)), on: .command("PING"))
            server.faults.refusesConnections = false
            let accepted = server.statistics.connectionsAccepted
            let call = Task { try await client.ping() }
            try await Reliability.waitUntil { server.statistics.connectionsAccepted > accepted }
            call.cancel()
            let error = await #expect(throws: ZCachedError.self) { try await call.value }
            #expect(error?.code == .cancelled)
            await client.close()
        }
    }

    /// Connect attempts and their backoff delays can take far longer than a request may: the
    /// call that starts the recovery waits at most its request timeout, and the recovery goes on
    /// without it.
    @Test func aCallWaitsForTheRecoveryAtMostItsRequestTimeout() async throws {
        try await Reliability.withServer { server in
            var configuration = Reliability.configuration(
                server, poolSize: 1, requestTimeout: .milliseconds(200), connectionAttempts: 2
            )
            configuration.connection.backoff = ExponentialBackoff(initial: .seconds(1), multiplier: 1, max: .seconds(1))
            let client = try await Self.clientWithEveryConnectionBroken(configuration, server)
            // The recovery's first attempt is refused, its second comes 1 s later: five request
            // timeouts after the call began.
            let error = await #expect(throws: ZCachedError.self) { try await client.dbsize() }
            #expect(error?.code == .noAvailableConnections)
            server.faults.refusesConnections = false
            try await Reliability.waitUntil { client.pool.connectedCount == 1 }
            #expect(try await client.dbsize() >= 0, "the recovery's second attempt reconnected")
            await client.close()
        }
    }

    /// The call that waits for a recovery counts that wait against its own request timeout: the
    /// request after it gets only what is left. Its reply, arriving after that, is dropped and
    /// the link stays open.
    @Test func aCallThatWaitsForTheRecoveryKeepsItsOwnRequestTimeout() async throws {
        try await Reliability.withServer { server in
            let configuration = Reliability.configuration(server, poolSize: 1, requestTimeout: .milliseconds(1500), connectionAttempts: 1)
            let client = ZCachedClient(configuration: configuration)
            try await client.connect()
            try await client.set("a", "one")
            try await client.set("b", "two")
            server.faults.refusesConnections = true
            try await server.restart()
            try await Reliability.waitUntil { client.pool.broken.count == 1 }
            // The recovery's link check takes 600 ms of the call's 1.5 s; the GET's reply comes
            // 1.2 s after it is written: after the call's deadline (1.5 s), before the request's
            // own (written at 0.6 s, so 2.1 s), which would close the link.
            server.faults.inject(.delayReply(.milliseconds(600)), on: .command("PING"))
            server.faults.inject(.delayReply(.milliseconds(1200)), on: .command("GET"))
            server.faults.refusesConnections = false
            let error = await #expect(throws: ZCachedError.self) { try await client.get("a", as: String.self) }
            #expect(error?.code == .timeout, "\(String(describing: error))")
            #expect(error?.message.contains("may or may not have run") == true, "it was sent")
            let accepted = server.statistics.connectionsAccepted
            server.faults.removeAll()
            #expect(try await client.get("b", as: String.self) == "two", "the late reply was dropped, not handed to this call")
            #expect(client.pool.connectedCount == 1)
            #expect(server.statistics.connectionsAccepted == accepted, "the link stayed open")
            await client.close()
        }
    }

    /// While the server is down, one call per backoff maximum tries again; the others fail fast
    /// without a connect attempt.
    @Test func onlyOneCallPerBackoffMaximumTriesBrokenConnectionsAgain() async throws {
        try await Reliability.withServer { server in
            var configuration = Reliability.configuration(server, poolSize: 1, connectionAttempts: 1)
            configuration.connection.backoff = ExponentialBackoff(initial: .milliseconds(10), max: .seconds(600))
            let client = try await Self.clientWithEveryConnectionBroken(configuration, server)
            let beforeTrying = server.statistics.connectionsAccepted
            let tried = await #expect(throws: ZCachedError.self) { try await client.ping() }
            #expect(tried?.code == .noAvailableConnections)
            try await Reliability.waitUntil { server.statistics.connectionsAccepted > beforeTrying }
            let afterTrying = server.statistics.connectionsAccepted
            server.faults.refusesConnections = false
            let resting = await #expect(throws: ZCachedError.self) { try await client.ping() }
            #expect(resting?.code == .noAvailableConnections)
            #expect(server.statistics.connectionsAccepted == afterTrying, "no connect attempt within the rest")
            #expect(await client.reconnectBroken() == 1, "reconnectBroken() is not held back")
            try await client.ping()
            await client.close()
        }
    }

    @Test func aRequestOverTheServerLimitClosesTheConnectionAndTheClientRecovers() async throws {
        try await Self.withClient(server: .init(maximumRequestSize: 1000), poolSize: 1) { client, server in
            let error = await #expect(throws: ZCachedError.self) {
                try await client.set("big", .bulkString([UInt8](repeating: 0x61, count: 20_000)))
            }
            #expect(error.map { ReplyFaultCase.closedCodes.contains($0.code) } == true, "\(String(describing: error))")
            try await Reliability.eventually { try await client.ping() }
            #expect(server.statistics.connectionsAccepted == 2)
        }
    }

    @Test func aClientConfiguredWithTheServerLimitRefusesTheRequestUnsent() async throws {
        try await Reliability.withServer(.init(maximumRequestSize: 1000)) { server in
            let client = ZCachedClient(configuration: Reliability.configuration(server, poolSize: 1, maximumRequestSize: 1000))
            try await client.connect()
            let before = server.statistics
            let error = await #expect(throws: ZCachedError.self) {
                try await client.set("big", .bulkString([UInt8](repeating: 0x61, count: 2000)))
            }
            #expect(error?.code == .invalidArgument)
            #expect(server.statistics == before)
            try await client.ping()
            await client.close()
        }
    }

    @Test(arguments: RefusedInputs.all)
    func aRefusedInputSendsNoByte(_ input: RefusedInputs.Case) async throws {
        try await Self.withClient(poolSize: 1) { client, server in
            try await client.ping()
            let before = server.statistics
            let error = await #expect(throws: ZCachedError.self) { try await input.send(through: client) }
            #expect(error?.code == .invalidArgument)
            #expect(server.statistics.requestsReceived == before.requestsReceived)
            #expect(server.statistics.bytesReceived == before.bytesReceived)
            try await client.ping()
        }
    }

    @Test func aRawCrashingSocketGivesCallersTypedErrorsAndTheyRecoverAfterRestart() async throws {
        try await Self.withClient(poolSize: 2, connectionAttempts: 2) { client, server in
            server.faults.emulatesCrashes = true
            let error = await #expect(throws: ZCachedError.self) { try await client.send(ZCachedRawCommand("")) }
            #expect(error?.code == .invalidArgument, "the SDK cannot send *0")
            try await client.ping()
            let crasher = try RawTestConnection(host: server.host, port: server.port)
            try crasher.send(Array("*0\r\n\u{03}".utf8))
            #expect(crasher.waitForClose())
            let failure = try await Reliability.eventually { () async throws -> ZCachedError in
                guard let failure = await Result(catching: { () async throws(ZCachedError) in try await client.ping() }).error else {
                    throw ZCachedEventually.NotYet()
                }
                return failure
            }
            #expect(Reliability.connectionLossCodes.contains(failure.code), "\(failure)")
            try await server.restart()
            try await Reliability.eventually {
                await client.reconnectBroken()
                try await client.ping()
            }
        }
    }
}
