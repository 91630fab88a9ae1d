import ZCachedClient
import ZCachedCore
import ZCachedTesting

/// Helpers shared by the client suites: a configuration for an endpoint and unique key names,
/// so the suites can also run against one shared real server.
enum ClientTestSupport {
    static func configuration(_ endpoint: ZCachedTestEndpoint, poolSize: Int = 2, requestTimeout: Duration = .seconds(5)) -> ZCachedConfiguration {
        ZCachedConfiguration(
            host: endpoint.host,
            port: endpoint.port,
            poolSize: poolSize,
            connectTimeout: .seconds(2),
            requestTimeout: requestTimeout,
            connectionAttempts: 5,
            backoff: ExponentialBackoff(initial: .milliseconds(20), multiplier: 2, max: .milliseconds(200))
        )
    }

    /// A key prefix no other test uses.
    static func uniquePrefix(_ name: String) -> String {
        "\(name):\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Retries `body` until it succeeds, for at most 5 seconds (see ``ZCachedEventually``).
    static func eventually<T>(_ body: () async throws -> T) async throws -> T {
        try await ZCachedEventually.succeeds(body)
    }
}
