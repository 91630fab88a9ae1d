import Testing
import ZCachedCore
import ZCachedTesting
import ZCachedTransport

/// The `PING` every new link must answer before it takes requests
/// (``ZCachedConnectionConfiguration/verifiesNewLinks``), on both transports. The embedded
/// server's `dropAllLaterReplies` plays zcached's silent connection (PROTOCOL.md §4.2).
@Suite(.enabled(if: !ZCachedTestEndpoint.isExternal))
struct LinkCheckTests {
    enum Transport: CaseIterable, Sendable {
        case nio, posix
    }

    /// An open connection of either transport, reduced to what these tests use.
    struct OpenConnection: Sendable {
        var ping: @Sendable () async throws -> Void
        var close: @Sendable () async -> Void
    }

    static func configuration(_ server: ZCachedTestServer, attempts: Int = 3) -> ZCachedConnectionConfiguration {
        ZCachedConnectionConfiguration(
            host: server.host,
            port: server.port,
            connectTimeout: .milliseconds(300),
            requestTimeout: .milliseconds(300),
            connectionAttempts: attempts,
            backoff: ExponentialBackoff(initial: .milliseconds(10), multiplier: 2, max: .milliseconds(50))
        )
    }

    static func open(_ transport: Transport, _ configuration: ZCachedConnectionConfiguration) async throws -> OpenConnection {
        switch transport {
        case .nio:
            let connection = try await ZCachedNIOConnection.connect(configuration: configuration)
            return OpenConnection(ping: { try await connection.send(ZCachedServerCommands.Ping()) }, close: { await connection.close() })
        case .posix:
            let connection = try await onThread { try ZCachedPOSIXConnection(configuration: configuration) }
            return OpenConnection(
                ping: { try await onThread { try connection.send(ZCachedServerCommands.Ping()) } },
                close: { connection.close() }
            )
        }
    }

    /// Starts a server whose next request gets `fault`, runs `body`, and shuts the server down.
    static func withServer(answeringTheFirstRequestWith fault: ZCachedFault, _ body: (ZCachedTestServer) async throws -> Void) async throws {
        try await ZCachedTestServer.withServer { server in
            server.faults.inject(fault, on: .nextRequest)
            try await body(server)
        }
    }

    @Test(arguments: Transport.allCases)
    func aNewLinkThatNeverAnswersIsReplacedBeforeItTakesRequests(_ transport: Transport) async throws {
        try await Self.withServer(answeringTheFirstRequestWith: .dropAllLaterReplies) { server in
            let connection = try await Self.open(transport, Self.configuration(server))
            #expect(server.statistics.connectionsAccepted == 2, "the silent link was not replaced while connecting")
            await #expect(throws: Never.self) { try await connection.ping() }
            await connection.close()
        }
    }

    @Test(arguments: Transport.allCases)
    func withoutTheCheckTheSilentLinkFailsTheFirstRequest(_ transport: Transport) async throws {
        try await Self.withServer(answeringTheFirstRequestWith: .dropAllLaterReplies) { server in
            var configuration = Self.configuration(server)
            configuration.verifiesNewLinks = false
            let connection = try await Self.open(transport, configuration)
            await #expect { try await connection.ping() } throws: { ($0 as? ZCachedError)?.code == .timeout }
            // Read after the request reached the server: a connect without the check returns as
            // soon as TCP connects, possibly before the server counted the connection.
            #expect(server.statistics.connectionsAccepted == 1)
            await connection.close()
        }
    }

    @Test(arguments: Transport.allCases)
    func aLinkThatSendsMoreThanThePongIsReplaced(_ transport: Transport) async throws {
        // The blocking check read +PONG and dropped what followed: bytes nobody asked for, on a
        // link that then took requests.
        let pongAndMore = ZCachedFault.replaceReply(with: Array("+PONG\r\n\u{03}:7\r\n".utf8))
        try await Self.withServer(answeringTheFirstRequestWith: pongAndMore) { server in
            let connection = try await Self.open(transport, Self.configuration(server))
            #expect(server.statistics.connectionsAccepted == 2, "the link with extra bytes was not replaced while connecting")
            await #expect(throws: Never.self) { try await connection.ping() }
            await connection.close()
        }
    }

    @Test(arguments: Transport.allCases)
    func aLinkThatSendsPartOfAReplyAfterThePongIsReplaced(_ transport: Transport) async throws {
        // `:7` without its 0x03 yet: no complete reply, but bytes nobody asked for. Left there,
        // the first request written alone would have taken `:7` as its reply once it completed.
        try await ZCachedTestServer.withServer { server in
            server.faults.inject(.replaceReply(with: Array("+PONG\r\n\u{03}:7\r\n".utf8)), on: .nextRequest)
            server.faults.inject(.omitTerminator, on: .nextRequest)
            let connection = try await Self.open(transport, Self.configuration(server))
            #expect(server.statistics.connectionsAccepted == 2, "the link with a partial stray reply was not replaced")
            await #expect(throws: Never.self) { try await connection.ping() }
            await connection.close()
        }
    }

    @Test(arguments: Transport.allCases)
    func aLinkThatAnswersThePingWronglyFailsToConnect(_ transport: Transport) async throws {
        try await Self.withServer(answeringTheFirstRequestWith: .replyWithGarbage) { server in
            await #expect {
                _ = try await Self.open(transport, Self.configuration(server, attempts: 1))
            } throws: { error in
                guard let error = error as? ZCachedError else { return false }
                return error.code == .connectFailed && error.message.contains("PING")
            }
        }
    }
}
