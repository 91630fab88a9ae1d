import NIOCore
import NIOPosix
import NIOSSL

extension ZCachedTestServer {
    /// How an embedded server runs.
    public struct Configuration: Sendable {
        /// The event loops that accept and serve connections.
        public var eventLoopGroup: any EventLoopGroup
        /// When set, connections speak TLS with this context (build it for TLS 1.3 only, as the
        /// real `zcached_tls` server accepts nothing else).
        public var tlsContext: NIOSSLContext?
        /// The real server's `max_request_size`: before each read (of at most 4096 bytes, as the
        /// real server's), a connection holding more than this many bytes of an unfinished frame
        /// is closed with no reply. As on the real server the check is soft (PROTOCOL.md §4.4):
        /// with 1000, a 4000-byte frame in one write is accepted and an 8000-byte one is not.
        public var maximumRequestSize: Int
        /// Whether to write replies like the real server: TCP_NODELAY off and 4096-byte chunks,
        /// each its own write. Replies over 4 KiB then stall ~40 ms against a client that does
        /// not re-arm TCP_QUICKACK, as they do against the real server (PROTOCOL.md §4.7).
        public var writesLikeTheRealServer: Bool
        /// When set, the TCP maximum segment size the listener offers clients (`TCP_MAXSEG`), so
        /// that loopback splits writes into segments as a network path does (1448 bytes on
        /// Ethernet; loopback's own is ~64 KiB). Linux takes values from 536 up.
        public var maximumSegmentSize: Int?

        /// Makes a configuration.
        /// - Parameters:
        ///   - eventLoopGroup: The event loops to use; the shared singleton by default.
        ///   - tlsContext: A TLS server context, or `nil` for plain TCP.
        ///   - maximumRequestSize: The request size limit in bytes; 10 MiB by default.
        ///   - writesLikeTheRealServer: Whether to write like the real server; `false` by default.
        ///   - maximumSegmentSize: The segment size to offer clients; the system's by default.
        public init(
            eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
            tlsContext: NIOSSLContext? = nil,
            maximumRequestSize: Int = 10 * 1024 * 1024,
            writesLikeTheRealServer: Bool = false,
            maximumSegmentSize: Int? = nil
        ) {
            self.eventLoopGroup = eventLoopGroup
            self.tlsContext = tlsContext
            self.maximumRequestSize = maximumRequestSize
            self.writesLikeTheRealServer = writesLikeTheRealServer
            self.maximumSegmentSize = maximumSegmentSize
        }
    }
}
