/// The server an integration test talks to: a fresh embedded ``ZCachedTestServer`` by default,
/// or the real zcached named by the `ZCACHED_TEST_SERVER=host:port` environment variable.
///
/// Write tests against an endpoint and they run unchanged against both. Tests that need fault
/// injection or server statistics use ``server``, which is `nil` against a real server; mark
/// them `.enabled(if: !ZCachedTestEndpoint.isExternal)`. Against a shared real server, give
/// every test its own keys and never FLUSH.
public struct ZCachedTestEndpoint: Sendable {
    /// The host to connect to.
    public let host: String
    /// The port to connect to.
    public let port: Int
    /// The embedded server, or `nil` when the tests run against a real server.
    public let server: ZCachedTestServer?

    /// The `host:port` from `ZCACHED_TEST_SERVER`, when set and well formed.
    public static var external: (host: String, port: Int)? {
        guard let value = ProcessEnvironment.value(of: "ZCACHED_TEST_SERVER"),
            let colon = value.lastIndex(of: ":"),
            let port = Int(value[value.index(after: colon)...])
        else { return nil }
        return (String(value[..<colon]), port)
    }

    /// Whether the tests run against a real server named by `ZCACHED_TEST_SERVER`.
    public static var isExternal: Bool { external != nil }

    /// Starts an embedded server, or names the external one.
    /// - Parameter configuration: The embedded server's configuration.
    /// - Returns: The endpoint to connect to.
    /// - Throws: When the embedded server cannot bind a port.
    public static func start(configuration: ZCachedTestServer.Configuration = .init()) async throws -> ZCachedTestEndpoint {
        if let external {
            return ZCachedTestEndpoint(host: external.host, port: external.port, server: nil)
        }
        let server = try await ZCachedTestServer.start(configuration: configuration)
        return ZCachedTestEndpoint(host: server.host, port: server.port, server: server)
    }

    /// Shuts the embedded server down; does nothing for an external server.
    public func shutdown() async {
        await server?.shutdown()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the process environment without Foundation.
enum ProcessEnvironment {
    static func value(of name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
