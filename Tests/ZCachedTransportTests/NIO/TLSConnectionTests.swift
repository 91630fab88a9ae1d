import Foundation
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
    static func startTLSServer() async throws -> ZCachedTestServer {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(fixture("server")).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: fixture("server.key"), format: .pem))
        )
        tls.minimumTLSVersion = .tlsv13
        return try await ZCachedTestServer.start(configuration: .init(tlsContext: try NIOSSLContext(configuration: tls)))
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
