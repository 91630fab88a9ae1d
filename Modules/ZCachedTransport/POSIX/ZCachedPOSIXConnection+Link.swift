import ZCachedCore

extension ZCachedPOSIXConnection {
    /// What the connection's lock guards.
    struct Link {
        /// The connected socket, or `nil` when the link is down.
        var socket: POSIXSocket?
        /// Where the link is in its life; mirrored in `publishedState`.
        var state: ZCachedConnectionState
        /// Holds reply bytes between reads; replaced when the link is reopened.
        var decoder: ZCachedReplyDecoder
        /// Where `recv` writes; allocated once, freed by ``release()`` with the connection.
        let receiveBuffer: UnsafeMutableRawBufferPointer
        private let replyLimits: ZCachedDecoderLimits

        /// The size of the reusable receive buffer.
        static let receiveBufferSize = 64 * 1024

        init(socket: POSIXSocket, replyLimits: ZCachedDecoderLimits) {
            self.socket = socket
            self.state = .connected
            self.decoder = ZCachedReplyDecoder(limits: replyLimits)
            self.replyLimits = replyLimits
            self.receiveBuffer = .allocate(byteCount: Self.receiveBufferSize, alignment: 16)
        }

        /// Closes the socket and forgets any buffered reply bytes.
        mutating func release() {
            socket?.close()
            socket = nil
            if decoder.bufferedByteCount > 0 { decoder = ZCachedReplyDecoder(limits: replyLimits) }
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
