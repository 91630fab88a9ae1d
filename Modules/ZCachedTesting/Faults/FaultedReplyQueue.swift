import NIOCore

/// The replies of one connection that faults hold back or reshape, in request order.
///
/// Once a fault is queued, every later reply on the connection goes through here too, so a
/// delayed reply still comes before the replies to later requests.
struct FaultedReplyQueue {
    enum Item {
        /// A reply to write, whole or one byte per write.
        case reply([UInt8], frameBytes: Int, singleBytes: Bool)
        /// Hold everything after this point for the duration.
        case wait(Duration)
        /// Close the connection here; with `reset`, with `SO_LINGER` 0 so the peer gets a TCP RST.
        case close(reset: Bool)
    }

    private var items = CircularBuffer<Item>()
    private var isWaiting = false

    /// Whether nothing is queued (the connection's replies may take the fast path).
    var isEmpty: Bool { items.isEmpty && !isWaiting }

    mutating func append(_ item: Item) {
        items.append(item)
    }

    /// The next item to act on, or `nil` when the queue is empty or waiting for a delay.
    ///
    /// Returning a ``Item/wait(_:)`` starts the wait; call ``resume()`` when it is over.
    mutating func next() -> Item? {
        guard !isWaiting, let item = items.popFirst() else { return nil }
        if case .wait = item { isWaiting = true }
        return item
    }

    /// Ends the current wait.
    mutating func resume() {
        isWaiting = false
    }
}
