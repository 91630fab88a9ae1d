import ZCachedCore
import ZCachedTransport

/// Every option of a client, with production defaults: where the server is, how many
/// connections to keep, and how each connection behaves.
///
/// The names follow the Python client's options: `poolSize`, `connectionAttempts`, `reconnect`,
/// `timeoutLimit` (`requestTimeout`), `bufferSize`.
public struct ZCachedConfiguration: Sendable {
    /// How each connection connects and behaves.
    public var connection: ZCachedConnectionConfiguration
    /// How many connections the pool opens; at least 1. One pipelined connection already serves
    /// many concurrent tasks; more spread load over the server's worker threads.
    public var poolSize: Int

    /// Checks the pool size and the connections' options (see
    /// ``ZCachedConnectionConfiguration/validate()``). The clients call it before connecting.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` naming the option.
    public func validate() throws(ZCachedError) {
        guard poolSize >= 1 else {
            throw ZCachedError(
                code: .invalidArgument,
                message: "poolSize \(poolSize) is below 1",
                argument: "configuration.poolSize"
            )
        }
        try connection.validate()
    }

    /// Makes a configuration. Values are checked when a client connects (``validate()``).
    /// - Parameters:
    ///   - host: The server's host; `127.0.0.1` unless given.
    ///   - port: The server's port; 7556 unless given.
    ///   - poolSize: How many connections to open; 4 unless given.
    ///   - tls: TLS settings; plain TCP unless given.
    ///   - connectTimeout: 5 s unless given.
    ///   - requestTimeout: The seed's `timeout_limit`; 5 s unless given.
    ///   - reconnect: Whether a connection whose link breaks reconnects, and whether the clients
    ///     try broken connections again when none is usable; `true` unless given.
    ///   - connectionAttempts: Connect attempts per (re)connect; 3 unless given.
    ///   - backoff: Delays between attempts; 100 ms doubling to 5 s unless given.
    ///   - bufferSize: Socket receive buffer hint; the system's default unless given.
    public init(
        host: String = "127.0.0.1",
        port: Int = 7556,
        poolSize: Int = 4,
        tls: ZCachedConnectionConfiguration.TLS? = nil,
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(5),
        reconnect: Bool = true,
        connectionAttempts: Int = 3,
        backoff: ExponentialBackoff = ExponentialBackoff(initial: .milliseconds(100), multiplier: 2, max: .seconds(5)),
        bufferSize: Int? = nil
    ) {
        self.connection = ZCachedConnectionConfiguration(
            host: host,
            port: port,
            tls: tls,
            connectTimeout: connectTimeout,
            requestTimeout: requestTimeout,
            reconnect: reconnect,
            connectionAttempts: connectionAttempts,
            backoff: backoff,
            bufferSize: bufferSize
        )
        self.poolSize = poolSize
    }

    /// Makes a configuration from a connection configuration and a pool size.
    /// - Parameters:
    ///   - connection: How each connection behaves.
    ///   - poolSize: How many connections to open.
    public init(connection: ZCachedConnectionConfiguration, poolSize: Int = 4) {
        self.connection = connection
        self.poolSize = poolSize
    }
}
