import Testing
@testable import ZCachedClient

@Suite struct RecoveryGateTests {
    /// Two recoveries at once would each open connections and overfill the pool; one that takes
    /// longer than the rest (connect timeouts) must still keep others out until it ends.
    @Test func oneRecoveryAtATimeThenARest() {
        let resting = ZCachedRecoveryGate(rest: .seconds(600))
        #expect(resting.claim(), "the first claim opens at once")
        #expect(!resting.claim(), "no second recovery while one runs")
        resting.finish()
        #expect(!resting.claim(), "none within the rest after one ended")

        let unrested = ZCachedRecoveryGate(rest: .zero)
        #expect(unrested.claim())
        #expect(!unrested.claim(), "not even with no rest while one runs")
        unrested.finish()
        #expect(!unrested.claim(), "a backoff with no delay still rests 100 ms, so calls do not recover back to back")
    }

    /// A call that claimed the gate and then found nothing to recover must not make the next
    /// one wait out a rest.
    @Test func aClaimReleasedWithoutARecoveryLeavesTheGateOpen() {
        let gate = ZCachedRecoveryGate(rest: .seconds(600))
        #expect(gate.claim())
        gate.release()
        #expect(gate.claim(), "no rest: nothing was tried")
        #expect(!gate.claim(), "still one at a time")
    }
}
