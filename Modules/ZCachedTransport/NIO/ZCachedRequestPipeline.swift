import NIOCore

/// The request/reply bookkeeping of one pipelined connection: which requests wait, which are
/// written and unanswered, and how many bytes are in flight.
///
/// It keeps the server-safe window: at most `window` bytes of whole frames are written and
/// unanswered at once (the server corrupts its reply stream past 4096 bytes, PROTOCOL.md §1.1);
/// a frame larger than the window is written only when nothing else is in flight. Replies are
/// matched strictly in order. It does no I/O: the channel handler asks it what to do and does it.
/// It is generic over the continuation and the clock so tests drive it directly.
struct ZCachedRequestPipeline<Continuation, Instant: Comparable> {
    /// A request that has not been written yet.
    struct Request {
        var id: UInt64
        var frame: [UInt8]
        var deadline: Instant
        var continuation: Continuation
    }

    /// A request that has been written and whose reply has not arrived.
    private struct Written {
        var id: UInt64
        var size: Int
        var deadline: Instant
        /// `nil` once the caller cancelled: the reply is still read, then discarded.
        var continuation: Continuation?
    }

    /// What a reply means for its request.
    enum ReplyOutcome {
        /// Hand the reply to this caller.
        case deliver(Continuation)
        /// The caller cancelled after the request was written: drop the reply.
        case discard
        /// A reply with no request waiting for it: the stream is corrupt.
        case unsolicited
    }

    let window: Int
    private var waiting = CircularBuffer<Request>()
    private var written = CircularBuffer<Written>()
    /// Bytes of written, unanswered frames.
    private(set) var bytesInFlight = 0
    /// The most bytes that were ever in flight at once, for tests and metrics.
    private(set) var peakBytesInFlight = 0

    init(window: Int) {
        self.window = window
    }

    /// Requests waiting or written and unanswered.
    var count: Int { waiting.count + written.count }

    /// Whether a new frame of `size` bytes would have to wait.
    func mustWait(size: Int) -> Bool {
        !waiting.isEmpty || (!written.isEmpty && bytesInFlight + size > window)
    }

    /// The deadline of the oldest request, which always expires first.
    var earliestDeadline: Instant? { written.first?.deadline ?? waiting.first?.deadline }

    mutating func enqueue(_ request: Request) {
        waiting.append(request)
    }

    /// The next frame that fits in the window, moved from waiting to written; `nil` when none fits.
    mutating func nextFrameToWrite() -> [UInt8]? {
        guard let head = waiting.first else { return nil }
        let size = head.frame.count
        guard written.isEmpty || bytesInFlight + size <= window else { return nil }
        waiting.removeFirst()
        written.append(Written(id: head.id, size: size, deadline: head.deadline, continuation: head.continuation))
        bytesInFlight += size
        peakBytesInFlight = max(peakBytesInFlight, bytesInFlight)
        return head.frame
    }

    /// Matches a reply to the oldest written request.
    mutating func replyReceived() -> ReplyOutcome {
        guard let head = written.popFirst() else { return .unsolicited }
        bytesInFlight -= head.size
        return head.continuation.map(ReplyOutcome.deliver) ?? .discard
    }

    /// Withdraws a caller. A waiting request is removed; a written one stays so its reply is
    /// still consumed, but nobody receives it.
    /// - Returns: The continuation to fail with a cancellation, or `nil` when the request is
    ///   already answered.
    mutating func cancel(id: UInt64) -> Continuation? {
        if let index = waiting.firstIndex(where: { $0.id == id }) {
            return waiting.remove(at: index).continuation
        }
        if let index = written.firstIndex(where: { $0.id == id }), let continuation = written[index].continuation {
            written[index].continuation = nil
            return continuation
        }
        return nil
    }

    /// When the oldest written request's deadline has passed, empties the pipeline.
    /// - Returns: `nil` when nothing has expired; otherwise the expired request's continuation
    ///   (`nil` if its caller cancelled) and those of every other request.
    mutating func removeAllIfExpired(now: Instant) -> (expired: Continuation?, others: [Continuation])? {
        guard let head = written.first, head.deadline <= now else { return nil }
        written[written.startIndex].continuation = nil
        return (head.continuation, removeAll())
    }

    /// Removes every request, written ones first, and returns the continuations still waiting.
    mutating func removeAll() -> [Continuation] {
        var continuations = written.compactMap(\.continuation)
        continuations.append(contentsOf: waiting.map(\.continuation))
        written.removeAll()
        waiting.removeAll()
        bytesInFlight = 0
        return continuations
    }
}
