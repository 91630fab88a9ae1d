#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking IPv4 TCP connection with a receive timeout, for tests that need byte-exact control
/// of what goes over the wire (the package's test targets share it; it is not public API).
///
/// Every read waits at most its timeout, so a test never hangs on a server that stays silent.
package final class RawTestConnection {
    /// A failed socket call: the call's name and `errno`.
    package struct SocketError: Error, CustomStringConvertible {
        package let operation: String
        package let code: Int32
        package var description: String { "\(operation) failed: errno \(code)" }
    }

    /// What one read returned.
    package enum ReadResult: Equatable, Sendable {
        case bytes([UInt8])
        case endOfFile
        case timedOut
    }

    private let descriptor: Int32
    /// Bytes read past the last complete reply handed out.
    private var pending: [UInt8] = []

    /// Connects to `host` (an IPv4 literal) on `port`, with `TCP_NODELAY` set.
    /// - Throws: ``SocketError`` when the socket cannot be made or connected.
    package init(host: String, port: Int) throws(SocketError) {
        #if canImport(Darwin)
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #else
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard descriptor >= 0 else { throw SocketError(operation: "socket", code: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            _ = close(descriptor)
            throw SocketError(operation: "inet_pton", code: EINVAL)
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            _ = close(descriptor)
            throw SocketError(operation: "connect", code: code)
        }
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
            // Darwin's send has no MSG_NOSIGNAL: without this, a send after the server closed
            // would raise SIGPIPE and end the test process instead of throwing.
            setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        self.descriptor = descriptor
    }

    deinit {
        _ = close(descriptor)
    }

    /// Writes all of `bytes`.
    /// - Throws: ``SocketError`` when the write fails (for example after the server closed).
    package func send(_ bytes: [UInt8]) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { buffer in
                #if canImport(Darwin)
                    Darwin.send(descriptor, buffer.baseAddress, buffer.count, 0)
                #else
                    Glibc.send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw SocketError(operation: "send", code: errno)
            }
            offset += written
        }
    }

    /// Shuts the sending side down (`shutdown(SHUT_WR)`): the server reads end of file after
    /// what was sent, and the connection can still read.
    package func shutDownSending() {
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Reads what arrives within `timeout`: bytes left over from an earlier call first.
    /// - Throws: ``SocketError`` when the read fails other than by timing out (a reset, say).
    package func read(timeout: Duration) throws(SocketError) -> ReadResult {
        if !pending.isEmpty {
            defer { pending.removeAll() }
            return .bytes(pending)
        }
        // A zero timeval would mean "wait forever", so wait at least a millisecond.
        let microseconds = max(
            1000,
            timeout.components.seconds * 1_000_000 + timeout.components.attoseconds / 1_000_000_000_000
        )
        var interval = timeval(tv_sec: .init(microseconds / 1_000_000), tv_usec: .init(microseconds % 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 { return .bytes(Array(buffer[..<count])) }
            if count == 0 { return .endOfFile }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .timedOut
            default: throw SocketError(operation: "recv", code: errno)
            }
        }
    }

    /// Reads until `count` replies (`0x03`-terminated) have arrived and returns exactly their bytes.
    ///
    /// - Parameters:
    ///   - count: How many replies to wait for.
    ///   - timeout: The longest wait for each read.
    /// - Returns: The bytes of the replies, terminators included. Any bytes after them are kept
    ///   for the next read. On end of file or timeout, the bytes received so far.
    /// - Throws: ``SocketError`` when a read fails.
    package func receiveReplies(_ count: Int, timeout: Duration = .seconds(5)) throws(SocketError) -> [UInt8] {
        var received: [UInt8] = []
        var terminators = 0
        while terminators < count {
            guard case .bytes(let bytes) = try read(timeout: timeout) else { return received }
            for (offset, byte) in bytes.enumerated() {
                received.append(byte)
                if byte == 0x03 { terminators += 1 }
                if terminators == count {
                    pending = Array(bytes[(offset + 1)...])
                    break
                }
            }
        }
        return received
    }

    /// Reads until the server closes the connection or `timeout` passes without bytes.
    /// - Returns: `true` when the connection ended (end of file or reset), `false` on a timeout.
    package func waitForClose(timeout: Duration = .seconds(5)) -> Bool {
        while true {
            switch try? read(timeout: timeout) {
            case .bytes: continue
            case .endOfFile, nil: return true
            case .timedOut: return false
            }
        }
    }
}
