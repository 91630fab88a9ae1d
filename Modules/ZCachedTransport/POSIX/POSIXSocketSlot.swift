import ZCachedCore

/// A connection's current socket, kept where ``ZCachedPOSIXConnection/close()`` reaches it
/// without the connection's lock, which a request blocked in `recv` holds.
///
/// The descriptor is closed and shut down only under this slot's lock, so ``shutDownForClose()``
/// can never shut down a descriptor number that was closed and then reused by another socket.
final class POSIXSocketSlot: Sendable {
    private struct Contents {
        var socket: POSIXSocket?
        var isClosing = false
    }

    private let contents = ZCachedLock(Contents())

    /// Makes `socket` the one ``shutDownForClose()`` reaches, and shuts it down at once when the
    /// connection is already closing (a reconnect that raced with `close()`).
    func install(_ socket: POSIXSocket) {
        contents.withLock { contents in
            contents.socket = socket
            if contents.isClosing { socket.shutDown() }
        }
    }

    /// Closes the installed socket's descriptor, if any.
    func closeSocket() {
        contents.withLock { contents in
            contents.socket?.close()
            contents.socket = nil
        }
    }

    /// Marks the connection as closing and shuts its socket down, which wakes a thread blocked
    /// reading it.
    func shutDownForClose() {
        contents.withLock { contents in
            contents.isClosing = true
            contents.socket?.shutDown()
        }
    }
}
