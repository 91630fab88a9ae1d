import Synchronization
import ZCachedCore
import ZCachedTransport

/// A set of connections that hands out the least-loaded one.
///
/// The pool is generic over the transport: it works with ``ZCachedNIOConnection``,
/// ``ZCachedPOSIXConnection`` or a test double, because it only reads what
/// ``ZCachedConnectionStatus`` offers. Selection picks, among the connections that can serve a
/// request now, one that is not locked, preferring one on the caller's own thread (a task
/// running on a connection's event loop, say in a server handler sharing the client's event
/// loop group), then the fewest pending requests; when every one is locked it picks the same
/// way among them, and when none can serve, one that reconnects in the background. Connected
/// connections can serve, and so can reconnecting ones that reconnect when used (the blocking
/// transport): they take their share, so a pool of them recovers its broken links as it is
/// used. Ties rotate, so equally idle connections share the load. No polling, no sleeping:
/// selection is one pass over the connections under a lock.
///
/// The pool owns the connections it holds: the methods that remove connections return them, and
/// the transport-specific extensions (`reduce(by:force:)`, `close()`) close them.
public final class ZCachedPool<Connection: ZCachedConnectionStatus>: Sendable {
    @usableFromInline let connections: ZCachedLock<[Connection]>
    /// Counts the times ``removeAll()`` emptied the pool; changed and compared only under
    /// `connections`' lock, so an add and an emptying cannot interleave.
    private let emptyings = Atomic<UInt64>(0)
    /// Where the next selection starts; wraps around (unsigned, so it never turns negative).
    @usableFromInline let rotation = Atomic<UInt>(0)
    /// Set when a selection passed over a broken connection; see ``takeSkippedBroken()``.
    @usableFromInline let skippedBroken = Atomic<Bool>(false)

    /// Makes a pool holding `connections`.
    /// - Parameter connections: The connections to start with.
    public init(connections: [Connection] = []) {
        self.connections = ZCachedLock(connections)
    }

    /// The connections in the pool, in the order they were added.
    public var all: [Connection] { connections.withLock { $0 } }

    /// The number of connections in the pool, usable or not.
    public var count: Int { connections.withLock { $0.count } }

    /// The number of connected connections.
    public var connectedCount: Int { connections.withLock { $0.count(where: \.isUsable) } }

    /// The least-loaded connection that can serve a request now (see the type's doc).
    ///
    /// A reconnecting connection that reconnects when used (the blocking transport) ranks with the
    /// connected ones, so its link is reopened by the request it is given. When none can serve,
    /// one that reconnects in the background (the NIO transport) is returned; it fails fast
    /// with ``ZCachedError/Code/connectionClosed``.
    /// - Returns: A connection with the fewest pending requests, preferring unlocked ones, then
    ///   ones on the calling thread.
    /// - Throws: ``ZCachedError/Code/noAvailableConnections`` when no connection is connected or
    ///   reconnecting.
    @inlinable
    public func leastLoaded() throws(ZCachedError) -> Connection {
        // Inlinable so that each client gets a copy specialised for its transport: unspecialised,
        // every call looked up the metadata of `Connection?` and of the ranking tuple at run
        // time, ~50 ns of ~115 per call with one connection (BENCHMARKS.md, round 10).
        let chosen = connections.withLock { connections -> Connection? in
            if connections.count == 1 {
                // Nothing to rank, so skip reading the load and the thread of the only one.
                let state = connections[0].state
                return state == .connected || state == .reconnecting ? connections[0] : nil
            }
            guard !connections.isEmpty else { return nil }
            let start = Int(rotation.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(connections.count))
            var best: (connection: Connection, rank: (Int, Int, Int, Int))?
            for offset in 0..<connections.count {
                let connection = connections[(start + offset) % connections.count]
                let state = connection.state
                guard state == .connected || state == .reconnecting else {
                    if state == .broken, !skippedBroken.load(ordering: .relaxed) { skippedBroken.store(true, ordering: .relaxed) }
                    continue
                }
                let servesNow = state == .connected || connection.reconnectsWhenUsed
                let rank = (
                    servesNow ? 0 : 1,
                    connection.isLocked ? 1 : 0,
                    connection.isOnCurrentThread ? 0 : 1,
                    connection.pendingRequestCount
                )
                if let current = best, current.rank <= rank { continue }
                best = (connection, rank)
                if rank == (0, 0, 0, 0) { break }
            }
            return best?.connection
        }
        guard let chosen else {
            throw ZCachedError(code: .noAvailableConnections, message: "none of the pool's \(count) connections is connected")
        }
        return chosen
    }

