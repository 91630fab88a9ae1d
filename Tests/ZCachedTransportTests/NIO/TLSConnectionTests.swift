import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import ZCachedCore
import ZCachedTesting
import ZCachedTransport

/// TLS 1.3 against the embedded server started with the test certificate in Fixtures/.
@Suite struct TLSConnectionTests {
    static func fixture(_ name: String) throws -> String {
        try #require(Bundle.module.path(forResource: name, ofType: "pem") ?? Bundle.module.path(forResource: name, ofType: nil))
    }

    /// A server context that, like `zcached_tls`, accepts TLS 1.3 only.
    static func startTLSServer(on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ZCachedTestServer {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(fixture("server")).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: fixture("server.key"), format: .pem))
        )
        tls.minimumTLSVersion = .tlsv13
        return try await ZCachedTestServer.start(configuration: .init(eventLoopGroup: group, tlsContext: try NIOSSLContext(configuration: tls)))
    }

    static func configuration(port: Int, tls: ZCachedConnectionConfiguration.TLS?) -> ZCachedConnectionConfiguration {
        ZCachedConnectionConfiguration(host: "127.0.0.1", port: port, tls: tls, connectTimeout: .seconds(2), connectionAttempts: 1)
    }

    @Test func commandsRunOverTLS13WithAVerifiedCertificate() async throws {
        let server = try await Self.startTLSServer()
        let tls = ZCachedConnectionConfiguration.TLS(trustRootPEMFiles: [try Self.fixture("ca")], serverHostname: "localhost")
        let connection = try await ZCachedNIOConnection.connect(configuration: Self.configuration(port: server.port, tls: tls))
        try await connection.send(ZCachedKeyCommands.Set("secure", ["over": "tls"]))
        #expect(try await connection.send(ZCachedKeyCommands.Get("secure")) == ["over": "tls"])
        await connection.close()
        await server.shutdown()
    }

    @Test func anUntrustedCertificateFailsToConnect() async throws {
        let server = try await Self.startTLSServer()
        let tls = ZCachedConnectionConfiguration.TLS(serverHostname: "localhost")
        let error = await #expect(throws: ZCachedError.self) {
            try await ZCachedNIOConnection.connect(configuration: Self.configuration(port: server.port, tls: tls))
        }
        #expect(error?.code == .connectFailed)
        await server.shutdown()
    }

    /// Until the connection hears its link is down, it reports itself connected and hands new
    /// requests to the dead link (the pool even ranks it best). A TLS close waits for the
    /// server's `close_notify`, so waiting for the close to complete left that window open for up
    /// to a round trip, or 5 s when the server had gone silent.
    @Test(arguments: [false, true])
    func aTimedOutLinkIsReportedDownBeforeItsCallerHearsOfIt(overTLS: Bool) async throws {
        let server = overTLS ? try await Self.startTLSServer() : try await ZCachedTestServer.start()
        let tls = overTLS ? ZCachedConnectionConfiguration.TLS(trustRootPEMFiles: [try Self.fixture("ca")], serverHostname: "localhost") : nil
        var configuration = Self.configuration(port: server.port, tls: tls)
        configuration.requestTimeout = .milliseconds(300)
        let events = ZCachedLock<[String]>([])
        configuration.onStateChange = { change in events.withLock { $0.append("\(change.previous) -> \(change.current)") } }
        let connection = try await ZCachedNIOConnection.connect(configuration: configuration)
        server.faults.inject(.delayReply(.seconds(2)), on: .command("GET"))
        let error = await #expect(throws: ZCachedError.self) { try await connection.send(ZCachedKeyCommands.Get("slow")) }
        events.withLock { $0.append("caller got \(error.map { "\($0.code)" } ?? "no error")") }
        server.faults.removeAll()
        let log = events.withLock { $0 }
        let down = try #require(log.firstIndex(of: "connected -> reconnecting"), "\(log)")
        let caller = try #require(log.firstIndex(of: "caller got timeout"), "\(log)")
        #expect(down < caller, "\(log)")
        await connection.close()
        await server.shutdown()
    }

    /// `close()` sends `close_notify` and waits for the server's; a server gone silent (its loop
    /// frozen here) held it for NIOSSL's default 5 s.
    @Test func closingAgainstASilentServerWaitsAtMostTheTLSCloseTimeout() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await Self.startTLSServer(on: group)
        let tls = ZCachedConnectionConfiguration.TLS(trustRootPEMFiles: [try Self.fixture("ca")], serverHostname: "localhost")
        var configuration = Self.configuration(port: server.port, tls: tls)
        configuration.requestTimeout = .milliseconds(300)
        let connection = try await ZCachedNIOConnection.connect(configuration: configuration)
        try await connection.send(ZCachedServerCommands.Ping())
        let frozen = DispatchSemaphore(value: 0)
        let thaw = DispatchSemaphore(value: 0)
        group.next().execute {
            frozen.signal()
            thaw.wait()
        }
        frozen.wait()
        let clock = ContinuousClock()
        let start = clock.now
        await connection.close()
        let elapsed = clock.now - start
        thaw.signal()
        #expect(elapsed < .seconds(2), "close() took \(elapsed)")
        #expect(connection.state == .closed)
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func tlsAgainstAPlaintextServerFailsWithinTheConnectTimeout() async throws {
        let server = try await ZCachedTestServer.start()
        let tls = ZCachedConnectionConfiguration.TLS(trustRootPEMFiles: [try Self.fixture("ca")], serverHostname: "localhost")
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: ZCachedError.self) {
            try await ZCachedNIOConnection.connect(configuration: Self.configuration(port: server.port, tls: tls))
        }
        #expect(error?.code == .connectFailed)
        #expect(clock.now - start < .seconds(3))
        await server.shutdown()
    }
}
