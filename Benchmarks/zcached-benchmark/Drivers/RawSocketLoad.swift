#if canImport(Glibc)
import Glibc
#endif

/// The baseline: a minimal raw-socket load loop with no SDK. It writes pre-encoded frames and
/// counts `0x03` terminators in what comes back, with one reusable receive buffer, TCP_NODELAY
/// and (on Linux, unless a run turns it off) TCP_QUICKACK re-armed after each read, as the SDK
/// does; like the SDK's new links, each connection first answers a `PING`, before the timed part.
///
/// `@unchecked Sendable`: a run hands each socket to exactly one worker thread and joins the
/// threads before the socket is dropped, so its buffer is never touched by two threads at once.
final class RawSocketLoad: @unchecked Sendable {
    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
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

    private static func openSocket(host: String, port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchmarkError("socket failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw BenchmarkError("connect to \(host):\(port) failed: errno \(errno)")
        }
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        // A reply zcached never sends (PROTOCOL.md §4.2) ends the run instead of hanging it.
        var replyTimeout = timeval(tv_sec: replyTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &replyTimeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
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

    /// Sends `frames` in one write and reads until `replies` terminators have arrived,
    /// re-arming TCP_QUICKACK after each read when `rearmsQuickAck`.
    func roundTrip(_ frames: [UInt8], replies: Int, rearmsQuickAck: Bool) throws {
        var offset = 0
        while offset < frames.count {
            let written = frames[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw BenchmarkError("send failed: errno \(errno)") }
            offset += written
        }
        var seen = 0
        while seen < replies {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                    throw BenchmarkError("no reply within \(Self.replyTimeoutSeconds) s: the server stopped answering this connection")
                }
                throw BenchmarkError("recv failed or closed: errno \(errno)")
            }
            if rearmsQuickAck {
                var one: Int32 = 1
                setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_QUICKACK, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            for index in 0..<count where buffer[index] == 0x03 { seen += 1 }
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