    /// Whether ``leastLoaded()`` passed over a broken connection since the last call, which
    /// resets it.
    ///
    /// A client asks after each selection to learn, for one atomic load, that broken connections
    /// wait to be tried again while the others serve (a selection that finds none usable throws
    /// instead).
    @inlinable
    public func takeSkippedBroken() -> Bool {
        guard skippedBroken.load(ordering: .relaxed) else { return false }
        return skippedBroken.exchange(false, ordering: .relaxed)
    }

    /// Adds connections to the pool.
    /// - Parameter newConnections: The connections to add.
    public func add(_ newConnections: [Connection]) {
        connections.withLock { $0.append(contentsOf: newConnections) }
    }

    /// Goes up each time ``removeAll()`` empties the pool (its owner closing it). Read it before
    /// opening a connection and pass it to ``add(_:ifNotEmptiedSince:)``, so a connection that
    /// finishes opening after the pool was closed is not added to it.
    public var generation: UInt64 { emptyings.load(ordering: .relaxed) }

    /// Adds connections to the pool, unless ``removeAll()`` emptied it since `generation` was read.
    /// - Parameters:
    ///   - newConnections: The connections to add.
    ///   - generation: ``generation`` as read before the connections were opened.
    /// - Returns: Whether they were added; when not, the caller still owns them and closes them.
    public func add(_ newConnections: [Connection], ifNotEmptiedSince generation: UInt64) -> Bool {
        connections.withLock { connections in
            guard emptyings.load(ordering: .relaxed) == generation else { return false }
            connections.append(contentsOf: newConnections)
            return true
        }
    }

    /// Takes up to `count` connections out of the pool: first those without an open link
    /// (broken, reconnecting, closed), then connected ones, newest link first
    /// (``ZCachedConnectionStatus/linkOrder``, then the order they were added).
    ///
    /// Newest first because zcached loses every later reply of a connection when another
    /// connection on its worker thread, opened before it, closes (PROTOCOL.md §4.2): closing
    /// connected links in the reverse of the order they opened never closes one of them while a
    /// newer one of them stays open. So without `force`, removal stops at the newest connected
    /// connection with pending requests: closing an older, idle one would silence it. Under
    /// steady load that can remove fewer than asked, or none.
    ///
    /// "Idle" is read at the moment of the call: a request that picked a connection just before
    /// (``leastLoaded()``) and has not yet counted itself pending can still be on its way to it,
    /// and fails with ``ZCachedError/Code/connectionClosed`` if the connection is closed under it
    /// (it may or may not have run, as for any request on a closed connection).
    /// - Parameters:
    ///   - count: How many connections to remove.
    ///   - force: Whether connections with pending requests may be removed.
    /// - Returns: The removed connections, in the order to close them.
    public func remove(count: Int, force: Bool) -> [Connection] {
        connections.withLock { connections in
            var chosen: [Int] = []
            for candidate in Self.closingOrder(connections) where chosen.count < count {
                if force || candidate.pending == 0 {
                    chosen.append(candidate.index)
                } else if candidate.hasOpenLink {
                    break
                }
            }
            let removed = chosen.map { connections[$0] }
            let chosenSet = Set(chosen)
            connections = connections.indices.filter { !chosenSet.contains($0) }.map { connections[$0] }
            return removed
        }
    }

