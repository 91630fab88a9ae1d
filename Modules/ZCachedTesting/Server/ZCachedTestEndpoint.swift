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

    /// The host and port from `ZCACHED_TEST_SERVER`, when set and well formed: `host:port` or
    /// `[IPv6 address]:port`, with a port in 1...65535.
    public static var external: (host: String, port: Int)? {
        configuredServer.flatMap(address(parsing:))
    }

    /// The host and port of `value`, `host:port` or `[IPv6 address]:port`, when well formed: a
    /// host (with a colon only inside brackets), and a port of decimal digits in 1...65535.
    package static func address(parsing value: String) -> (host: String, port: Int)? {
        guard let colon = value.lastIndex(of: ":") else { return nil }
        let digits = value[value.index(after: colon)...]
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let port = Int(digits), (1...65535).contains(port)
        else { return nil }
        var host = value[..<colon]
        if host.first == "[", host.last == "]" {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil
        }
        guard !host.isEmpty, !host.contains("["), !host.contains("]") else { return nil }
        return (String(host), port)
    }

    /// Whether the tests run against a real server named by `ZCACHED_TEST_SERVER`: true whenever
    /// the variable is set and not empty, well formed or not, so a mistyped value fails
    /// ``start(configuration:)`` instead of quietly testing the embedded server.
    public static var isExternal: Bool { configuredServer != nil }

    /// `ZCACHED_TEST_SERVER`, unless unset or empty.
    private static var configuredServer: String? {
        ProcessEnvironment.value(of: "ZCACHED_TEST_SERVER").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `ZCACHED_TEST_SERVER` is set but is not `host:port` or `[IPv6 address]:port`.
    public struct MalformedServerAddress: Error, CustomStringConvertible {
        /// The variable's value.
        public let value: String
        /// What is wrong, with the value.
        public var description: String { "ZCACHED_TEST_SERVER=\"\(value)\" is not host:port or [IPv6 address]:port with a port in 1...65535" }
    }

    /// Starts an embedded server, or names the external one.
    /// - Parameter configuration: The embedded server's configuration.
    /// - Returns: The endpoint to connect to.
    /// - Throws: ``MalformedServerAddress`` when `ZCACHED_TEST_SERVER` is set but malformed;
    ///   when the embedded server cannot bind a port.
    public static func start(configuration: ZCachedTestServer.Configuration = .init()) async throws -> ZCachedTestEndpoint {
        if let value = configuredServer {
            guard let external else { throw MalformedServerAddress(value: value) }
            return ZCachedTestEndpoint(host: external.host, port: external.port, server: nil)
        }
        let server = try await ZCachedTestServer.start(configuration: configuration)
        return ZCachedTestEndpoint(host: server.host, port: server.port, server: server)
    }

    /// Starts an endpoint, opens a client or connection on it, runs `body`, then closes what
    /// was opened and shuts the endpoint down, whether `body` succeeded or threw.
    /// - Parameters:
    ///   - configuration: The embedded server's configuration.
    ///   - open: Opens the resource to test (a client, a connection) on the endpoint.
    ///   - close: Closes the resource.
    ///   - body: The test.
    /// - Throws: What starting the server, `open` or `body` threw.
    public static func with<Resource>(
        configuration: ZCachedTestServer.Configuration = .init(),
        opening open: (ZCachedTestEndpoint) async throws -> Resource,
        closing close: (Resource) async -> Void,
        _ body: (Resource, ZCachedTestEndpoint) async throws -> Void
    ) async throws {
        let endpoint = try await start(configuration: configuration)
        let resource: Resource
        do {
            resource = try await open(endpoint)
        } catch {
            await endpoint.shutdown()
            throw error
        }
        do {
            try await body(resource, endpoint)
        } catch {
            await close(resource)
            await endpoint.shutdown()
            throw error
        }
        await close(resource)
        await endpoint.shutdown()
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
