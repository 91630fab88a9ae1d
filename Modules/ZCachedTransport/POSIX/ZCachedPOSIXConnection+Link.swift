import ZCachedCore

extension ZCachedPOSIXConnection {
    /// What the connection's lock guards.
    struct Link {
        /// The connected socket, or `nil` when the link is down.
        private(set) var socket: POSIXSocket?
        /// Where the link is in its life; mirrored in `publishedState`.
        var state: ZCachedConnectionState
        /// Reconnects in a row that ran out of their request's time.
        var reconnectsOutOfTime = 0
        /// Holds reply bytes between reads; replaced when the link is reopened.
        var decoder: ZCachedReplyDecoder
        /// The bookkeeping of ``ZCachedPOSIXConnection/pipeline(_:)`` batches, kept for the
        /// connection's life so its buffers and sentinel tokens are made once: empty between
        /// batches, emptied when the socket is released. Its deadlines are times since
        /// `pipelineEpoch` (see ``pipelineTime(_:)``).
        var pipeline: ZCachedRequestPipeline<Int, Duration>
        /// The instant the pipeline's deadlines count from. Static, so that `Link` holds no
        /// field of a resilient type either (see ``pipelineTime(_:)``).
        private static let pipelineEpoch = ContinuousClock.now
        /// Where `recv` writes; allocated once, freed by ``release()`` with the connection.
        let receiveBuffer: UnsafeMutableRawBufferPointer
        /// Where `close()` finds the socket to shut down without taking the connection's lock.
        private let slot: POSIXSocketSlot
        private let replyLimits: ZCachedDecoderLimits
        /// The socket's `SO_RCVTIMEO`, as last set.
        private var receiveTimeout: Duration
        /// The request timeout, which every new socket starts with as its `SO_RCVTIMEO`.
        private let requestTimeout: Duration

        /// The size of the reusable receive buffer.
        static let receiveBufferSize = 64 * 1024

        init(socket: POSIXSocket, linkOrder: Int, slot: POSIXSocketSlot, configuration: ZCachedConnectionConfiguration) {
            self.slot = slot
            self.state = .connected
            self.decoder = ZCachedReplyDecoder(limits: configuration.replyLimits)
            self.replyLimits = configuration.replyLimits
            self.requestTimeout = configuration.requestTimeout
            self.receiveTimeout = configuration.requestTimeout
            self.pipeline = ZCachedRequestPipeline(window: configuration.inFlightWindow)
            self.receiveBuffer = .allocate(byteCount: Self.receiveBufferSize, alignment: 16)
            attach(socket, linkOrder: linkOrder)
        }

        /// `instant` on the pipeline's clock.
        ///
        /// `ContinuousClock.Instant` is a resilient standard-library type: its layout is known
        /// only at run time, so a pipeline holding it copied, compared and destroyed every entry
        /// through runtime metadata (about 5% of a blocking batch's client CPU). `Duration`'s
        /// layout is fixed at compile time.
        static func pipelineTime(_ instant: ContinuousClock.Instant) -> Duration {
            Self.pipelineEpoch.duration(to: instant)
        }

        /// `time` on the pipeline's clock as an instant.
        static func instant(atPipelineTime time: Duration) -> ContinuousClock.Instant {
            Self.pipelineEpoch.advanced(by: time)
        }

        /// The attached socket's number in the order the process's links opened
        /// (``ZCachedLinkOrder``): a reply can be traced to the socket it came from, and a pool
        /// can close the newest links first.
        private(set) var generation = 0

        /// Makes a newly connected socket the link's socket. Its `SO_RCVTIMEO` is the request
        /// timeout, set when it was opened.
        /// - Parameter linkOrder: The socket's number, taken just before it connected.
        mutating func attach(_ socket: POSIXSocket, linkOrder: Int) {
            generation = linkOrder
            self.socket = socket
            pipeline.startOnNewLink(segmentSize: socket.maximumSegmentSize)
            receiveTimeout = requestTimeout
            slot.install(socket)
        }

        /// Closes the socket and forgets any buffered reply bytes and unanswered batch requests.
        mutating func release() {
            slot.closeSocket()
            socket = nil
            _ = pipeline.removeAll()
            if decoder.bufferedByteCount > 0 { decoder = ZCachedReplyDecoder(limits: replyLimits) }
        }

        /// Bounds the next blocking read by what is left until `deadline`.
        ///
        /// `SO_RCVTIMEO` is changed only when it is off from the time left by more than 1/32 of the
        /// request timeout, so an uncontended request makes no extra system call; a read may
        /// therefore end that much after the deadline. A read that ends early (the timeout was set
        /// shorter for an earlier request) comes back here and is re-armed with the time left.
        /// - Throws: ``LinkFailure/timedOut`` once the deadline has passed;
        ///   ``LinkFailure/lost(_:)`` when `setsockopt` fails.
        mutating func armReceiveTimeout(on socket: POSIXSocket, until deadline: ContinuousClock.Instant)
            throws(LinkFailure)
        {
            let remaining = deadline - .now
            guard remaining > .zero else { throw .timedOut }
            let drift = receiveTimeout > remaining ? receiveTimeout - remaining : remaining - receiveTimeout
            guard drift > requestTimeout / 32 else { return }
            do {
                try socket.setReceiveTimeout(remaining)
            } catch {
                throw .lost("bounding the read failed: \(error)")
            }
            receiveTimeout = remaining
        }
    }

    /// Why a request's exchange with the server failed.
    enum LinkFailure: Error {
        /// The deadline passed.
        case timedOut
        /// ``ZCachedPOSIXConnection/close()`` interrupted the request.
        case woken
        /// End of stream, reset or another socket error.
        case lost(String)
        /// The reply stream is corrupt.
        case violation(ZCachedError)
    }

    /// Why opening a socket failed.
    enum ConnectFailure: Error {
        /// Every attempt failed; the connection does not try again.
        case exhausted(String)
        /// The request's deadline came first; the next request tries again.
        case outOfTime(String)
        /// ``ZCachedPOSIXConnection/close()`` interrupted it.
        case woken

        var zcachedError: ZCachedError {
            switch self {
            case .exhausted(let message):
                ZCachedError(code: .connectFailed, message: message)
            case .outOfTime(let message):
                // The request's own time ran out (often spent waiting behind a request that timed
                // out); nothing was sent, and the next request tries to reconnect again.
                ZCachedError(code: .timeout, message: message + "; the request was not sent")
            case .woken:
                ZCachedPOSIXConnection.closedByOwner
            }
        }
    }
}
