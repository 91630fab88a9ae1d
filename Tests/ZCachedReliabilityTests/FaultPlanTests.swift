import Testing
import ZCachedCore
import ZCachedTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The embedded server's fault plan, checked byte for byte on a raw socket.
@Suite struct FaultPlanTests {
    static let ping = Array("*1\r\n$4\r\nPING\r\n\u{03}".utf8)
    static let pong = Array("+PONG\r\n\u{03}".utf8)

    static func withConnection(_ body: (ZCachedTestServer, RawTestConnection) async throws -> Void) async throws {
        try await Reliability.withServer { server in
            try await body(server, try RawTestConnection(host: server.host, port: server.port))
        }
    }

    @Test func closeAfterReplyBytesWritesAPrefixThenCloses() async throws {
        try await Self.withConnection { server, raw in
            server.faults.inject(.closeAfterReplyBytes(3), on: .requestNumber(2))
            try raw.send(Self.ping + Self.ping)
            #expect(try raw.receiveReplies(2) == Self.pong + Array("+PO".utf8))
            #expect(raw.waitForClose())
        }
    }

    @Test func resetConnectionSendsARST() async throws {
        try await Self.withConnection { server, raw in
            server.faults.inject(.resetConnection, on: .nextRequest)
            try raw.send(Self.ping)
            let error = #expect(throws: RawTestConnection.SocketError.self) { _ = try raw.read(timeout: .seconds(5)) }
            #expect(error?.code == ECONNRESET)
        }
    }

    @Test func garbageAndTerminatorFaultsReshapeTheReply() async throws {
        try await Self.withConnection { server, raw in
            server.faults.inject(.replyWithGarbage, on: .requestNumber(1))
            server.faults.inject(.duplicateTerminator, on: .requestNumber(2))
            server.faults.inject(.omitTerminator, on: .requestNumber(3))
            server.faults.inject(.replaceReply(with: Array(":7\r\n".utf8)), on: .requestNumber(4))
            try raw.send(Self.ping + Self.ping + Self.ping + Self.ping)
            let expected = Array("?garbage\r\n\u{03}+PONG\r\n\u{03}\u{03}+PONG\r\n:7\r\n\u{03}".utf8)
            #expect(try raw.receiveReplies(4) == expected)
        }
    }

    @Test func aPerCommandFaultLeavesOtherCommandsAlone() async throws {
        try await Self.withConnection { server, raw in
            server.faults.inject(.replyWithGarbage, on: .command("echo"))
            try raw.send(Self.ping + Array("*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n\u{03}".utf8) + Self.ping)
            #expect(try raw.receiveReplies(3) == Self.pong + Array("?garbage\r\n\u{03}".utf8) + Self.pong)
        }
    }

    /// An ECHO frame of exactly `size` bytes, `0x03` included.
    static func echoFrame(ofSize size: Int) -> [UInt8] {
        let overhead = Array("*2\r\n$4\r\nECHO\r\n$\r\n\r\n\u{03}".utf8).count
        var length = size - overhead - 1
        while length + String(length).utf8.count + overhead > size { length -= 1 }
        let frame = Array("*2\r\n$4\r\nECHO\r\n$\(length)\r\n".utf8) + [UInt8](repeating: 0x61, count: length) + Array("\r\n\u{03}".utf8)
        precondition(frame.count == size)
        return frame
    }

    /// PROTOCOL.md §4.4 with the limit at 1000: the check counts only bytes held before a read
    /// of at most 4096, so it is soft.
    @Test(arguments: [
        ([1500], true), ([4000], true), ([8000], false), ([1100, 400], false), ([900, 600], true),
    ])
    func theRequestSizeLimitIsCheckedBeforeEachReadAsByTheRealServer(_ writes: [Int], accepted: Bool) async throws {
        try await Reliability.withServer(.init(maximumRequestSize: 1000)) { server in
            let raw = try RawTestConnection(host: server.host, port: server.port)
            let frame = Self.echoFrame(ofSize: writes.reduce(0, +))
            var sent = 0
            for size in writes {
                try raw.send(Array(frame[sent..<(sent + size)]))
                sent += size
                // Each write is its own read: the next goes out once the server has this one.
                try await ZCachedEventually.holds { server.statistics.bytesReceived == sent }
            }
            if accepted {
                let reply = try raw.receiveReplies(1)
                #expect(reply.count == frame.count - "*2\r\n$4\r\nECHO\r\n".utf8.count, "the ECHO's reply")
                #expect(server.statistics.requestsReceived == 1)
            } else {
                #expect(raw.waitForClose())
                #expect(server.statistics.requestsReceived == 0)
            }
        }
    }

