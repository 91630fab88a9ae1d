import NIOCore
import NIOPosix
import NIOSSL

/// What every listener of one server shares: the key space, fault hooks, counters and open
/// connections. It binds listening sockets whose connections use them.
struct ServerServices: Sendable {
    let configuration: ZCachedTestServer.Configuration
    let faults: ZCachedFaultInjector
    let keySpace = KeySpace()
    let statistics = StatisticsCounters()
    let connections = ConnectionRegistry()

    /// Listens on `host`:`port` with `SO_REUSEADDR`.
    /// - Throws: The error of binding the socket.
    func bind(host: String, port: Int) async throws -> any Channel {
        let epoch = connections.currentEpoch
        var bootstrap = ServerBootstrap(group: configuration.eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        if let segmentSize = configuration.maximumSegmentSize {
            // Set on the listener before it listens: accepted connections advertise it.
            bootstrap = bootstrap.serverChannelOption(.tcpOption(.init(rawValue: CInt(TCP_MAXSEG))), value: SocketOptionValue(segmentSize))
        }
        return try await bootstrap
            .childChannelOption(.tcpOption(.tcp_nodelay), value: configuration.writesLikeTheRealServer ? 0 : 1)
            // A client that shuts its side down still gets the replies to what it sent: the
            // handler closes once they are written (ServerChannelHandler.userInboundEventTriggered).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Reads of at most 4096 bytes, as the real server's (PROTOCOL.md §4.4): NIO's adaptive
            // reads would start at 2048 and split a frame the real server reads whole.
            .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: ServerChannelHandler.readSize))
            .childChannelInitializer { channel in
                self.initialize(channel, acceptedIn: epoch)
            }
            .bind(host: host, port: port)
            .get()
    }

    private func initialize(_ channel: any Channel, acceptedIn epoch: Int) -> EventLoopFuture<Void> {
        statistics.recordConnectionAccepted()
        connections.register(channel, acceptedIn: epoch)
        return channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            if faults.refusesConnections {
                try pipeline.addHandler(RefuseConnectionHandler())
                return
            }
            if let tlsContext = configuration.tlsContext {
                try pipeline.addHandler(NIOSSLServerHandler(context: tlsContext))
            }
            if configuration.writesLikeTheRealServer {
                try pipeline.addHandler(RealServerWriteHandler())
            }
            try pipeline.addHandler(
                ServerChannelHandler(
                    executor: CommandExecutor(keySpace: keySpace),
                    faults: faults,
                    statistics: statistics,
                    connections: connections,
                    maximumRequestSize: configuration.maximumRequestSize
                )
            )
        }
    }
}
