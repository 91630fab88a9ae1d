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
        /// When more bytes than this are buffered for one connection without a complete frame,
        /// the connection is closed with no reply, like the real server's `max_request_size`.
        public var maximumRequestSize: Int
        /// Whether to write replies like the real server: TCP_NODELAY off and 4096-byte chunks,
        /// each its own write. Replies over 4 KiB then stall ~40 ms against a client that does
        /// not re-arm TCP_QUICKACK, as they do against the real server (PROTOCOL.md §4.7).
        public var writesLikeTheRealServer: Bool

        /// Makes a configuration.
        /// - Parameters:
        ///   - eventLoopGroup: The event loops to use; the shared singleton by default.
        ///   - tlsContext: A TLS server context, or `nil` for plain TCP.
        ///   - maximumRequestSize: The request size limit in bytes; 10 MiB by default.
        ///   - writesLikeTheRealServer: Whether to write like the real server; `false` by default.
        public init(
            eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
            tlsContext: NIOSSLContext? = nil,
            maximumRequestSize: Int = 10 * 1024 * 1024,
            writesLikeTheRealServer: Bool = false
        ) {
            self.eventLoopGroup = eventLoopGroup
            self.tlsContext = tlsContext
            self.maximumRequestSize = maximumRequestSize
            self.writesLikeTheRealServer = writesLikeTheRealServer
        }
    }
}
