import Testing
import ZCachedTesting

@Suite struct ZCachedFaultInjectorTests {
    @Test func closeConnectionEndsTheConnectionInsteadOfRunningTheRequest() async throws {
        try await withServer { server in
            let connection = try server.connect()
            #expect(try connection.roundTrip(frame("PING")) == reply("+PONG\r\n"))
            server.faults.inject(.closeConnection, on: .nextRequest)
            try connection.send(frame("SET", "never", "1"))
            #expect(try connection.read(timeout: .seconds(5)) == .endOfFile)
            #expect(try server.connect().roundTrip(frame("GET", "never")) == reply("-ERR 'never' not found\r\n"))
        }
    }

    /// NIO fails the writes still queued when a channel closes: a close behind a reply too large
    /// for the socket's buffers must wait for it, or the reply is cut short.
    @Test func aClosingFaultLetsTheRepliesBeforeItOutWhole() async throws {
        try await withServer { server in
            let connection = try server.connect()
            let value = String(repeating: "v", count: 8 * 1024 * 1024)
            // Generous waits: under ThreadSanitizer the server takes seconds over 8 MiB.
            try connection.send(frame("SET", "large", value))
            #expect(try connection.receiveReplies(1, timeout: .seconds(60)) == reply("+OK\r\n"))
            let received = server.statistics.requestsReceived
            server.faults.inject(.closeConnection, on: .requestNumber(received + 2))
            try connection.send(frame("GET", "large") + frame("PING"))
            // Read nothing until the server has taken both requests (and queued the close).
            try await ZCachedEventually.holds(within: .seconds(60)) { server.statistics.requestsReceived == received + 2 }
            let answer = try connection.receiveReplies(1, timeout: .seconds(60))
            #expect(answer.count == "$\(value.utf8.count)\r\n".utf8.count + value.utf8.count + 3)
            #expect(try connection.read(timeout: .seconds(5)) == .endOfFile)
        }
    }

    /// Several faults on one request add up: a dropped reply with a close after part of it
    /// writes nothing, then closes.
    @Test func aDroppedReplyWithACloseAfterItsFirstBytesCloses() async throws {
        try await withServer { server in
            let connection = try server.connect()
            server.faults.inject(.dropReply, on: .nextRequest)
            server.faults.inject(.closeAfterReplyBytes(3), on: .command("PING"))
            try connection.send(frame("PING"))
            #expect(try connection.read(timeout: .seconds(5)) == .endOfFile)
        }
    }

    /// A client that shuts its sending side down still gets the replies to what it sent, a
    /// delayed one included, then end of file.
    @Test func aHalfClosedConnectionGetsItsRepliesThenEndOfFile() async throws {
        try await withServer { server in
            let connection = try server.connect()
            server.faults.inject(.delayReply(.milliseconds(200)), on: .nextRequest)
            try connection.send(frame("PING") + frame("ECHO", "after"))
            connection.shutDownSending()
            #expect(try connection.receiveReplies(2) == reply("+PONG\r\n") + reply("$5\r\nafter\r\n"))
            #expect(try connection.read(timeout: .seconds(5)) == .endOfFile)
        }
    }

    @Test func delayedReplyStillPrecedesLaterReplies() async throws {
        try await withServer { server in
            let connection = try server.connect()
            server.faults.inject(.delayReply(.milliseconds(400)), on: .command("ping"))
            try connection.send(frame("PING") + frame("ECHO", "after"))
            #expect(try connection.read(timeout: .milliseconds(100)) == .timedOut)
            #expect(try connection.receiveReplies(2) == reply("+PONG\r\n") + reply("$5\r\nafter\r\n"))
        }
    }

    @Test func droppedReplyRunsTheRequestAndLaterRepliesFlow() async throws {
        try await withServer { server in
            let connection = try server.connect()
            _ = try connection.roundTrip(frame("PING"))
            server.faults.inject(.dropReply, on: .requestNumber(2))
            try connection.send(frame("SET", "dropped", "v"))
            #expect(try connection.read(timeout: .milliseconds(200)) == .timedOut)
            #expect(try connection.roundTrip(frame("GET", "dropped")) == reply("$1\r\nv\r\n"))
        }
    }

    /// PROTOCOL.md §4.2's repro: the hit connection's requests still run, but it never gets
    /// another reply, even to requests the trigger does not select; other connections are served.
    @Test func droppingAllLaterRepliesSilencesOnlyTheHitConnectionForGood() async throws {
        try await withServer { server in
            let bystander = try server.connect()
            let silenced = try server.connect()
            #expect(try silenced.roundTrip(frame("PING")) == reply("+PONG\r\n"))
            // Selected by command, not by number: the bystander's requests race with these.
            server.faults.inject(.dropAllLaterReplies, on: .command("ECHO"))
            try silenced.send(frame("ECHO", "hit"))
            try silenced.send(frame("SET", "fromSilenced", "1"))
            try await ZCachedEventually.holds {
                (try? bystander.roundTrip(frame("GET", "fromSilenced"))) == reply("$1\r\n1\r\n")
            }
            #expect(try silenced.read(timeout: .milliseconds(200)) == .timedOut, "neither the ECHO nor the SET is answered")
            try silenced.send(frame("PING"))
            #expect(try silenced.read(timeout: .milliseconds(200)) == .timedOut, "nor any request after them")
            #expect(try bystander.roundTrip(frame("PING")) == reply("+PONG\r\n"))
        }
    }

    @Test func splitReplyArrivesByteExact() async throws {
        try await withServer { server in
            let connection = try server.connect()
            server.faults.inject(.splitReplyIntoSingleBytes, on: .everyRequest)
            try connection.send(frame("ECHO", "hello") + frame("PING"))
            #expect(try connection.receiveReplies(2) == reply("$5\r\nhello\r\n") + reply("+PONG\r\n"))
        }
    }

    @Test func corruptTerminatorReplacesOnlyThatRepliesTerminator() async throws {
        try await withServer { server in
            let connection = try server.connect()
            server.faults.inject(.corruptTerminator, on: .nextRequest)
            try connection.send(frame("PING") + frame("PING"))
            #expect(try connection.receiveReplies(1) == Array("+PONG\r\n".utf8) + [0x04] + reply("+PONG\r\n"))
        }
    }

    @Test func refusedConnectionsSeeEndOfFileWithoutBytes() async throws {
        try await withServer { server in
            server.faults.refusesConnections = true
            let refused = try server.connect()
            #expect(try refused.read(timeout: .seconds(5)) == .endOfFile)
            server.faults.removeAll()
            #expect(try server.connect().roundTrip(frame("PING")) == reply("+PONG\r\n"))
            #expect(server.statistics.connectionsAccepted == 2)
        }
    }

    @Test func removeAllDisarmsPersistentFaults() async throws {
        try await withServer { server in
            let connection = try server.connect()
            server.faults.inject(.dropReply, on: .everyRequest)
            try connection.send(frame("PING"))
            #expect(try connection.read(timeout: .milliseconds(200)) == .timedOut)
            server.faults.removeAll()
            #expect(try connection.roundTrip(frame("PING")) == reply("+PONG\r\n"))
        }
    }
}
