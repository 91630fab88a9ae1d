import NIOCore
import ZCachedCore

/// The request/reply bookkeeping of one pipelined connection: which requests wait, which are
/// written and unanswered, and how many bytes are in flight.
///
/// Two rules keep every reply with its own request:
/// - **The server-safe window.** At most `window` bytes of whole frames are written and
///   unanswered at once (the server corrupts its reply stream past 4096 bytes, PROTOCOL.md
///   §1.1); a frame larger than the window is written alone.
/// - **Verified groups.** Replies are matched by order, so one reply the server loses (§4.2)
///   would shift every later reply onto the wrong caller. A request written while nothing else
///   is in flight or waiting goes alone ("bare"), unless the link has pipelined (below): if its
///   reply is lost, it times out and nothing else can take its place. Requests written
///   together, or while others are in flight, form a group followed by a sentinel `ECHO` of a
///   unique token; their replies are held until the token comes back in the right place. A
///   missing or extra reply then shows up as a token out of place, and every held reply is
///   discarded instead of delivered. A bare request still in flight when the next group is
///   written joins that group (its reply is held too), so later requests never wait a round trip
///   behind it and a reply it loses is still caught.
/// - **No bare requests once a link has pipelined.** The server corrupts nothing while only one
///   frame is in flight (§1.1), so a link that has only ever had one is safe unchecked. Once a
///   group has been written, the server's receive buffer may have been left shifted by a read
///   that ended mid-frame (§1.1; network segmentation can cause one even inside the window,
///   §7.3), and that lasts for the link's life: from then on every request, alone or not, is
///   written with a sentinel (``verifiesEveryRequest``). A frame too large to share the window
///   with a sentinel still goes alone, but its reply is held until a sentinel written right after
///   that reply (or the next group's) comes back: one more round trip, for frames over ~4 KiB.
///
/// What this does not catch: the sentinel counts replies, so one reply lost and one fabricated
/// inside the same group leave the token in its place. The connections also close a link whose
/// reply does not fit its command (`unexpectedReply`), which catches a slipped stream at the
/// first reply of the wrong shape, and fail the rest of that reply's group (``ReplyOutcome/deliver(_:)``
/// hands a group's replies out together for that).
///
/// It does no I/O: its owner (the NIO channel handler, or a blocking connection's
/// `pipeline(_:)`) asks it what to write and tells it what was read. It is generic over what
/// stands for a waiting caller and over the clock, so both transports and the tests drive it.
struct ZCachedRequestPipeline<Continuation, Instant: Comparable> {
    /// A request that has not been written yet.
    struct Request {
        var id: UInt64
        var frame: [UInt8]
        var continuation: Continuation
    }

    /// What a reply means.
    enum ReplyOutcome {
        /// Hand these replies to their callers, in order.
        case deliver([(Continuation, ZCachedValue)])
        /// Nothing to hand out yet (a held reply), or the reply's caller cancelled.
        case none
        /// The stream no longer lines up with the requests: fail and close.
        case outOfOrder(String)
    }

    /// A written frame whose reply has not arrived.
    private struct Written {
        enum Kind {
            /// Written alone with nothing else in flight: its reply is delivered at once.
            case bare
            /// Part of a group: its reply is held until the group's sentinel.
            case held
            /// The group's sentinel; its reply must be this token.
            case sentinel(token: [UInt8])
        }

        var id: UInt64
        var kind: Kind
        var size: Int
        var deadline: Instant
        /// `nil` once the caller cancelled (or for a sentinel): the reply is still read, then dropped.
        var continuation: Continuation?

        var isBare: Bool {
            if case .bare = kind { return true }
            return false
        }

        var isSentinel: Bool {
            if case .sentinel = kind { return true }
            return false
        }
    }

    /// A reply that arrived and waits for its group's sentinel.
    private struct Held {
        var id: UInt64
        var continuation: Continuation?
        var reply: ZCachedValue
    }

