import Dispatch
import Foundation
import Testing
import ZCachedCore

@Suite struct ZCachedTimedLockTests {
    struct TimedOut: Error {}

    @Test func contendedWaitersAreAllWokenAndNoUpdateIsLost() throws {
        let counter = ZCachedTimedLock(0)
        let timeouts = ZCachedLock(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for _ in 0..<10_000 {
                if thread.isMultiple(of: 2) {
                    counter.withLock { $0 += 1 }
                    continue
                }
                // A lost wake-up would leave a waiter asleep until this deadline and time it out.
                do {
                    try counter.withLock(until: Self.deadline(after: .seconds(30)), orThrow: TimedOut()) { (count) throws(TimedOut) in
                        count += 1
                    }
                } catch {
                    timeouts.withLock { $0 += 1 }
                }
            }
        }
        #expect(counter.withLock { $0 } == 80_000)
        #expect(timeouts.withLock { $0 } == 0)
    }

    @Test func aWaiterGivesUpAtItsDeadlineWithoutRunningItsBody() throws {
        let lock = ZCachedTimedLock("held")
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        // A thread of its own: a blocked Dispatch worker can starve Swift's pool on Linux.
        Thread {
            lock.withLock { _ in
                holding.signal()
                release.wait()
            }
            done.signal()
        }.start()
        holding.wait()
        let start = ContinuousClock.now
        #expect(throws: TimedOut.self) {
            try lock.withLock(until: start.advanced(by: .milliseconds(50)), orThrow: TimedOut()) {
                (value) throws(TimedOut) in value = "changed by a waiter"
            }
        }
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(50))
        #expect(waited < .seconds(2), "waited \(waited)")
        release.signal()
        done.wait()
        let value = try lock.withLock(until: Self.deadline(after: .seconds(1)), orThrow: TimedOut()) { (value) throws(TimedOut) in value }
        #expect(value == "held", "the timed-out body never ran, and the lock is free again")
    }

    @Test func aThrowingBodyReleasesTheLock() throws {
        struct Failure: Error {}
        let lock = ZCachedTimedLock([1])
        #expect(throws: Failure.self) {
            try lock.withLock(until: Self.deadline(after: .seconds(1)), orThrow: Failure()) { (values) throws(Failure) in
                values.append(2)
                throw Failure()
            }
        }
        #expect(lock.withLock { $0 } == [1, 2])
    }

    static func deadline(after duration: Duration) -> ContinuousClock.Instant { ContinuousClock.now.advanced(by: duration) }
}
