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
