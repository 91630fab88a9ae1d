#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#else
    #error("ZCachedPOSIXConnection needs a POSIX C library")
#endif

/// A system call that failed: which call, and the `errno` it left.
struct POSIXSystemCallError: Error, CustomStringConvertible {
    /// The call's name, such as `connect`.
    var call: StaticString
    /// The `errno` value read right after the call returned.
    var errnoCode: Int32

    /// Whether the call would have blocked on a non-blocking descriptor.
    var wouldBlock: Bool { errnoCode == EAGAIN || errnoCode == EWOULDBLOCK }

    /// Whether a non-blocking `connect` has started and finishes in the background.
    var connectInProgress: Bool { errnoCode == EINPROGRESS || errnoCode == EALREADY }

    /// The C library's text for the error.
    var errnoText: String { String(cString: strerror(errnoCode)) }

    /// `"<call>: <errno text> (errno <n>)"`.
    var description: String { "\(call): \(errnoText) (errno \(errnoCode))" }
}

/// Runs one system call: retries it while it fails with `EINTR`, reads `errno` at once when it
/// fails otherwise, and throws.
///
/// This is the transport's only system-call error path. Callers that expect `EAGAIN` or
/// `EINPROGRESS` from a non-blocking descriptor check ``POSIXSystemCallError/wouldBlock`` or
/// ``POSIXSystemCallError/connectInProgress`` on the thrown error. The body is called again after
/// `EINTR`, so a body computing a timeout from a deadline recomputes it.
/// - Parameters:
///   - call: The call's name, for the error.
///   - body: Makes the call; it returns `-1` on failure, as POSIX calls do.
/// - Returns: What the call returned.
/// - Throws: ``POSIXSystemCallError`` for any failure but `EINTR`.
@inline(__always)
func posixSystemCall<Result: FixedWidthInteger>(
    _ call: StaticString,
    _ body: () -> Result
) throws(POSIXSystemCallError) -> Result {
    while true {
        let result = body()
        guard result == -1 else { return result }
        let code = errno
        guard code == EINTR else { throw POSIXSystemCallError(call: call, errnoCode: code) }
    }
}
