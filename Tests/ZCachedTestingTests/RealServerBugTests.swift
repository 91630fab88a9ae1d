import Testing
import ZCachedTesting

/// Inputs that crash or corrupt the real server (PROTOCOL.md §6) get clean error replies here.
@Suite struct RealServerBugTests {
    @Test(arguments: [
        ("*0\r\n", "-ERR unexpected\r\n"),
        ("*2\r\n$3\r\nGET\r\n:1\r\n", "-ERR unexpected\r\n"),
        ("*2\r\n$6\r\nDELETE\r\n:1\r\n", "-ERR unexpected\r\n"),
        ("*2\r\n$6\r\nSIZEOF\r\n:1\r\n", "-ERR unexpected\r\n"),
        ("*1\r\n:1\r\n", "-ERR unknown command\r\n"),
    ])
    func crashingRequestsGetAnErrorAndTheServerKeepsServing(request: String, expected: String) async throws {
        try await withServer { server in
            let connection = try server.connect()
            #expect(try connection.roundTrip(Array(request.utf8) + [0x03]) == reply(expected))
            #expect(try connection.roundTrip(frame("PING")) == reply("+PONG\r\n"))
        }
    }

    @Test func nestedErrorValueStoresNothing() async throws {
        try await withServer { server in
            let connection = try server.connect()
            let request = Array("*3\r\n$3\r\nSET\r\n$1\r\nz\r\n*1\r\n-oops\r\n".utf8) + [0x03]
            #expect(try connection.roundTrip(request) == reply("-ERR unexpected\r\n"))
            #expect(try connection.roundTrip(frame("KEYS")) == reply("*0\r\n"))
        }
    }

    @Test func copyOntoItselfWithReplaceKeepsTheValue() async throws {
        try await withServer { server in
            let connection = try server.connect()
            _ = try connection.roundTrip(frame("SET", "a", "1"))
            #expect(try connection.roundTrip(frame("COPY", "a", "a", "REPLACE")) == reply("$2\r\nOK\r\n"))
            #expect(try connection.roundTrip(frame("GET", "a")) == reply("$1\r\n1\r\n"))
        }
    }

    @Test func deeplyNestedValueIsRejectedWithoutExhaustingTheStack() async throws {
        try await withServer { server in
            let connection = try server.connect()
            let nested = String(repeating: "*1\r\n", count: 100_000) + ":1\r\n"
            let request = Array("*3\r\n$3\r\nSET\r\n$1\r\nd\r\n\(nested)".utf8) + [0x03]
            #expect(try connection.roundTrip(request) == reply("-ERR unexpected\r\n"))
        }
    }
}