    /// The most bytes of whole frames in flight on the current link: the configured window, or
    /// one TCP segment when that is smaller (``startOnNewLink(segmentSize:)``).
    private(set) var window: Int
    /// The window the connection was configured with.
    private let configuredWindow: Int
    private var waiting = CircularBuffer<Request>()
    /// Bytes of the waiting requests' frames.
    private var bytesWaiting = 0
    private var written = CircularBuffer<Written>()
    private var held: [Held] = []
    private var sentinels: ZCachedSentinelTokens
    /// Bytes of written, unanswered frames.
    private(set) var bytesInFlight = 0
    /// The most bytes that were ever in flight at once, for tests and metrics.
    private(set) var peakBytesInFlight = 0
    /// Whether every request is written with a sentinel, because a group has been written on
    /// this link (see the type's doc). Set for the link's life; ``startOnNewLink(segmentSize:)`` clears it.
    private(set) var verifiesEveryRequest = false
    /// Whether a frame too large to share the window with a sentinel was written on a verifying
    /// link: a sentinel goes out as soon as its reply is in, and the reply is held until then.
    private var sentinelDueAfterLargeFrame = false

    init(window: Int, sentinels: ZCachedSentinelTokens = ZCachedSentinelTokens()) {
        self.window = window
        self.configuredWindow = window
        self.sentinels = sentinels
    }

    /// Requests waiting, written and unanswered, or answered and held.
    var count: Int { waiting.count + held.count + written.count(where: { !$0.isSentinel }) }

    /// The deadline of the oldest written frame still unanswered, which always expires first.
    /// Held replies have none: they arrived, and only wait for their group's sentinel, which is
    /// due by its own deadline (a request written alone that joined a later group got its reply
    /// in time by its own). Waiting requests have none either: their time starts when they are
    /// written, so a long queue behind the window does not time out while the server answers.
    var earliestDeadline: Instant? { written.first?.deadline }

    /// Whether requests (or a sentinel) wait to be written; when none do, a writer need not read
    /// the clock.
    var hasRequestsToWrite: Bool { !waiting.isEmpty || sentinelDueAfterLargeFrame }

    /// Whether requests wait behind the full window, or will once written: more bytes waiting
    /// and in flight than the window holds (with a sentinel), or a sentinel due behind a large
    /// frame. After a write it holds exactly when a request was left waiting; before one (a
    /// burst queued for a single write) it says whether the burst will be.
    var requestsQueueBehindWindow: Bool {
        sentinelDueAfterLargeFrame || (!waiting.isEmpty && bytesInFlight + bytesWaiting + sentinels.frameSize > window)
    }

    mutating func enqueue(_ request: Request) {
        waiting.append(request)
        bytesWaiting += request.frame.count
    }

    /// The frames to write now, in order: one bare request, a group and its sentinel that fit
    /// in the window, or a sentinel alone behind a large frame. Empty when nothing may be
    /// written yet.
    /// - Parameter deadline: When the replies of the frames written now are due.
    mutating func nextFramesToWrite(deadline: Instant) -> [[UInt8]] {
        if sentinelDueAfterLargeFrame {
            guard written.isEmpty else { return [] }
            sentinelDueAfterLargeFrame = false
            // The next group's sentinel verifies the held reply too; with none to write, or only
            // another large frame, the sentinel goes alone.
            guard let next = waiting.first, next.frame.count + sentinels.frameSize <= window else {
                return [writeSentinel(deadline: deadline)]
            }
        }
        guard let first = waiting.first else { return [] }
        let fitsWithASentinel = first.frame.count + sentinels.frameSize <= window
        if written.isEmpty, !fitsWithASentinel || (waiting.count == 1 && !verifiesEveryRequest) {
            let request = waiting.removeFirst()
            bytesWaiting -= request.frame.count
            // Once the link has pipelined, a frame too large to share the window with a sentinel
            // is verified by one written right after its reply.
            let isVerified = verifiesEveryRequest
            if isVerified { sentinelDueAfterLargeFrame = true }
            record(Written(
                id: request.id,
                kind: isVerified ? .held : .bare,
                size: request.frame.count,
                deadline: deadline,
                continuation: request.continuation
            ))
            return [request.frame]
        }
        guard bytesInFlight + sentinels.frameSize + first.frame.count <= window else { return [] }
        // A bare request can only be the one frame in flight; the group written now verifies it.
        if let bare = written.firstIndex(where: \.isBare) { written[bare].kind = .held }
        var frames: [[UInt8]] = []
        // `record` counts each request of the group in `bytesInFlight` as it is taken; the
        // group's sentinel must still fit behind the last one.
        while let next = waiting.first, bytesInFlight + next.frame.count + sentinels.frameSize <= window {
            let request = waiting.removeFirst()
            bytesWaiting -= request.frame.count
            record(Written(id: request.id, kind: .held, size: request.frame.count, deadline: deadline, continuation: request.continuation))
            frames.append(request.frame)
        }
        guard !frames.isEmpty else { return [] }
        verifiesEveryRequest = true
        frames.append(writeSentinel(deadline: deadline))
        return frames
    }

