#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One TCP socket, connected or not, and the few calls the POSIX connection makes on it.
///
/// Connecting, writing and backoff sleeps wait in a `poll` that also watches a wake-up
/// descriptor; reading a reply blocks in `recv` itself, bounded by `SO_RCVTIMEO`. Either way
/// ``ZCachedPOSIXConnection/close()`` can interrupt the wait from another thread: by the wake-up
/// descriptor, or by ``shutDown()``.
///
/// A plain value: its owner (the connection's locked state) closes it exactly once.
struct POSIXSocket {
    /// The socket's file descriptor.
    let descriptor: Int32

    /// What a wait ended with.
    enum WaitResult {
        /// The socket is ready for the events asked for (or has an error or hang-up to report).
        case ready
        /// The deadline passed first.
        case timedOut
        /// The wake-up descriptor became readable: the connection is being closed.
        case woken
    }

    /// The `poll` events of a socket with room to write.
    static let writable = Int16(POLLOUT)
    /// The `poll` events of a socket with bytes to read (or at end of stream).
    static let readable = Int16(POLLIN)

    /// Why a connect failed.
    enum ConnectError: Error {
        /// Refused, unreachable, unresolvable: the message names the host, port and cause.
        case failed(String)
        /// The deadline passed while connecting.
        case timedOut(String)
        /// The wake-up descriptor fired: the connection is being closed.
        case woken
    }

    // MARK: Connecting

    /// Resolves `host` and connects to the first of its addresses that accepts, before `deadline`.
    ///
    /// The socket connects without blocking, then is made blocking (see ``makeBlocking()``). It is
    /// close-on-exec, has `TCP_NODELAY`, `SO_RCVTIMEO` set to `receiveTimeout` and, when given,
    /// `SO_RCVBUF` set before connecting (so the TCP window scale matches it).
    /// - Throws: ``ConnectError``.
    static func connect(
        host: String,
        port: Int,
        receiveBufferSize: Int?,
        receiveTimeout: Duration,
        deadline: ContinuousClock.Instant,
        wake: Int32
    ) throws(ConnectError) -> POSIXSocket {
        let endpoint = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = socketStreamType
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        // getaddrinfo reports through its return value (and errno only for EAI_SYSTEM); it may
        // block on DNS beyond the deadline, which is documented on the connection.
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let text = status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
            throw .failed("cannot resolve \(endpoint): \(text)")
        }
        defer { freeaddrinfo(first) }

