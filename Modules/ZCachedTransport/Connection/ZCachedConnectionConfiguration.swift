import ZCachedCore

/// Everything one connection needs: where to connect and how to behave.
public struct ZCachedConnectionConfiguration: Sendable {
    /// TLS settings. zcached's TLS server accepts TLS 1.3 only (PROTOCOL.md §5).
    public struct TLS: Sendable {
        /// PEM files of certificate authorities to trust, in addition to none: when empty the
        /// system's trust roots are used.
        public var trustRootPEMFiles: [String]
        /// The host name to check the server's certificate against and send as SNI; the
        /// connection's host when `nil`.
        public var serverHostname: String?
        /// Whether to verify the server's certificate; keep this on outside tests.
        public var verifiesCertificate: Bool

        /// Makes TLS settings.
        /// - Parameters:
        ///   - trustRootPEMFiles: CA files to trust; the system's roots when empty.
        ///   - serverHostname: The name to verify; the host when `nil`.
        ///   - verifiesCertificate: Whether to verify the certificate; `true` unless given.
        public init(trustRootPEMFiles: [String] = [], serverHostname: String? = nil, verifiesCertificate: Bool = true) {
            self.trustRootPEMFiles = trustRootPEMFiles
            self.serverHostname = serverHostname
            self.verifiesCertificate = verifiesCertificate
        }
    }

    /// The server's host name or address.
    public var host: String
    /// The server's port; zcached listens on 7556 by default.
    public var port: Int
    /// TLS settings, or `nil` for plain TCP.
    public var tls: TLS?
    /// The longest a connect (TCP and TLS handshake) may take.
    public var connectTimeout: Duration
    /// The longest a request may wait for its reply (the seed's `timeout_limit`). When it passes
    /// the connection is closed, because its reply stream can no longer be trusted.
    ///
    /// ``ZCachedNIOConnection`` counts from when a request is written: requests queued behind
    /// the server-safe window start their clock when they go out, so a long queue does not time
    /// out while the server keeps answering. A reply that arrived in time but waits for the
    /// sentinel of a group written after its request (a request first written alone, or one
    /// too large to share the window) is delivered when that sentinel returns, so such a
    /// request can take up to about twice this long. ``ZCachedPOSIXConnection`` counts from the
    /// call, including the wait for the connection's lock; a request that used up its time
    /// waiting is not sent and leaves the connection open. A client call that first waited for
    /// broken connections to recover counts from the call on both transports.
    ///
    /// The blocking ``ZCachedPOSIXConnection`` bounds its reads with `SO_RCVTIMEO` and adjusts it
    /// only when it is off by more than 1/32 of this value, so one of its requests may fail up to
    /// that much later than the deadline.
    public var requestTimeout: Duration
    /// Whether to reconnect when the link breaks. The clients also read it to decide whether to
    /// try broken connections again when none is usable.
    public var reconnect: Bool
    /// How many connect attempts to make, first connect and each reconnect alike; at least 1.
    public var connectionAttempts: Int
    /// The delays between connect attempts.
    public var backoff: ExponentialBackoff
    /// The socket's receive buffer size hint in bytes (the seed's `buffer_size`), or `nil` to
    /// keep the system's default.
    public var bufferSize: Int?
    /// The most bytes of whole request frames that may be written and unanswered at once.
    ///
    /// The server corrupts its reply stream when more than 4096 bytes are in flight on one
    /// connection (PROTOCOL.md §1.1), so a window over ``serverSafeWindow`` is refused when
    /// connecting. A single frame larger than the window is sent alone. On a link whose TCP
    /// maximum segment size is smaller (1448 bytes on Ethernet), the window is one segment: a
    /// write split across segments lets the server read part of it, and a read that ends
    /// mid-frame after a whole frame triggers the same bug (§7.3).
    public var inFlightWindow: Int
    /// Whether to re-arm TCP_QUICKACK after every read that leaves reply bytes to come (Linux
    /// only).
    ///
    /// The server writes replies over 4 KiB in 4096-byte chunks without TCP_NODELAY; with the
    /// kernel's delayed ACKs every such reply stalls ~40 ms (PROTOCOL.md §4.7). Keep this on;
    /// turning it off exists to measure the difference.
    public var rearmsQuickAck: Bool
    /// Whether each new link, on the first connect and on every reconnect, must answer a `PING`
    /// before it takes requests.
    ///
    /// zcached sometimes accepts a connection and then never answers it (PROTOCOL.md §4.2; here,
    /// 2 of 200 fresh connections after connect/close churn). With this on, such a link fails its
    /// connect attempt within ``connectTimeout`` and the next attempt opens another one, instead
    /// of the first request on it timing out and failing. It costs one round trip per link.
    /// `true` unless set.
    public var verifiesNewLinks: Bool
    /// The limits requests are checked against before sending.
    public var requestLimits: ZCachedRequestLimits
    /// The limits replies are checked against.
    public var replyLimits: ZCachedDecoderLimits
    /// Called each time the connection changes state: connected, link lost, reconnected, broken,
    /// closed. `nil` (the default) reports nothing; the clients set it to log and count these.
    ///
    /// It is called on the thread that made the change (an event loop, a reconnect task, or a
    /// thread inside a blocking `send`, with the connection's lock held), so it must return quickly
    /// and must not call the connection's `send`, `close` or `reconnect`. Changes of one connection
    /// made on different threads may arrive out of order; count them with increments and
    /// decrements, which commute, rather than by setting a value.
    public var onStateChange: (@Sendable (ZCachedConnectionStateChange) -> Void)?

