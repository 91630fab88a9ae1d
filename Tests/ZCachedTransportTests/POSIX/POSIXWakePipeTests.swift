#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Testing
@testable import ZCachedTransport

/// The descriptors that let `close()` interrupt a blocked connection.
@Suite struct POSIXWakePipeTests {
    /// Close-on-exec, so a child process never inherits them; non-blocking, so a signal never
    /// blocks the closing thread; and readable once signalled.
    @Test func theEndsAreCloseOnExecNonBlockingAndWakeAPoll() throws {
        let wake = try POSIXWakePipe()
        defer { wake.close() }
        for end in [wake.readEnd, wake.writeEnd] {
            #expect(fcntl(end, F_GETFD) & FD_CLOEXEC != 0)
            #expect(fcntl(end, F_GETFL) & O_NONBLOCK != 0)
        }
        var waiting = pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&waiting, 1, 0) == 0, "quiet until signalled")
        wake.signal()
        #expect(poll(&waiting, 1, 0) == 1)
    }
}