        var lastFailure = ConnectError.failed("no address found for \(endpoint)")
        var addressesLeft = sequence(first: first.pointee) { $0.ai_next?.pointee }.reduce(0) { count, _ in count + 1 }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry?.pointee {
            entry = address.ai_next
            do {
                return try connect(
                    to: address,
                    endpoint: endpoint,
                    receiveBufferSize: receiveBufferSize,
                    receiveTimeout: receiveTimeout,
                    deadline: Self.deadline(forOneOf: addressesLeft, within: deadline, now: .now),
                    wake: wake
                )
            } catch .failed(let message) {
                lastFailure = .failed(message)
            } catch .timedOut(let message) where addressesLeft > 1 {
                lastFailure = .timedOut(message)
            } catch {
                throw error
            }
            addressesLeft -= 1
        }
        throw lastFailure
    }

    /// The deadline for connecting to the next of `addressesLeft` addresses: an equal share of
    /// the time left, so an address that never answers leaves time to try the others, but at
    /// least ``shortestAddressShare`` when that much is left; the last one gets all that is left.
    static func deadline(
        forOneOf addressesLeft: Int,
        within deadline: ContinuousClock.Instant,
        now: ContinuousClock.Instant
    ) -> ContinuousClock.Instant {
        guard addressesLeft > 1, now < deadline else { return deadline }
        let left = now.duration(to: deadline)
        return now.advanced(by: max(left / addressesLeft, min(left, shortestAddressShare)))
    }

    /// The least time an address gets when there is that much: a SYN that a server's full
    /// backlog dropped is sent again after 1 s, and that one must have time to be answered.
    static let shortestAddressShare = Duration.milliseconds(1500)

    private static func connect(
        to address: addrinfo,
        endpoint: String,
        receiveBufferSize: Int?,
        receiveTimeout: Duration,
        deadline: ContinuousClock.Instant,
        wake: Int32
    ) throws(ConnectError) -> POSIXSocket {
        let socket: POSIXSocket
        do {
            socket = try POSIXSocket(family: address.ai_family)
        } catch {
            throw .failed("cannot open a socket for \(endpoint): \(error)")
        }
        do {
            try socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1, "setsockopt(TCP_NODELAY)")
            if let receiveBufferSize {
                try socket.setOption(SOL_SOCKET, SO_RCVBUF, Int32(clamping: receiveBufferSize), "setsockopt(SO_RCVBUF)")
            }
            try socket.setReceiveTimeout(receiveTimeout)
        } catch {
            socket.close()
            throw .failed("cannot configure a socket for \(endpoint): \(error)")
        }
        do {
            try socket.establish(to: address, endpoint: endpoint, deadline: deadline, wake: wake)
        } catch {
            socket.close()
            throw error
        }
        do {
            try socket.makeBlocking()
            return socket
        } catch {
            socket.close()
            throw .failed("cannot configure the socket for \(endpoint): \(error)")
        }
    }

    /// Connects the socket and waits for the connect to finish.
    private func establish(to address: addrinfo, endpoint: String, deadline: ContinuousClock.Instant, wake: Int32)
        throws(ConnectError)
    {
        do {
            _ = try posixSystemCall("connect") { cConnect(descriptor, address.ai_addr, address.ai_addrlen) }
            return
        } catch where error.errnoCode == EISCONN {
            // A connect interrupted by a signal goes on in the background; the call retried after
            // `EINTR` finds it done.
            return
        } catch where !error.connectInProgress {
            throw .failed("cannot connect to \(endpoint): \(error)")
        } catch {
            // In progress: wait below.
        }
        let result: WaitResult
        let pending: Int32
        do {
            result = try wait(for: Self.writable, wake: wake, until: deadline)
            pending = result == .ready ? try pendingError() : 0
        } catch {
            throw .failed("cannot connect to \(endpoint): \(error)")
        }
        switch result {
        case .ready where pending == 0: return
        case .ready:
            throw .failed("cannot connect to \(endpoint): \(POSIXSystemCallError(call: "connect", errnoCode: pending))")
        case .timedOut: throw .timedOut("connecting to \(endpoint) timed out")
        case .woken: throw .woken
        }
    }

    /// Opens a non-blocking, close-on-exec stream socket.
    private init(family: Int32) throws(POSIXSystemCallError) {
        #if os(Linux)
            descriptor = try posixSystemCall("socket") {
                cSocket(
                    family,
                    Self.socketStreamType | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                    Int32(IPPROTO_TCP)
                )
            }
        #else
            descriptor = try posixSystemCall("socket") { cSocket(family, Self.socketStreamType, Int32(IPPROTO_TCP)) }
            do throws(POSIXSystemCallError) {
                _ = try? posixSystemCall("fcntl(FD_CLOEXEC)") { fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
                let flags = try posixSystemCall("fcntl(F_GETFL)") { fcntl(descriptor, F_GETFL) }
                _ = try posixSystemCall("fcntl(O_NONBLOCK)") { fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
                try setOption(SOL_SOCKET, SO_NOSIGPIPE, 1, "setsockopt(SO_NOSIGPIPE)")
            } catch {
                // Not yet a socket anyone owns: close it here or it leaks.
                close()
                throw error
            }
        #endif
    }

    // MARK: I/O

    /// Waits until the socket is ready for `events`, the deadline passes, or `wake` is readable.
    ///
    /// Pass a socket of `-1` (see ``sleep(until:wake:)``) to wait for the deadline or `wake` only.
    /// - Throws: ``POSIXSystemCallError`` when `poll` fails.
    func wait(for events: Int16, wake: Int32, until deadline: ContinuousClock.Instant) throws(POSIXSystemCallError)
        -> WaitResult
    {
        try withUnsafeTemporaryAllocation(of: pollfd.self, capacity: 2) {
            (fds) throws(POSIXSystemCallError) -> WaitResult in
            fds[0] = pollfd(fd: descriptor, events: events, revents: 0)
            fds[1] = pollfd(fd: wake, events: Int16(POLLIN), revents: 0)
            var timedOut = false
            _ = try posixSystemCall("poll") { () -> Int32 in
                guard let timeout = Self.pollTimeout(until: deadline) else {
                    timedOut = true
                    return 0
                }
                fds[0].revents = 0
                fds[1].revents = 0
                let ready = poll(fds.baseAddress, 2, timeout)
                if ready == 0 { timedOut = Self.pollTimeout(until: deadline) == nil }
                return ready
            }
            if fds[1].revents != 0 { return .woken }
            if fds[0].revents != 0 { return .ready }
            // poll's millisecond timeout may end just before the deadline: wait the rest.
            return timedOut ? .timedOut : try wait(for: events, wake: wake, until: deadline)
        }
    }

    /// Sleeps until `deadline` unless `wake` becomes readable first.
    /// - Returns: `false` when woken.
    static func sleep(until deadline: ContinuousClock.Instant, wake: Int32) -> Bool {
        let idle = POSIXSocket(descriptor: -1)
        return (try? idle.wait(for: 0, wake: wake, until: deadline)) != .woken
    }

    /// Writes as much of `bytes` as the socket takes now.
    /// - Returns: The number of bytes written; 0 when the socket's send buffer is full.
    /// - Throws: ``POSIXSystemCallError``, for example `EPIPE` or `ECONNRESET`.
    func send(_ bytes: UnsafeRawBufferPointer) throws(POSIXSystemCallError) -> Int {
        do {
            return try posixSystemCall("send") { cSend(descriptor, bytes.baseAddress, bytes.count, Self.sendFlags) }
        } catch  where error.wouldBlock {
            return 0
        }
    }

    /// Blocks in `recv` until bytes arrive, the stream ends, the receive timeout set with
    /// ``setReceiveTimeout(_:)`` elapses, or ``shutDown()`` is called from another thread.
    ///
    /// One system call per read, where a `poll` and a non-blocking `recv` would take two. The
    /// socket must have been made blocking with ``makeBlocking()``.
    /// - Returns: The number of bytes read, `0` at end of stream (or after ``shutDown()``), or
    ///   `nil` when the receive timeout elapsed or a signal interrupted the wait. Unlike other
    ///   calls, an interrupted `recv` is not retried here: a retry would wait a whole receive
    ///   timeout again, so a steady stream of signals could hold the caller past its deadline.
    ///   The caller re-arms the timeout from its deadline and calls again.
    /// - Throws: ``POSIXSystemCallError``, for example `ECONNRESET`.
    func receiveWaiting(into buffer: UnsafeMutableRawBufferPointer) throws(POSIXSystemCallError) -> Int? {
        let received = recv(descriptor, buffer.baseAddress, buffer.count, 0)
        guard received == -1 else { return received }
        let error = POSIXSystemCallError(call: "recv", errnoCode: errno)
        guard error.wouldBlock || error.errnoCode == EINTR else { throw error }
        return nil
    }

    /// Clears `O_NONBLOCK` once connected, so that ``receiveWaiting(into:)`` blocks in `recv`.
    /// Every other call on the socket passes `MSG_DONTWAIT` and stays non-blocking.
    /// - Throws: ``POSIXSystemCallError`` when `fcntl` fails.
    func makeBlocking() throws(POSIXSystemCallError) {
        let flags = try posixSystemCall("fcntl(F_GETFL)") { fcntl(descriptor, F_GETFL) }
        _ = try posixSystemCall("fcntl(F_SETFL)") { fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
    }

    /// Bounds how long ``receiveWaiting(into:)`` blocks (`SO_RCVTIMEO`), rounded up to a
    /// microsecond so that a short positive timeout never becomes "wait forever".
    /// - Throws: ``POSIXSystemCallError`` when `setsockopt` fails.
    func setReceiveTimeout(_ timeout: Duration) throws(POSIXSystemCallError) {
        let (seconds, attoseconds) = max(timeout, .microseconds(1)).components
        // Rounding up can reach a whole second, which `setsockopt` refuses as a microsecond count.
        let microseconds = (attoseconds + 999_999_999_999) / 1_000_000_000_000
        var value = timeval()
        value.tv_sec = .init(seconds == .max ? seconds : seconds + microseconds / 1_000_000)
        value.tv_usec = .init(microseconds % 1_000_000)
        _ = try posixSystemCall("setsockopt(SO_RCVTIMEO)") {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    /// Shuts both directions down without closing the descriptor, which wakes a thread blocked in
    /// ``receiveWaiting(into:)`` with end of stream. Safe to call from any thread while the
    /// descriptor is open.
    func shutDown() {
        _ = shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// Checks, without consuming anything, whether an idle connection is still usable.
    /// - Returns: `true` when nothing is waiting to be read (the healthy idle state); `false` at end
    ///   of stream or when unrequested bytes are waiting.
    /// - Throws: ``POSIXSystemCallError`` when the connection was reset.
    func isIdleAndOpen() throws(POSIXSystemCallError) -> Bool {
        var byte: UInt8 = 0
        do {
            _ = try posixSystemCall("recv(MSG_PEEK)") {
                recv(descriptor, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
            }
            return false
        } catch  where error.wouldBlock {
            return true
        }
    }

    /// Re-arms TCP quick ACKs after a read (Linux only).
    ///
    /// Linux falls back to delayed ACKs after a while; the server writes replies over 4096 bytes
    /// in chunks without `TCP_NODELAY`, so a delayed ACK stalls such a reply by ~40 ms
    /// (PROTOCOL.md §4.7). Failing to set it only costs latency, so errors are ignored.
    @inline(__always)
    func rearmQuickAck() {
        #if os(Linux)
            var one: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_QUICKACK, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    /// The connection's TCP maximum segment size (`TCP_MAXSEG`), or `nil` when the system does
    /// not tell it.
    var maximumSegmentSize: Int? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, Int32(IPPROTO_TCP), TCP_MAXSEG, &value, &length) == 0, value > 0 else { return nil }
        return Int(value)
    }

    /// Closes the descriptor. `EINTR` from `close` is not retried: on Linux the descriptor is
    /// released anyway, and retrying could close a descriptor another thread just opened.
    func close() {
        _ = cClose(descriptor)
    }

    // MARK: Helpers

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    private func setOption(_ level: Int32, _ name: Int32, _ value: Int32, _ call: StaticString)
        throws(POSIXSystemCallError)
    {
        var value = value
        _ = try posixSystemCall(call) {
            setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    private func pendingError() throws(POSIXSystemCallError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try posixSystemCall("getsockopt(SO_ERROR)") {
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &value, &length)
        }
        return value
    }

    /// The `poll` timeout in milliseconds, rounded up; `nil` once the deadline has passed.
    private static func pollTimeout(until deadline: ContinuousClock.Instant) -> Int32? {
        let remaining = deadline - .now
        guard remaining > .zero else { return nil }
        let (seconds, attoseconds) = remaining.components
        // Past ~24 days `poll` cannot wait that long in one call anyway; the caller calls again.
        guard seconds < Int64(Int32.max / 1000) else { return Int32.max }
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    #if os(Linux)
        private static let socketStreamType = Int32(SOCK_STREAM.rawValue)
        private static let sendFlags = Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)
    #else
        private static let socketStreamType = SOCK_STREAM
        private static let sendFlags = MSG_DONTWAIT
    #endif
}

/// The read end of a pipe (a socket pair on Linux) that becomes readable when the connection is
/// closed, and its write end.
///
/// Every `poll` of the connection watches the read end, so ``ZCachedPOSIXConnection/close()`` can
/// interrupt a thread blocked in a connect, a read, a write or a backoff sleep. Nothing ever
/// drains it: closing is final, and the pipe stays readable from then on.
struct POSIXWakePipe {
    /// The end `poll` watches.
    let readEnd: Int32
    /// The end ``signal()`` writes to.
    let writeEnd: Int32

    /// Opens a non-blocking, close-on-exec pair of connected descriptors (on Linux a
    /// `socketpair` flagged so as it is made, so a process forking on another thread cannot pass
    /// the ends to its child; elsewhere a pipe, flagged right after).
    /// - Throws: ``POSIXSystemCallError`` when the process is out of descriptors.
    init() throws(POSIXSystemCallError) {
        var ends: (Int32, Int32) = (-1, -1)
        _ = try withUnsafeMutableBytes(of: &ends) { (raw) throws(POSIXSystemCallError) -> Int32 in
            guard let pointer = raw.baseAddress?.assumingMemoryBound(to: Int32.self) else { return 0 }
            #if os(Linux)
                let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
                return try posixSystemCall("socketpair") { socketpair(AF_UNIX, type, 0, pointer) }
            #else
                return try posixSystemCall("pipe") { pipe(pointer) }
            #endif
        }
        #if !os(Linux)
            for end in [ends.0, ends.1] {
                _ = try? posixSystemCall("fcntl(FD_CLOEXEC)") { fcntl(end, F_SETFD, FD_CLOEXEC) }
                _ = try? posixSystemCall("fcntl(O_NONBLOCK)") { fcntl(end, F_SETFL, O_NONBLOCK) }
            }
        #endif
        readEnd = ends.0
        writeEnd = ends.1
    }

    /// Makes ``readEnd`` readable for good. Safe to call from any thread, any number of times.
    func signal() {
        var byte: UInt8 = 1
        _ = try? posixSystemCall("write") { write(writeEnd, &byte, 1) }
    }

    /// Closes both ends.
    func close() {
        _ = cClose(readEnd)
        _ = cClose(writeEnd)
    }
}

// The socket type's methods shadow these C functions, so call them through unambiguous names.
@inline(__always) private func cSocket(_ family: Int32, _ type: Int32, _ proto: Int32) -> Int32 {
    socket(family, type, proto)
}
@inline(__always) private func cConnect(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>!, _ length: socklen_t)
    -> Int32
{
    connect(descriptor, address, length)
}
@inline(__always) private func cSend(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32)
    -> Int
{
    send(descriptor, bytes, count, flags)
}
@inline(__always) private func cClose(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
