#if canImport(Glibc)
import Glibc
#endif

/// The baseline: a minimal raw-socket load loop with no SDK. It writes pre-encoded frames and
/// frames what comes back on its `0x03` terminators, counting error replies and refusing bytes
/// nobody asked for (``roundTrip(_:replies:rearmsQuickAck:)``), with one reusable receive
/// buffer, TCP_NODELAY and (on Linux, unless a run turns it off) TCP_QUICKACK re-armed after
/// each read that leaves replies to come, as the SDK does; like the SDK's new links, each connection first answers a `PING`, before the timed part.
///
/// `@unchecked Sendable`: a run hands each socket to exactly one worker thread and joins the
/// threads before the socket is dropped or ``isBroken`` is read, so its buffer and flag are never
/// touched by two threads at once.
final class RawSocketLoad: @unchecked Sendable {
    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    /// Set when a round trip failed: the stream can no longer be trusted, and the next run opens
    /// a new socket instead.
    private(set) var isBroken = false
    private static let replyTimeoutSeconds = 10

    /// Connects, with up to three tries to get a connection that answers a `PING`, as the SDK
    /// checks each new link: a real zcached sometimes never answers a fresh connection
    /// (PROTOCOL.md §4.2), and the baseline should not fail where the SDK would not.
    init(host: String, port: Int) throws {
        var descriptor: Int32 = -1
        for _ in 0..<3 {
            descriptor = try Self.openSocket(host: host, port: port)
            if Self.answersPing(descriptor) { break }
            close(descriptor)
            descriptor = -1
        }
        guard descriptor >= 0 else { throw BenchmarkError("\(host):\(port) did not answer a PING on 3 new connections") }
        self.descriptor = descriptor
    }

    /// Resolves `host` as the SDK does (`getaddrinfo`, any family, every address in turn), so
    /// the baseline measures the same server, and connects to the first address that accepts.
    private static func openSocket(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw BenchmarkError("cannot resolve \(host):\(port): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var failure = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry?.pointee {
            entry = address.ai_next
            let descriptor = socket(address.ai_family, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw BenchmarkError("socket failed: errno \(errno)") }
            guard connect(descriptor, address.ai_addr, address.ai_addrlen) == 0 else {
                failure = "errno \(errno)"
                close(descriptor)
                continue
            }
            configure(descriptor)
            return descriptor
        }
        throw BenchmarkError("connect to \(host):\(port) failed: \(failure)")
    }

    private static func configure(_ descriptor: Int32) {
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        // A reply zcached never sends (PROTOCOL.md §4.2), or a server that stops reading, ends the
        // run instead of hanging it.
        var timeout = timeval(tv_sec: replyTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Checks, after a run, that nothing arrived beyond the replies it counted: a stray reply in
    /// a later segment than the last counted one would otherwise pass for the next round trip's
    /// first reply. Waits up to 20 ms (untimed) for one to arrive.
    /// - Returns: The failure, when bytes are waiting (or the server closed); the socket is then
    ///   broken.
    func strayBytesAfterRun() -> RawLinkFailure? {
        guard !isBroken else { return nil }
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&waiting, 1, 20) == 1 else { return nil }
        var byte: UInt8 = 0
        let peeked = recv(descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return failed(peeked > 0 ? .corrupt : .closed)
    }

    /// Marks the socket broken, for ``KeptConnections`` to replace, and returns `failure`.
    private func failed(_ failure: RawLinkFailure) -> RawLinkFailure {
        isBroken = true
        return failure
    }

    /// Whether `descriptor` answers `PING` with `+PONG` within a second.
    private static func answersPing(_ descriptor: Int32) -> Bool {
        let ping = Array("*1\r\n$4\r\nPING\r\n\u{03}".utf8)
        let pong = Array("+PONG\r\n\u{03}".utf8)
        guard ping.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == ping.count else { return false }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16)
        while received.count < pong.count {
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, 1_000) == 1 else { return false }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            received += buffer[..<count]
        }
        return received == pong
    }

    deinit { close(descriptor) }

    /// Sends `frames` in one write and reads until `replies` replies have arrived, re-arming
    /// TCP_QUICKACK after each read that leaves replies to come when `rearmsQuickAck` (as the
    /// SDK's transports do: with every reply in, the server holds nothing back for an ACK).
    ///
    /// Replies are checked as cheaply as framing allows: each ends at its `0x03` (the workload's
    /// keys and values hold none), one starting with `-` is the server's error, and a byte after
    /// the last awaited reply in the same read means the stream is corrupt (PROTOCOL.md §1.1),
    /// since the server sends nothing unasked (bytes arriving later are caught at the end of the
    /// run, ``strayBytesAfterRun()``).
    /// - Returns: How many of the replies were the server's errors.
    /// - Throws: ``RawLinkFailure`` when the socket fails or the stream is corrupt; the socket
    ///   must not be used again.
    func roundTrip(_ frames: [UInt8], replies: Int, rearmsQuickAck: Bool) throws(RawLinkFailure) -> Int {
        var offset = 0
        while offset < frames.count {
            let written = frames[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw failed(RawLinkFailure(errno: errno)) }
            offset += written
        }
        var framing = ReplyFraming(expected: replies)
        while framing.seen < replies {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw failed(RawLinkFailure(errno: count == 0 ? 0 : errno)) }
            guard buffer.withUnsafeBytes({ framing.consume($0[..<count]) }) else { throw failed(.corrupt) }
            if rearmsQuickAck, framing.seen < replies {
                var one: Int32 = 1
                setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_QUICKACK, &one, socklen_t(MemoryLayout<Int32>.size))
            }
        }
        return framing.errorReplies
    }
}

/// The replies of one round trip, counted as their bytes arrive.
struct ReplyFraming {
    /// How many replies the round trip awaits.
    let expected: Int
    /// Replies whose `0x03` has arrived.
    private(set) var seen = 0
    /// Replies that started with `-`, the server's errors.
    private(set) var errorReplies = 0
    private var atReplyStart = true

    init(expected: Int) {
        self.expected = expected
    }

    /// Counts the replies that end in `bytes` (found with `memchr`, as a hand-written client
    /// would), and the error replies among them.
    /// - Returns: `false` when `bytes` go on after the `expected`th reply.
    mutating func consume(_ bytes: Slice<UnsafeRawBufferPointer>) -> Bool {
        guard let base = bytes.base.baseAddress else { return true }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard seen < expected else { return false }
            if atReplyStart, bytes[index] == UInt8(ascii: "-") { errorReplies += 1 }
            guard let terminator = memchr(base + index, 0x03, bytes.endIndex - index) else {
                atReplyStart = false
                return true
            }
            seen += 1
            atReplyStart = true
            index = base.distance(to: UnsafeRawPointer(terminator)) + 1
        }
        return true
    }
}

/// Why a raw socket stopped, named like the SDK's error codes so both show in one errors column.
enum RawLinkFailure: Error {
    case timeout
    case closed
    case corrupt

    init(errno: Int32) {
        self = errno == EAGAIN || errno == EWOULDBLOCK ? .timeout : .closed
    }

    /// The errors column's name for it.
    var kind: String {
        switch self {
        case .timeout: "timeout"
        case .closed: "connection closed"
        case .corrupt: "protocol violation"
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
