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

    /// Starts a server whose next request gets `faults`, runs `body`, and shuts the server down.
    static func withServer(answeringTheFirstRequestWith faults: [ZCachedFault], _ body: (ZCachedTestServer) async throws -> Void) async throws {
        try await ZCachedTestServer.withServer { server in
            for fault in faults { server.faults.inject(fault, on: .nextRequest) }
            try await body(server)
        }
    }

    /// A link check answered in a way that makes the link unfit for requests.
    enum BadAnswer: String, CaseIterable, Sendable {
        /// zcached's silent connection (PROTOCOL.md §4.2).
        case none
        /// `+PONG` and a reply nobody asked for: the blocking check read `+PONG` and dropped the
        /// rest, the async one made the link ready and then failed its first request.
        case pongAndMore
        /// `+PONG` and part of a reply (no `0x03` yet): left there, the first request written
        /// alone would have taken it as its reply once it completed.
        case pongAndPartOfAReply

        var faults: [ZCachedFault] {
            let pongAndMore = ZCachedFault.replaceReply(with: Array("+PONG\r\n\u{03}:7\r\n".utf8))
            return switch self {
            case .none: [.dropAllLaterReplies]
            case .pongAndMore: [pongAndMore]
            case .pongAndPartOfAReply: [pongAndMore, .omitTerminator]
            }
        }
    }

    @Test(arguments: Transport.allCases, BadAnswer.allCases)
    func aNewLinkWhoseCheckIsAnsweredBadlyIsReplacedBeforeItTakesRequests(_ transport: Transport, _ answer: BadAnswer) async throws {
        try await Self.withServer(answeringTheFirstRequestWith: answer.faults) { server in
            let connection = try await Self.open(transport, Self.configuration(server))
            #expect(server.statistics.connectionsAccepted == 2, "the unfit link was not replaced while connecting")
            await #expect(throws: Never.self) { try await connection.ping() }
            await connection.close()
        }
    }

    @Test(arguments: Transport.allCases)
    func withoutTheCheckTheSilentLinkFailsTheFirstRequest(_ transport: Transport) async throws {
        try await Self.withServer(answeringTheFirstRequestWith: [.dropAllLaterReplies]) { server in
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
    func aLinkThatAnswersThePingWronglyFailsToConnect(_ transport: Transport) async throws {
        try await Self.withServer(answeringTheFirstRequestWith: [.replyWithGarbage]) { server in
            await #expect {
                _ = try await Self.open(transport, Self.configuration(server, attempts: 1))
            } throws: { error in
                guard let error = error as? ZCachedError else { return false }
                return error.code == .connectFailed && error.message.contains("PING")
            }
        }
    }
}
