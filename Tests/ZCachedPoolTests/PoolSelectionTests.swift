import Synchronization
import Testing
import ZCachedCore
@testable import ZCachedPool
import ZCachedTransport

/// The least-loaded selection, with connections whose load and state the test sets.
@Suite struct PoolSelectionTests {
    @Test func picksTheConnectedConnectionWithTheFewestPendingRequests() throws {
        let pool = ZCachedPool(connections: [
            PoolTestConnection("three", pending: 3),
            PoolTestConnection("one", pending: 1),
            PoolTestConnection("idle but reconnecting", state: .reconnecting),
            PoolTestConnection("two", pending: 2),
        ])
        for _ in 0..<8 { #expect(try pool.leastLoaded().name == "one") }
    }

    @Test func prefersAnUnlockedConnectionOverALessLoadedLockedOne() throws {
        let pool = ZCachedPool(connections: [
            PoolTestConnection("locked", pending: 1, locked: true),
            PoolTestConnection("unlocked", pending: 5),
        ])
        for _ in 0..<4 { #expect(try pool.leastLoaded().name == "unlocked") }
    }

    @Test func equallyIdleConnectionsShareTheLoad() throws {
        let pool = ZCachedPool(connections: ["a", "b", "c"].map { PoolTestConnection($0) })
        let picked = try (0..<300).map { _ in try pool.leastLoaded().name }
        #expect(["a", "b", "c"].map { name in picked.count { $0 == name } } == [100, 100, 100], "ties rotate evenly")
    }

    @Test func fallsBackToAReconnectingConnectionWhenNoneIsConnected() throws {
        let pool = ZCachedPool(connections: [
            PoolTestConnection("broken", state: .broken),
            PoolTestConnection("reconnecting", state: .reconnecting),
        ])
        #expect(try pool.leastLoaded().name == "reconnecting")
    }

    @Test func aConnectionThatReconnectsWhenUsedTakesItsShareOfTheLoad() throws {
        // A blocking connection reopens its link only when a request is sent on it: left out
        // while others are connected, it would stay down and the pool would shrink for good.
        let pool = ZCachedPool(connections: [
            PoolTestConnection("connected"),
            PoolTestConnection("reconnects when used", state: .reconnecting, reconnectsWhenUsed: true),
        ])
        let picked = try (0..<4).map { _ in try pool.leastLoaded().name }
        #expect(Set(picked) == ["connected", "reconnects when used"])
    }

    @Test func aConnectionThatReconnectsWhenUsedIsPickedBeforeALockedOne() throws {
        let pool = ZCachedPool(connections: [
            PoolTestConnection("locked", locked: true),
            PoolTestConnection("reconnects when used", state: .reconnecting, reconnectsWhenUsed: true),
            PoolTestConnection("reconnects in the background", state: .reconnecting),
        ])
        for _ in 0..<4 { #expect(try pool.leastLoaded().name == "reconnects when used") }
    }

    @Test func theRotationWrapsAroundWithoutTrapping() throws {
        let pool = ZCachedPool(connections: ["a", "b", "c"].map { PoolTestConnection($0) })
        pool.rotation.store(.max, ordering: .relaxed)
        // One step is repeated where the counter wraps; the rotation goes on from there.
        let picked = try (0..<4).map { _ in try pool.leastLoaded().name }
        #expect(Set(picked) == ["a", "b", "c"])
    }

    @Test(arguments: [[ZCachedConnectionState](), [.broken, .closed], [.connecting]])
    func throwsNoAvailableConnectionsWithoutAUsableOne(states: [ZCachedConnectionState]) {
        let pool = ZCachedPool(connections: states.enumerated().map { PoolTestConnection("\($0.offset)", state: $0.element) })
        #expect {
            _ = try pool.leastLoaded()
        } throws: { error in
            (error as? ZCachedError)?.code == .noAvailableConnections
        }
    }

    @Test func aConnectionThatRecoversIsPickedAgain() throws {
        let only = PoolTestConnection("only", state: .broken)
        let pool = ZCachedPool(connections: [only])
        #expect(throws: ZCachedError.self) { try pool.leastLoaded() }
        only.set(state: .connected)
        #expect(try pool.leastLoaded() === only)
    }
}
