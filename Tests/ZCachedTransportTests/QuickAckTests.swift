import NIOCore
import NIOPosix
import Testing
import ZCachedCore
import ZCachedTesting
import ZCachedTransport

/// The server writes replies over 4 KiB in 4096-byte chunks with Nagle on, so each such reply
/// stalls ~40 ms against a client that delays its ACKs (PROTOCOL.md §4.7). The embedded server
/// reproduces that write pattern; the transports re-arm TCP_QUICKACK after every read that leaves
/// reply bytes to come, which sends the ACK the rest waits for at once.
@Suite(.serialized) struct QuickAckTests {
    static let replySize = 10_000
    static let samples = 15

    static func configuration(_ server: ZCachedTestServer, quickAck: Bool) -> ZCachedConnectionConfiguration {
        var configuration = ZCachedConnectionConfiguration(host: server.host, port: server.port)
        configuration.rearmsQuickAck = quickAck
        return configuration
    }

    static func median(_ durations: [Duration]) -> Duration {
        durations.sorted()[durations.count / 2]
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func largeGetLatency<Connection>(_ connection: Connection, send: (Connection) async throws -> Void) async throws -> Duration {
        let clock = ContinuousClock()
        var durations: [Duration] = []
        for _ in 0..<samples {
            durations.append(try await clock.measure { try await send(connection) })
        }
        return median(durations)
    }

    @Test func rearmingQuickAckRemovesTheLargeReplyStall() async throws {
        let server = try await ZCachedTestServer.start(configuration: .init(writesLikeTheRealServer: true))
        let value = ZCachedValue.bulkString([UInt8](repeating: 0x76, count: Self.replySize))
        let get = ZCachedKeyCommands.Get("large")

        let withQuickAck = try await ZCachedNIOConnection.connect(configuration: Self.configuration(server, quickAck: true))
        try await withQuickAck.send(ZCachedKeyCommands.Set("large", value))
        let nioWith = try await Self.largeGetLatency(withQuickAck) { connection in
            let reply = try await connection.send(get)
            #expect(reply == value)
        }
        await withQuickAck.close()
        let withoutQuickAck = try await ZCachedNIOConnection.connect(configuration: Self.configuration(server, quickAck: false))
        let nioWithout = try await Self.largeGetLatency(withoutQuickAck) { connection in
            let reply = try await connection.send(get)
            #expect(reply == value)
        }
        await withoutQuickAck.close()

        let posixWithConnection = try ZCachedPOSIXConnection(configuration: Self.configuration(server, quickAck: true))
        let posixWith = try await Self.largeGetLatency(posixWithConnection) { connection in
            let reply = try connection.send(get)
            #expect(reply == value)
        }
        posixWithConnection.close()
        let posixWithoutConnection = try ZCachedPOSIXConnection(configuration: Self.configuration(server, quickAck: false))
        let posixWithout = try await Self.largeGetLatency(posixWithoutConnection) { connection in
            let reply = try connection.send(get)
            #expect(reply == value)
        }
        posixWithoutConnection.close()
        await server.shutdown()

        print("QUICKACK: median GET of a \(Self.replySize)-byte reply, server writing like zcached: NIO \(Self.milliseconds(nioWith)) ms with, \(Self.milliseconds(nioWithout)) ms without; POSIX \(Self.milliseconds(posixWith)) ms with, \(Self.milliseconds(posixWithout)) ms without")
        #if os(Linux)
        #expect(nioWith < .milliseconds(20))
        #expect(posixWith < .milliseconds(20))
        #endif
    }

    /// A client on the server's own event loop reads the first chunk only after the server's
    /// handler has written the rest, which Nagle holds back in the kernel: the re-arm after that
    /// read must release it.
    @Test func rearmingQuickAckAlsoWorksOnTheServersEventLoop() async throws {
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ZCachedTestServer.start(
            configuration: .init(eventLoopGroup: loop, writesLikeTheRealServer: true)
        )
        let value = ZCachedValue.bulkString([UInt8](repeating: 0x76, count: Self.replySize))
        let connection = try await ZCachedNIOConnection.connect(
            configuration: Self.configuration(server, quickAck: true),
            eventLoopGroup: loop
        )
        try await connection.send(ZCachedKeyCommands.Set("large", value))
        let latency = try await Self.largeGetLatency(connection) { connection in
            let reply = try await connection.send(ZCachedKeyCommands.Get("large"))
            #expect(reply == value)
        }
        await connection.close()
        await server.shutdown()
        try await loop.shutdownGracefully()
        print("QUICKACK: NIO client on the server's event loop: \(Self.milliseconds(latency)) ms")
        #if os(Linux)
        #expect(latency < .milliseconds(20))
        #endif
    }
}
