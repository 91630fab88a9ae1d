import ZCachedCore

/// When a client may try its broken connections again on its own.
///
/// A connection is broken after ``ZCachedConnectionConfiguration/connectionAttempts`` failed
/// attempts, which a server restart longer than the backoff delays is enough for. A call that
/// then finds no usable connection tries the broken ones again, but only one call at a time,
/// and none for `rest` (the backoff's longest delay) after it finished: during a long outage the
/// other calls fail fast instead of each waiting out connect attempts, the pool never grows
/// from two recoveries at once, and a server that is back is used again within `rest` of the
/// next call.
struct ZCachedRecoveryGate: Sendable {
    private enum State {
        /// No recovery runs; the next may start at the instant, or at once when `nil`.
        case resting(until: ContinuousClock.Instant?)
        case recovering
    }

    private let rest: Duration
    private let state = ZCachedLock<State>(.resting(until: nil))

    /// Makes a gate that opens at once, then `rest` after each recovery ends, at least 100 ms:
    /// a backoff with no delay must not let calls recover back to back (each a connect the
    /// server may refuse, PROTOCOL.md §4.3).
    init(rest: Duration) {
        self.rest = max(rest, .milliseconds(100))
    }

    /// Whether the caller may recover now; when it may, it must call ``finish()`` when done, or
    /// ``release()`` when it found nothing to recover.
    func claim() -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard case .resting(let until) = state, until.map({ now >= $0 }) ?? true else { return false }
            state = .recovering
            return true
        }
    }

    /// Ends a claim under which nothing was tried (no connection was broken after all): the gate
    /// is open again at once, as it was when claimed.
    func release() {
        state.withLock { $0 = .resting(until: nil) }
    }

    /// Ends the recovery the caller claimed; the next may start `rest` from now.
    func finish() {
        let until = ContinuousClock.now + rest
        state.withLock { $0 = .resting(until: until) }
    }
}
