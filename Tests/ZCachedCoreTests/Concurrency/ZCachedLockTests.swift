import Dispatch
import Testing
import ZCachedCore

@Suite struct ZCachedLockTests {
    @Test func concurrentUpdatesAreNeverLost() {
        let counter = ZCachedLock(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == 80_000)
    }

    @Test func aThrowingBodyLeavesTheValueAsChangedAndReleasesTheLock() {
        struct Failure: Error {}
        let lock = ZCachedLock([1])
        #expect(throws: Failure.self) {
            try lock.withLock { (values) throws(Failure) in
                values.append(2)
                throw Failure()
            }
        }
        #expect(lock.withLock { $0 } == [1, 2], "the lock is free again and kept the change")
    }
}