    /// The inputs of PROTOCOL.md §6.1–§6.4.
    static let crashingInputs: [String] = [
        "*0\r\n",
        "*00\r\n",
        "*2\r\n$3\r\nGET\r\n:1\r\n",
        "*2\r\n$6\r\nDELETE\r\n:1\r\n",
        "*2\r\n$6\r\nsizeof\r\n#t\r\n",
        "*1\r\n:1\r\n",
        "*3\r\n$3\r\nSET\r\n$1\r\nz\r\n*1\r\n-oops\r\n",
        "*3\r\n$4\r\nMSET\r\n$1\r\nz\r\n%1\r\n+k\r\n-oops\r\n",
    ]

    @Test(arguments: crashingInputs)
    func anEmulatedCrashClosesEveryConnectionAndStopsListening(_ input: String) async throws {
        try await Self.withConnection { server, bystander in
            server.faults.emulatesCrashes = true
            try bystander.send(Self.ping)
            #expect(try bystander.receiveReplies(1) == Self.pong)
            let crasher = try RawTestConnection(host: server.host, port: server.port)
            try crasher.send(Array(input.utf8) + [0x03])
            #expect(crasher.waitForClose())
            #expect(bystander.waitForClose(), "every connection of the server closes at once")
            try await Reliability.waitUntil {
                (try? RawTestConnection(host: server.host, port: server.port)) == nil
            }
            try await server.restart()
            let revived = try RawTestConnection(host: server.host, port: server.port)
            try revived.send(Self.ping)
            #expect(try revived.receiveReplies(1) == Self.pong)
        }
    }

    /// A request that fails to parse gets its error from the real server before any command
    /// runs, even when an element read before the failure would crash one (checked against a
    /// real zcached on 2026-12-03: `-ERR unprocessable`, and it kept serving).
    @Test func aRequestThatFailsToParseGetsItsErrorEvenWithCrashEmulation() async throws {
        try await Self.withConnection { server, raw in
            server.faults.emulatesCrashes = true
            try raw.send(Array("*3\r\n$3\r\nGET\r\n:1\r\n$0\r\n\r\n".utf8) + [0x03])
            #expect(try raw.receiveReplies(1) == Array("-ERR unprocessable\r\n".utf8) + [0x03])
            try raw.send(Self.ping)
            #expect(try raw.receiveReplies(1) == Self.pong)
        }
    }

    /// Only a pair the server stores leaves the phantom key of §6.4: an error nested in an
    /// argument past SET's value, under a key the server refuses, or in an MSET of an odd
    /// argument count gets its reply, as for any other bad request.
    @Test(arguments: [
        "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n-oops\r\n",
        "*3\r\n$3\r\nSET\r\n:1\r\n*1\r\n-oops\r\n",
        "*4\r\n$4\r\nMSET\r\n$1\r\nk\r\n*1\r\n-oops\r\n$1\r\nx\r\n",
        // A top-level error value fails the first pair, so the MSET ends before the nested one.
        "*5\r\n$4\r\nMSET\r\n$1\r\na\r\n-x\r\n$1\r\nb\r\n*1\r\n-y\r\n",
    ])
    func anErrorTheServerNeverStoresDoesNotCrashIt(_ input: String) async throws {
        try await Self.withConnection { server, raw in
            server.faults.emulatesCrashes = true
            try raw.send(Array(input.utf8) + [0x03])
            #expect(try raw.receiveReplies(1).last == 0x03)
            try raw.send(Self.ping)
            #expect(try raw.receiveReplies(1) == Self.pong)
        }
    }

    /// A fault aimed at the request that crashes the server is used up by it: it must not fire
    /// on the first request after the restart instead.
    @Test func aCrashUsesUpTheFaultAimedAtIt() async throws {
        try await Self.withConnection { server, _ in
            server.faults.emulatesCrashes = true
            server.faults.inject(.dropReply, on: .nextRequest)
            let crasher = try RawTestConnection(host: server.host, port: server.port)
            try crasher.send(Array("*0\r\n".utf8) + [0x03])
            #expect(crasher.waitForClose())
            try await server.restart()
            let revived = try RawTestConnection(host: server.host, port: server.port)
            try revived.send(Self.ping)
            #expect(try revived.receiveReplies(1) == Self.pong)
        }
    }

    @Test func withoutCrashEmulationTheSameInputsGetReplies() async throws {
        try await Self.withConnection { _, raw in
            for input in Self.crashingInputs {
                try raw.send(Array(input.utf8) + [0x03])
                let reply = try raw.receiveReplies(1)
                #expect(reply.last == 0x03, "\(input.debugDescription) gets a reply")
            }
        }
    }
}
