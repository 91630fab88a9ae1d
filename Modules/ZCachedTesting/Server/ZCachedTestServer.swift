import NIOCore
import ZCachedCore

/// An in-process server that speaks zcached's protocol, for tests and benchmarks.
///
/// It reproduces the real server's semantics and reply bytes (PROTOCOL.md), including its
/// lenient request parser, but none of its bugs: it does not crash, it handles pipelined batches
/// of any size, and it never loses a reply unless a fault is injected through ``faults``.
///
/// Where it differs, so a test does not lean on it: MGET replies, maps and unordered sets come
/// back in an order of its own (a fixed FNV-1a hash of each key), which is neither the real
/// server's hash order nor the request's, so compare them without order; map keys and simple
/// strings are compared as Swift strings (Unicode-equivalent keys are one key here, two on
/// the real server); values nested more than 512 levels deep are refused with `-ERR unexpected`;
/// a half-closed connection still gets its replies (the real server drops them, §4.2); and under
/// TLS a closing fault (``ZCachedFault/resetConnection``, an emulated crash) sends `close_notify`
/// first. It applies no backpressure: the replies to one read are built whole before they are
/// written, and a client that stops reading makes it buffer without bound.
/// All connections share one key space, which survives ``restart()``.
///
/// ```swift
/// let server = try await ZCachedTestServer.start()
/// // connect to server.host:server.port
/// await server.shutdown()
/// ```
public final class ZCachedTestServer: Sendable {
    /// The address the server listens on.
    public let host: String
    /// The port the server listens on (the one the system chose when started with port 0).
    public let port: Int

    /// Whether the server listens, and on which socket.
    private enum Listener {
        case listening(any Channel)
        /// Not listening after a restart failed to bind; another ``ZCachedTestServer/restart()``
        /// may try again.
        case stopped
        /// A ``ZCachedTestServer/restart()`` is under way; `done` completes when it has ended.
        case restarting(done: EventLoopPromise<Void>)
        /// After ``ZCachedTestServer/shutdown()``, for good.
        case shutDown
    }

    private let services: ServerServices
    private let listener: ZCachedLock<Listener>

    /// The fault hooks: arm faults for chosen requests or refuse new connections.
    public var faults: ZCachedFaultInjector { services.faults }

    /// A snapshot of the server's counters.
    public var statistics: Statistics { services.statistics.snapshot }

    private init(host: String, port: Int, services: ServerServices, listener: any Channel) {
        self.host = host
        self.port = port
        self.services = services
        self.listener = ZCachedLock(.listening(listener))
    }

    /// Starts a server listening on `host` and `port`.
    ///
    /// The listening socket sets `SO_REUSEADDR`, so a server can listen again on a port another
    /// one just used.
    /// - Parameters:
    ///   - host: The address to listen on; loopback by default.
    ///   - port: The port to listen on; 0 (the default) lets the system choose a free one.
    ///   - configuration: Event loops, TLS and the request size limit.
    /// - Returns: The running server.
    /// - Throws: The error of binding the listening socket, for example when the port is in use.
    public static func start(
        host: String = "127.0.0.1",
        port: Int = 0,
        configuration: Configuration = .init()
    ) async throws -> ZCachedTestServer {
        let services = ServerServices(configuration: configuration, faults: ZCachedFaultInjector())
        let channel = try await services.bind(host: host, port: port)
        guard let boundPort = channel.localAddress?.port else {
            try? await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        return ZCachedTestServer(host: host, port: boundPort, services: services, listener: channel)
    }

    /// Starts a server on a free loopback port, runs `body` with it, then shuts it down, whether
    /// `body` succeeded or threw.
    /// - Parameters:
    ///   - configuration: Event loops, TLS and the request size limit.
    ///   - body: The test.
    /// - Throws: The error of binding the listening socket, or what `body` threw.
    public static func withServer(
        configuration: Configuration = .init(),
        _ body: (ZCachedTestServer) async throws -> Void
    ) async throws {
        let server = try await start(configuration: configuration)
        do {
            try await body(server)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// Stops listening and closes every connection, for good: a ``restart()`` under way stops
    /// too, and is waited for, so nothing listens once this returns. Calling it again does
    /// nothing.
    public func shutdown() async {
        let (channel, restart): ((any Channel)?, EventLoopFuture<Void>?) = listener.withLock { listener in
            defer { listener = .shutDown }
            switch listener {
            case .listening(let channel): return (channel, nil)
            case .restarting(let done): return (nil, done.futureResult)
            case .stopped, .shutDown: return (nil, nil)
            }
        }
        await stop(channel)
        try? await restart?.get()
    }

    /// Stops accepting, closes every connection, then listens again on the same port.
    ///
    /// The key space, the fault hooks and the statistics are kept.
    /// - Throws: The error of binding the listening socket again;
    ///   `ChannelError.ioOnClosedChannel` when the server was shut down, before or during the
    ///   restart (it then stays shut down), or when another restart is under way.
    public func restart() async throws {
        let done = services.configuration.eventLoopGroup.any().makePromise(of: Void.self)
        let (mayRestart, previous): (Bool, (any Channel)?) = listener.withLock { listener in
            switch listener {
            case .listening(let channel):
                listener = .restarting(done: done)
                return (true, channel)
            case .stopped:
                listener = .restarting(done: done)
                return (true, nil)
            case .restarting, .shutDown:
                return (false, nil)
            }
        }
        // Completed however the restart ends, for a `shutdown()` waiting on it.
        defer { done.succeed() }
        guard mayRestart else { throw ChannelError.ioOnClosedChannel }
        await stop(previous)
        let channel: any Channel
        do {
            channel = try await services.bind(host: host, port: port)
        } catch {
            listener.withLock { listener in
                if case .restarting = listener { listener = .stopped }
            }
            throw error
        }
        let isShutDown = listener.withLock { listener in
            guard case .restarting = listener else { return true }
            listener = .listening(channel)
            return false
        }
        guard isShutDown else { return }
        // Shut down while binding: nothing may stay open, the connections the new listener
        // accepted meanwhile included.
        await stop(channel)
        throw ChannelError.ioOnClosedChannel
    }

    /// Closes `channel`, the listener taken out of ``listener``, if any, then every connection.
    private func stop(_ channel: (any Channel)?) async {
        try? await channel?.close()
        await services.connections.closeAll()
    }
}