    /// Matches a reply to the oldest written frame.
    ///
    /// On ``ReplyOutcome/outOfOrder(_:)`` nothing is consumed: ``removeAll()`` then returns
    /// every caller still waiting, so each one can be failed.
    mutating func replyReceived(_ reply: ZCachedValue) -> ReplyOutcome {
        guard let head = written.first else { return .outOfOrder("the server sent a reply no request was waiting for") }
        switch head.kind {
        case .bare:
            popHead()
            return head.continuation.map { .deliver([($0, reply)]) } ?? ReplyOutcome.none
        case .held:
            if sentinels.isToken(reply) {
                return .outOfOrder("a reply went missing: a group's sentinel arrived in place of a request's reply")
            }
            popHead()
            held.append(Held(id: head.id, continuation: head.continuation, reply: reply))
            return .none
        case .sentinel(let token):
            guard case .bulkString(let bytes) = reply, bytes == token else {
                return .outOfOrder("replies are out of order: a group's sentinel did not come back in its place")
            }
            popHead()
            let released = held.compactMap { entry in entry.continuation.map { ($0, entry.reply) } }
            held.removeAll(keepingCapacity: true)
            return released.isEmpty ? .none : .deliver(released)
        }
    }

    /// Records the next sentinel as written and returns its frame.
    private mutating func writeSentinel(deadline: Instant) -> [UInt8] {
        let (token, frame) = sentinels.next()
        record(Written(id: 0, kind: .sentinel(token: token), size: frame.count, deadline: deadline, continuation: nil))
        return frame
    }

    private mutating func popHead() {
        bytesInFlight -= written.removeFirst().size
    }

    /// Withdraws the callers of the requests numbered `ids`. Waiting requests are removed;
    /// written or held ones stay so their replies are still consumed, but nobody receives them.
    /// One pass over each queue, however many requests `ids` covers.
    /// - Returns: The continuations to fail, by whether their requests were written, each in
    ///   request order; none for a request already answered.
    mutating func cancel(ids: ClosedRange<UInt64>) -> Removed {
        var withdrawn = Removed(written: [], unwritten: [])
        for index in held.indices where ids.contains(held[index].id) {
            if let continuation = held[index].continuation { withdrawn.written.append(continuation) }
            held[index].continuation = nil
        }
        for index in written.indices where ids.contains(written[index].id) && !written[index].isSentinel {
            if let continuation = written[index].continuation { withdrawn.written.append(continuation) }
            written[index].continuation = nil
        }
        if waiting.contains(where: { ids.contains($0.id) }) {
            var kept = CircularBuffer<Request>(initialCapacity: waiting.count)
            for request in waiting {
                if ids.contains(request.id) {
                    withdrawn.unwritten.append(request.continuation)
                    bytesWaiting -= request.frame.count
                } else {
                    kept.append(request)
                }
            }
            waiting = kept
        }
        return withdrawn
    }

    /// When the oldest request's deadline has passed, empties the pipeline.
    ///
    /// The timeout is charged to the request whose reply is missing: the oldest written one still
    /// unanswered (a held request got its reply and only waits for its group's sentinel); when
    /// only a sentinel is missing, to the oldest held request.
    /// - Returns: `nil` when nothing has expired; otherwise the continuation of the request that
    ///   timed out (`nil` if its caller cancelled) and those of every other request.
    mutating func removeAllIfExpired(now: Instant) -> (expired: Continuation?, others: Removed)? {
        guard let deadline = earliestDeadline, deadline <= now else { return nil }
        var expired: Continuation?
        if let head = written.first, !head.isSentinel {
            expired = head.continuation
            written[written.startIndex].continuation = nil
        } else if !held.isEmpty {
            expired = held[0].continuation
            held[0].continuation = nil
        }
        return (expired, removeAll())
    }

