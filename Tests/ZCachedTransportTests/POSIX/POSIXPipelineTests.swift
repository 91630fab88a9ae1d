import Testing
import ZCachedCore
import ZCachedTesting
import ZCachedTransport

/// ``ZCachedPOSIXConnection/pipeline(_:)``: many commands in one blocking call, one outcome each,
/// never another command's reply.
@Suite(.serialized) struct POSIXPipelineTests {
    typealias K = ZCachedKeyCommands

    @Test func eachCommandGetsItsOwnOutcomeInOrder() async throws {
        try await withPOSIXConnection { connection, _ in
            let keys = (0..<40).map { "posix-pipeline-\($0)" }
            let (stored, read, renamed) = try await onThread {
                (
                    try connection.pipeline(keys.map { K.Set($0, .bulkString("value of \($0)")) }),
                    try connection.pipeline((keys + ["missing"]).map { K.Get($0) }),
                    try connection.pipeline([K.Rename("missing", to: "elsewhere")])
                )
            }
            #expect(stored.count == keys.count)
            for outcome in stored { try outcome.get() }
            #expect(read.count == keys.count + 1)
            for (key, outcome) in zip(keys, read) {
                #expect(try outcome.get() == .bulkString("value of \(key)"))
            }
            #expect(try read[keys.count].get() == nil)
            #expect(throws: ZCachedError.self) { try renamed[0].get() }
            #expect(connection.state == .connected)
            #expect(connection.pendingRequestCount == 0)
        }
    }

    @Test func aBatchLargerThanTheWindowGoesOutInVerifiedGroups() async throws {
        try await withPOSIXConnection { connection, server in
            let keys = (0..<600).map { "posix-window-\($0)" }
            let read = try await onThread {
                for outcome in try connection.pipeline(keys.map { K.Set($0, .bulkString($0)) }) { try outcome.get() }
                return try connection.pipeline(keys.map { K.Get($0) })
            }
            #expect(try read.map { try $0.get() } == keys.map { .bulkString($0) })
            #expect(server.statistics.maximumBytesInFlight <= 4096)
            #expect(server.statistics.bufferShiftingReads == 0)
            // Two batches of 600 small requests, each closed by a sentinel per window-full.
            #expect(server.statistics.requestsReceived > 1200)
        }
    }

    @Test func oneRefusedCommandRefusesTheBatchBeforeAnythingIsSent() async throws {
        try await withPOSIXConnection { connection, server in
            let before = server.statistics.requestsReceived
            let (error, empty) = try await onThread {
                (
                    errorOf { _ = try connection.pipeline([K.Get("fine"), K.Get("bad\nkey"), K.Get("fine too")]) },
                    try connection.pipeline([K.Get]())
                )
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.argument == "key")
            #expect(empty.isEmpty)
            #expect(server.statistics.requestsReceived == before, "nothing was sent")
        }
    }

    /// 1000-byte keys: three GET frames and a sentinel fill the 4096-byte window, so a batch of
    /// twelve goes out in four groups, one round trip each.
    static func longKeys(_ prefix: String, count: Int) -> [String] {
        (0..<count).map { index in "\(prefix)-\(index)-" + String(repeating: "k", count: 1000) }
    }

