import Testing
import ZCachedPool
import ZCachedTransport

/// Which connections leave the pool, and in which order they are handed back to be closed.
@Suite struct PoolRemovalTests {
    /// zcached loses the replies of a connection when one opened before it on its worker closes
    /// (PROTOCOL.md §4.2), so equally idle connections leave newest first.
    @Test func idleConnectionsLeaveNewestFirst() {
        let pool = ZCachedPool(connections: ["a", "b", "c", "d"].map { PoolTestConnection($0) })
        #expect(names(pool.remove(count: 3, force: false)) == ["d", "c", "b"])
        #expect(names(pool.all) == ["a"])
    }

    @Test func brokenConnectionsLeaveBeforeIdleOnesAndBusyOnesStay() {
        let pool = ZCachedPool(connections: [
            PoolTestConnection("busy", pending: 2),
            PoolTestConnection("broken", state: .broken),
            PoolTestConnection("idle"),
            PoolTestConnection("reconnecting", state: .reconnecting),
        ])
        #expect(names(pool.remove(count: 4, force: false)) == ["reconnecting", "broken", "idle"])
        #expect(names(pool.all) == ["busy"])
    }

    @Test func aBusyNewerConnectionKeepsTheOlderIdleOnesOpen() {
        // Closing "idle" would silence "busy" if they share a server worker (§4.2).
        let pool = ZCachedPool(connections: [
            PoolTestConnection("idle"),
            PoolTestConnection("busy", pending: 1),
            PoolTestConnection("broken", state: .broken),
        ])
        #expect(names(pool.remove(count: 2, force: false)) == ["broken"])
        #expect(names(pool.all) == ["idle", "busy"])
    }

    @Test func forcedRemovalTakesTheNewestFirstWhateverTheirLoad() {
        let pool = ZCachedPool(connections: [
            PoolTestConnection("idle"),
            PoolTestConnection("busy", pending: 1),
            PoolTestConnection("very busy", pending: 9),
        ])
        #expect(names(pool.remove(count: 2, force: true)) == ["very busy", "busy"])
        #expect(names(pool.all) == ["idle"])
    }

    @Test func theLinkOpenedLastLeavesFirstWhereverItSitsInThePool() {
        // "first" reconnected after "second" opened: its socket is the newer one on the server.
        let pool = ZCachedPool(connections: [
            PoolTestConnection("first, reconnected", linkOrder: 7),
            PoolTestConnection("second", linkOrder: 4),
            PoolTestConnection("third", linkOrder: 5),
        ])
        #expect(names(pool.remove(count: 1, force: false)) == ["first, reconnected"])
        #expect(names(pool.removeAll()) == ["third", "second"])
    }

    @Test func aNegativeOrZeroCountRemovesNothing() {
        let pool = ZCachedPool(connections: [PoolTestConnection("a")])
        #expect(pool.remove(count: 0, force: true).isEmpty)
        #expect(pool.remove(count: -1, force: true).isEmpty)
        #expect(pool.count == 1)
    }

    @Test func removeAllHandsBackNewestFirst() {
        let pool = ZCachedPool(connections: ["a", "b", "c"].map { PoolTestConnection($0) })
        #expect(names(pool.removeAll()) == ["c", "b", "a"])
        #expect(pool.count == 0)
    }

    @Test func removeBrokenTakesBrokenAndClosedOnly() {
        let pool = ZCachedPool(connections: [
            PoolTestConnection("closed", state: .closed),
            PoolTestConnection("connected"),
            PoolTestConnection("broken", state: .broken),
            PoolTestConnection("reconnecting", state: .reconnecting),
        ])
        #expect(names(pool.broken) == ["broken"])
        #expect(names(pool.removeBroken()) == ["closed", "broken"])
        #expect(names(pool.all) == ["connected", "reconnecting"])
    }
}
