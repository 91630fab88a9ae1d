import ArgumentParser
import NIOPosix
import ZCachedClient
import ZCachedTesting

/// Where the benchmark sends its load: a real server given by `--host`, or the embedded one.
struct ServerOptions: ParsableArguments {
    @Option(help: "The zcached server's host. Without it, an embedded server runs in-process.")
    var host: String?

    @Option(help: "The zcached server's port.")
    var port: Int = 7556

    @Flag(help: "Speak TLS 1.3 to the server (needs --host; the raw baseline is then skipped).")
    var tls = false

    @Option(name: .customLong("tls-ca"), help: "A PEM file of trusted roots for --tls; the system's roots unless given.")
    var tlsCertificateAuthority: String?

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        if tls && host == nil {
            throw ValidationError("--tls needs --host: the embedded server speaks plain TCP here")
        }
    }

    /// Connects the benchmark to its server, starting the embedded one when no host is given.
    func makeTarget() async throws -> BenchmarkTarget {
        guard let host else { return try await .embedded() }
        let tlsConfiguration = tls
            ? ZCachedConnectionConfiguration.TLS(trustRootPEMFiles: tlsCertificateAuthority.map { [$0] } ?? [])
            : nil
        return BenchmarkTarget(host: host, port: port, tls: tlsConfiguration, embedded: nil)
    }
}

/// The server under load, and how to reach it.
struct BenchmarkTarget: Sendable {
    let host: String
    let port: Int
    let tls: ZCachedConnectionConfiguration.TLS?
    /// The in-process server, when no host was given.
    let embedded: ZCachedTestServer?

    /// Starts the embedded server. It writes replies like the real zcached (Nagle on, 4 KiB
    /// chunks), so the TCP_QUICKACK stall of replies over 4 KiB shows as it would in production,
    /// and it runs on its own event loop thread, as a separate server process would.
    static func embedded() async throws -> BenchmarkTarget {
        let server = try await ZCachedTestServer.start(
            configuration: .init(eventLoopGroup: MultiThreadedEventLoopGroup(numberOfThreads: 1), writesLikeTheRealServer: true)
        )
        return BenchmarkTarget(host: server.host, port: server.port, tls: nil, embedded: server)
    }

    /// A description for the report header.
    var description: String {
        (embedded == nil ? "zcached at " : "embedded server at ") + "\(host):\(port)" + (tls == nil ? "" : " (TLS)")
    }

    /// The client configuration for `connections` connections.
    func clientConfiguration(connections: Int, rearmsQuickAck: Bool) -> ZCachedConfiguration {
        var configuration = ZCachedConfiguration(host: host, port: port, poolSize: connections, tls: tls)
        configuration.connection.rearmsQuickAck = rearmsQuickAck
        return configuration
    }

    /// Stops the embedded server, if any.
    func shutdown() async {
        await embedded?.shutdown()
    }
}
