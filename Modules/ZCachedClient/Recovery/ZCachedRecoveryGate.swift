import ZCachedCore

/// When a client may try its broken connections again on its own.
///
/// A connection is broken after ``ZCachedConnectionConfiguration/connectionAttempts`` failed
/// attempts, which a server restart longer than the backoff delays is enough for. A call that
/// then finds no usable connection tries the broken ones again, but the clients let only one
/// call do so per `rest` (the backoff's longest delay): during a long outage the others fail fast
/// with ``ZCachedError/Code/noAvailableConnections`` instead of each waiting out connect
/// attempts, and a server that is back is used again within `rest` of the next call.
struct ZCachedRecoveryGate: Sendable {
    private let rest: Duration
    private let notBefore = ZCachedLock<ContinuousClock.Instant?>(nil)

    /// Makes a gate that opens at once, then once per `rest`.
    init(rest: Duration) {
        self.rest = rest
    }

    /// Whether the caller may try now; when it may, no other caller may for `rest`.
    func claim() -> Bool {
        let now = ContinuousClock.now
        return notBefore.withLock { notBefore in
            if let notBefore, now < notBefore { return false }
            notBefore = now + rest
            return true
        }
    }
}