    /// Forgets that the previous link pipelined: a new connection starts with a clean receive
    /// buffer on the server, so requests alone may go bare again. Call it when the pipeline
    /// serves a new link (one whose requests have all been removed).
    ///
    /// The window shrinks to one TCP segment of the link (`segmentSize`, its MSS) when that is
    /// smaller. A write no larger than a segment, with no more than a segment in flight, reaches
    /// the server in whole segments of whole frames, so none of its reads can end mid-frame after
    /// a whole frame, the bug's trigger (PROTOCOL.md §1.1, §7.3); a 4096-byte write crosses
    /// three 1448-byte segments on an Ethernet path, and the server may read the first alone.
    /// Loopback's segments (~64 KiB) leave the window as configured.
    mutating func startOnNewLink(segmentSize: Int?) {
        verifiesEveryRequest = false
        window = min(configuredWindow, max(1, segmentSize ?? configuredWindow))
    }

    /// The continuations of the requests a pipeline gave up, by whether their frames went out.
    struct Removed {
        /// Answered-and-held and written requests: the server may have run them.
        var written: [Continuation]
        /// Requests still waiting for the window: never written, so the server did not run them.
        var unwritten: [Continuation]
    }

    /// Removes every request and returns the continuations still waiting, by whether their
    /// requests were written.
    mutating func removeAll() -> Removed {
        let removed = Removed(
            written: held.compactMap(\.continuation) + written.compactMap(\.continuation),
            unwritten: waiting.map(\.continuation)
        )
        held.removeAll()
        written.removeAll()
        waiting.removeAll()
        bytesWaiting = 0
        bytesInFlight = 0
        sentinelDueAfterLargeFrame = false
        return removed
    }

    private mutating func record(_ frame: Written) {
        written.append(frame)
        bytesInFlight += frame.size
        peakBytesInFlight = max(peakBytesInFlight, bytesInFlight)
    }
}

/// The unique tokens that close verified groups: `ECHO` frames whose reply can only come from
/// this connection's own sentinel.
struct ZCachedSentinelTokens {
    /// The ECHO frame of the latest token. A token is `zcs-`, 16 random hex digits fixed per
    /// connection, `-` and a 16-digit hex counter: short, so groups spend little of the window.
    private var frame: [UInt8]
    /// Where the token lies in `frame`.
    private let tokenRange: Range<Int>
    private var counter: UInt64 = 0
    /// The size of every sentinel frame (the counter is written with a fixed width).
    var frameSize: Int { frame.count }

    private static let hexDigitCount = 16

    init() {
        let zeros = String(repeating: "0", count: Self.hexDigitCount)
        let token = "zcs-" + zeros + "-" + zeros
        var encoder = ZCachedRequestEncoder()
        // The token is ASCII letters, digits and dashes: it always passes validation.
        try! encoder.encode(ZCachedServerCommands.Echo(token))
        self.frame = encoder.bytes
        let tokenEnd = frame.count - 3  // the frame ends with the token's \r\n and 0x03
        self.tokenRange = (tokenEnd - token.utf8.count)..<tokenEnd
        var generator = SystemRandomNumberGenerator()
        writeHex(generator.next(), endingAt: tokenRange.lowerBound + 4 + Self.hexDigitCount)
    }

    /// Whether `reply` is one of this connection's sentinel tokens.
    func isToken(_ reply: ZCachedValue) -> Bool {
        guard case .bulkString(let bytes) = reply, bytes.count == tokenRange.count else { return false }
        return bytes.starts(with: frame[tokenRange.lowerBound..<(tokenRange.upperBound - Self.hexDigitCount)])
    }

    /// The next token and the ECHO frame that asks for it.
    mutating func next() -> (token: [UInt8], frame: [UInt8]) {
        counter &+= 1
        writeHex(counter, endingAt: tokenRange.upperBound)
        return (Array(frame[tokenRange]), frame)
    }

    /// Writes `value` as 16 lowercase hex digits into `frame`, ending before `end`.
    private mutating func writeHex(_ value: UInt64, endingAt end: Int) {
        var remaining = value
        for index in stride(from: end - 1, through: end - Self.hexDigitCount, by: -1) {
            frame[index] = Self.hexDigits[Int(remaining & 0xF)]
            remaining >>= 4
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

extension ZCachedError {
    /// The error of a request whose link closed, with `error`, before the request was written:
    /// `connectionClosed`, saying the request was not sent, so the command did not run.
    static func notWritten(after error: ZCachedError) -> ZCachedError {
        ZCachedError(code: .connectionClosed, message: "the request was not sent: the connection closed (\(error.code)) before it was written")
    }
}