    @Test func aLinkThatBreaksAfterTheFirstGroupKeepsTheAnswersAlreadyIn() async throws {
        var configuration = posixTestConfiguration()
        configuration.reconnect = false
        try await withPOSIXConnection(configuration) { connection, server in
            // Requests 1–4 on the server are the first group: three GETs and their sentinel.
            server.faults.inject(.closeConnection, on: .requestNumber(server.statistics.requestsReceived + 5))
            let outcomes = try await onThread { try connection.pipeline(Self.longKeys("partial", count: 12).map { K.Get($0) }) }
            #expect(outcomes.count == 12)
            for outcome in outcomes.prefix(3) { #expect(try outcome.get() == nil, "answered before the break") }
            for outcome in outcomes[3..<6] {
                let error = #expect(throws: ZCachedError.self) { try outcome.get() }
                #expect(error?.message.contains("not sent") == false, "written in the group the server closed on")
            }
            // Groups three and four were never written: their callers learn the commands did not run.
            for outcome in outcomes.dropFirst(6) {
                let error = #expect(throws: ZCachedError.self) { try outcome.get() }
                #expect(error?.code == .connectionClosed)
                #expect(error?.message.contains("not sent") == true, "\(String(describing: error))")
            }
            #expect(connection.state == .broken)
        }
    }

    @Test func aLostReplyInABatchIsCaughtAndNoOtherReplyShifts() async throws {
        try await withPOSIXConnection { connection, server in
            let keys = (0..<6).map { "posix-lost-\($0)" }
            try await onThread {
                for outcome in try connection.pipeline(keys.map { K.Set($0, .bulkString($0)) }) { try outcome.get() }
            }
            server.faults.inject(.dropReply, on: .nextRequest)
            let (outcomes, after) = try await onThread {
                (try connection.pipeline(keys.map { K.Get($0) }), try connection.send(K.Get(keys[0])))
            }
            for (key, outcome) in zip(keys, outcomes) {
                // Either its own value or a failure: never another key's value.
                if case .success(let value) = outcome { #expect(value == .bulkString(key)) }
            }
            let failure = outcomes.lazy.compactMap { if case .failure(let error) = $0 { error } else { nil } }.first
            #expect(failure?.code == .protocolViolation)
            #expect(after == .bulkString(keys[0]), "the link was reopened and matches again")
        }
    }

    @Test func aBatchThatTakesLongerThanTheTimeoutSucceedsWhileTheServerAnswers() async throws {
        try await withPOSIXConnection(posixTestConfiguration(requestTimeout: .milliseconds(300))) { connection, server in
            server.faults.inject(.delayReply(.milliseconds(40)), on: .command("GET"))
            let start = ContinuousClock.now
            let outcomes = try await onThread { try connection.pipeline(Self.longKeys("slow", count: 12).map { K.Get($0) }) }
            #expect(ContinuousClock.now - start > .milliseconds(300), "the batch as a whole outlasted the timeout")
            for outcome in outcomes { #expect(try outcome.get() == nil) }
            #expect(connection.state == .connected)
        }
    }

    /// A batch may leave the server's receive buffer shifted for the rest of the link (PROTOCOL.md
    /// §1.1): later requests on that socket carry a sentinel too, until the socket is replaced.
    @Test func afterABatchSingleRequestsAreVerifiedUntilTheSocketIsReplaced() async throws {
        try await withPOSIXConnection { connection, server in
            func framesSent(_ body: @escaping @Sendable () throws -> Void) async throws -> Int {
                let before = server.statistics.requestsReceived
                try await onThread(body)
                return server.statistics.requestsReceived - before
            }
            let first = try await framesSent { _ = try connection.send(K.Get("alone")) }
            #expect(first == 1, "nothing pipelined yet")
            let batch = try await framesSent { _ = try connection.pipeline([K.Get("a"), K.Get("b")]) }
            #expect(batch == 3)
            let afterBatch = try await framesSent { _ = try connection.send(K.Get("alone")) }
            #expect(afterBatch == 2, "the GET and its sentinel")
            server.faults.inject(.closeConnection, on: .nextRequest)
            _ = try await framesSent { _ = try? connection.send(K.Get("lost")) }
            let onNewSocket = try await framesSent { _ = try connection.send(K.Get("alone")) }
            #expect(onNewSocket == 1, "a new socket starts bare")
        }
    }

    /// A frame too large to share the window with a sentinel went bare even after the link had
    /// pipelined, so a reply the server fabricated for it was delivered.
    @Test func afterABatchALargeRequestIsVerifiedByASentinelAfterItsReply() async throws {
        try await withPOSIXConnection { connection, server in
            _ = try await onThread { try connection.pipeline([ZCachedServerCommands.Ping(), ZCachedServerCommands.Ping()]) }
            let large = ZCachedKeyCommands.MGet.largeRequest
            #expect(try await onThread { try connection.send(large) }.isEmpty)
            server.faults.inject(ZCachedKeyCommands.MGet.fabricatedReplyPlusOne, on: .nextRequest)
            let outcome = try await onThread { Result { () throws(ZCachedError) in try connection.send(large) } }
            #expect(throws: ZCachedError.self, "a map of the right shape, but not this request's") { try outcome.get() }
            #expect(try await onThread { try connection.send(large) }.isEmpty, "then it recovers")
        }
    }

    /// On a link that never pipelined, a batch of a large request and a small one sends each
    /// alone; bytes left after the first reply were taken as the second request's reply.
    @Test func bytesLeftAfterAReplyInABatchAreNeverTheNextRequestsReply() async throws {
        try await withPOSIXConnection { connection, server in
            server.faults.inject(.replaceReply(with: Array("$5\r\nfirst\r\n\u{03}$5\r\nwrong\r\n".utf8)), on: .nextRequest)
            let outcomes = try await onThread {
                try connection.pipeline([K.Get(String(repeating: "k", count: 4100)), K.Get("b")])
            }
            #expect(outcomes.count == 2)
            let second = try #require(outcomes.last)
            #expect(throws: ZCachedError.self, "not the first request's extra reply") { try second.get() }
            #expect(try await onThread { try connection.send(K.Get("b")) } == nil, "then it recovers")
        }
    }

    /// A reply is judged while the connection's lock is held, so a reply that does not fit its
    /// command marks its socket before another request can take the lock and send on it.
    @Test func aReplyIsJudgedBeforeAnotherRequestCanTakeTheConnection() async throws {
        try await withPOSIXConnection { connection, _ in
            let judged = try await onThread { try connection.send(LockProbe(connection: connection)) }
            #expect(judged, "the lock was held while the reply was judged")
            let batch = try await onThread { try connection.pipeline([LockProbe(connection: connection)]) }
            #expect(try batch.first?.get() == true)
        }
    }

    /// A PING whose response reports whether its connection was locked when the reply was judged.
    struct LockProbe: ZCachedCommand {
        let connection: ZCachedPOSIXConnection
        var name: String { "PING" }
        func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try ZCachedServerCommands.Ping().encode(into: &encoder)
        }
        func response(from reply: ZCachedValue) throws(ZCachedError) -> Bool {
            try ZCachedServerCommands.Ping().response(from: reply)
            return connection.isLocked
        }
    }

    /// A verified single request still ends by its own deadline, lock waiting included.
    @Test func aVerifiedRequestKeepsItsOwnDeadline() async throws {
        try await withPOSIXConnection(posixTestConfiguration(requestTimeout: .milliseconds(300))) { connection, server in
            _ = try await onThread { try connection.pipeline([K.Get("a"), K.Get("b")]) }
            let first = server.statistics.requestsReceived + 1
            // A's GET (then its sentinel) is answered late; B's GET is never answered.
            server.faults.inject(.delayReply(.milliseconds(250)), on: .requestNumber(first))
            server.faults.inject(.dropAllLaterReplies, on: .requestNumber(first + 2))
            async let slow: ZCachedValue? = onThread { try connection.send(K.Get("slow")) }
            while server.statistics.requestsReceived < first { await Task.yield() }
            let (error, elapsed) = try await onThread { () -> (ZCachedError?, Duration) in
                let start = ContinuousClock.now
                let error = errorOf { _ = try connection.send(K.Get("lost")) }
                return (error, .now - start)
            }
            #expect(try await slow == nil)
            #expect(error?.code == .timeout)
            #expect(elapsed < .milliseconds(450), "waited \(elapsed): the lock wait and the reply wait share one deadline")
        }
    }

    /// A misfit in an early group ends the batch: the later groups are not written on the
    /// slipped socket, their commands fail as not sent, and the next request goes on a new socket.
    @Test func aMisfitEndsTheBatchBeforeLaterGroupsAreWritten() async throws {
        var configuration = posixTestConfiguration()
        configuration.inFlightWindow = 100  // one SET and its sentinel per group
        try await withPOSIXConnection(configuration) { connection, server in
            let accepted = server.statistics.connectionsAccepted
            let first = server.statistics.requestsReceived + 1
            server.faults.inject(.replaceReply(with: Array(":1\r\n".utf8)), on: .requestNumber(first))
            let outcomes = try await onThread { try connection.pipeline([K.Set("misfit", 1), K.Set("unsent", 2)]) }
            #expect(outcomes.map(\.error?.code) == [.unexpectedReply, .connectionClosed])
            #expect(outcomes[1].error?.message.contains("not sent") == true, "never written, so it did not run")
            #expect(server.statistics.requestsReceived == first + 1, "the first group (SET and sentinel) only")
            #expect(connection.state != .connected)
            try await onThread { try connection.send(ZCachedServerCommands.Ping()) }
            #expect(server.statistics.connectionsAccepted == accepted + 1, "the slipped socket was replaced")
        }
    }

    @Test func aRequestBehindALongBatchGivesUpAtItsOwnDeadlineWithoutBeingSent() async throws {
        try await withPOSIXConnection(posixTestConfiguration(requestTimeout: .milliseconds(300))) { connection, server in
            // Twelve GETs in four groups, 80 ms per reply: the batch holds the lock about a second,
            // every group answered inside its own 300 ms.
            server.faults.inject(.delayReply(.milliseconds(80)), on: .command("GET"))
            let before = server.statistics.requestsReceived
            async let batch = onThread { try connection.pipeline(Self.longKeys("held", count: 12).map { K.Get($0) }) }
            // Wait (without sleeping) until the batch has reached the server.
            while server.statistics.requestsReceived == before { await Task.yield() }
            let (error, waited) = try await onThread { () -> (ZCachedError?, Duration) in
                let start = ContinuousClock.now
                let error = errorOf { try connection.send(K.Set("queued", "never stored")) }
                return (error, .now - start)
            }
            #expect(error?.code == .timeout)
            #expect(waited < .milliseconds(700), "gave up after \(waited), not at its own deadline")
            for outcome in try await batch { #expect(try outcome.get() == nil) }
            let stored = try await onThread { try connection.send(K.Get("queued")) }
            #expect(stored == nil, "the queued SET was not sent")
            #expect(connection.state == .connected)
        }
    }

    @Test func aGroupWhoseRepliesStopComingTimesOutAndFailsTheRest() async throws {
        try await withPOSIXConnection(posixTestConfiguration(requestTimeout: .milliseconds(300))) { connection, server in
            server.faults.inject(.delayReply(.seconds(3)), on: .nextRequest)
            let start = ContinuousClock.now
            let outcomes = try await onThread { try connection.pipeline((0..<4).map { K.Get("stalled-\($0)") }) }
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(outcomes.count == 4)
            for outcome in outcomes {
                #expect(throws: ZCachedError.self) { try outcome.get() }
            }
            let first: ZCachedError.Code? = if case .failure(let error) = outcomes[0] { error.code } else { nil }
            #expect(first == .timeout)
        }
    }
}