    /// The connections that are broken (not reconnecting and not closed by their owner).
    public var broken: [Connection] { connections.withLock { $0.filter { $0.state == .broken } } }

    /// Takes every broken or closed connection out of the pool.
    /// - Returns: The removed connections.
    public func removeBroken() -> [Connection] {
        connections.withLock { connections in
            // Each state read once: read twice, a connection changing state in between (a
            // reconnect starting) could be returned for closing yet kept, or dropped unclosed.
            var removed: [Connection] = []
            connections.removeAll { connection in
                let state = connection.state
                guard state == .broken || state == .closed else { return false }
                removed.append(connection)
                return true
            }
            return removed
        }
    }

    /// Takes every connection out of the pool.
    /// - Returns: The removed connections in the order to close them: newest link first (see
    ///   ``remove(count:force:)``).
    public func removeAll() -> [Connection] {
        connections.withLock { connections in
            emptyings.add(1, ordering: .relaxed)
            defer { connections.removeAll() }
            return Self.closingOrder(connections).map { connections[$0.index] }
        }
    }

    /// A connection as it stood when the pool chose which to close.
    private struct ClosingCandidate {
        var index: Int
        var hasOpenLink: Bool
        var linkOrder: Int
        var pending: Int
    }

    /// The connections in the order to close them: those without an open link (closing them
    /// closes nothing on the server), then the newest link first; among equals, the one added
    /// last. Each connection's status is read once, so a load changing during the sort cannot
    /// make its order inconsistent.
    private static func closingOrder(_ connections: [Connection]) -> [ClosingCandidate] {
        connections.indices.map { index in
            let connection = connections[index]
            return ClosingCandidate(
                index: index,
                hasOpenLink: connection.state == .connected,
                linkOrder: connection.linkOrder,
                pending: connection.pendingRequestCount
            )
        }.sorted { left, right in
            (left.hasOpenLink ? 1 : 0, -left.linkOrder, -left.index) < (right.hasOpenLink ? 1 : 0, -right.linkOrder, -right.index)
        }
    }
}

extension ZCachedPool where Connection: ZCachedAsyncConnection {
    /// Removes up to `count` connections (see ``remove(count:force:)``) and closes them.
    /// - Parameters:
    ///   - count: How many connections to remove.
    ///   - force: Whether connections with pending requests may be removed; their requests
    ///     then fail with ``ZCachedError/Code/connectionClosed``.
    /// - Returns: How many connections were removed.
    @discardableResult
    public func reduce(by count: Int, force: Bool = false) async -> Int {
        let removed = remove(count: count, force: force)
        for connection in removed { await connection.close() }
        return removed.count
    }

    /// Removes the broken and closed connections (see ``removeBroken()``) and closes them.
    /// - Returns: How many were removed.
    @discardableResult
    public func cleanUpBroken() async -> Int {
        let removed = removeBroken()
        for connection in removed { await connection.close() }
        return removed.count
    }

    /// Closes every connection and empties the pool.
    public func close() async {
        for connection in removeAll() { await connection.close() }
    }
}

extension ZCachedPool where Connection: ZCachedBlockingConnection {
    /// Removes up to `count` connections (see ``remove(count:force:)``) and closes them.
    /// - Parameters:
    ///   - count: How many connections to remove.
    ///   - force: Whether connections with pending requests may be removed.
    /// - Returns: How many connections were removed.
    @discardableResult
    public func reduce(by count: Int, force: Bool = false) -> Int {
        let removed = remove(count: count, force: force)
        for connection in removed { connection.close() }
        return removed.count
    }

    /// Removes the broken and closed connections (see ``removeBroken()``) and closes them.
    /// - Returns: How many were removed.
    @discardableResult
    public func cleanUpBroken() -> Int {
        let removed = removeBroken()
        for connection in removed { connection.close() }
        return removed.count
    }

    /// Closes every connection and empties the pool.
    public func close() {
        for connection in removeAll() { connection.close() }
    }
}