    /// Makes a configuration with production defaults. Values are checked when a connection
    /// opens (``validate()``), not here.
    /// - Parameters:
    ///   - host: The server's host; `127.0.0.1` unless given.
    ///   - port: The server's port; 7556 unless given.
    ///   - tls: TLS settings; plain TCP unless given.
    ///   - connectTimeout: 5 s unless given.
    ///   - requestTimeout: 5 s unless given.
    ///   - reconnect: `true` unless given.
    ///   - connectionAttempts: 3 unless given.
    ///   - backoff: 100 ms doubling up to 5 s unless given.
    ///   - bufferSize: The system's default unless given.
    ///   - inFlightWindow: 4096 bytes unless given.
    ///   - requestLimits: The server's defaults unless given.
    ///   - replyLimits: 64 MiB replies, depth 100 unless given.
    public init(
        host: String = "127.0.0.1",
        port: Int = 7556,
        tls: TLS? = nil,
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(5),
        reconnect: Bool = true,
        connectionAttempts: Int = 3,
        backoff: ExponentialBackoff = ExponentialBackoff(initial: .milliseconds(100), multiplier: 2, max: .seconds(5)),
        bufferSize: Int? = nil,
        inFlightWindow: Int = 4096,
        requestLimits: ZCachedRequestLimits = ZCachedRequestLimits(),
        replyLimits: ZCachedDecoderLimits = ZCachedDecoderLimits()
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.reconnect = reconnect
        self.connectionAttempts = connectionAttempts
        self.backoff = backoff
        self.bufferSize = bufferSize
        self.inFlightWindow = inFlightWindow
        self.rearmsQuickAck = true
        self.verifiesNewLinks = true
        self.requestLimits = requestLimits
        self.replyLimits = replyLimits
    }
}

extension ZCachedConnectionConfiguration {
    /// How long closing a TLS link waits for the server's `close_notify` before closing the
    /// socket anyway: ``requestTimeout``, at most 1 s. A server that answers at all answers
    /// within a round trip; one that has gone silent would otherwise hold every `close()` for
    /// NIOSSL's default of 5 s.
    var tlsCloseTimeout: Duration { min(requestTimeout, .seconds(1)) }
}
