import Testing
import ZCachedCore

@Suite struct ExponentialBackoffTests {
    @Test func delaysGrowByTheMultiplierUpToTheMaximum() {
        let backoff = ExponentialBackoff(initial: .milliseconds(100), multiplier: 2, max: .seconds(1))
        #expect(Array(backoff.prefix(6)) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
        #expect(backoff.delay(forAttempt: 10_000) == .seconds(1))
        #expect(backoff.delay(forAttempt: -3) == .milliseconds(100))
    }

    @Test func jitterIsOffByDefaultAndStaysWithinItsShare() {
        var generator = SystemRandomNumberGenerator()
        let plain = ExponentialBackoff()
        #expect(plain.delay(forAttempt: 2, using: &generator) == plain.delay(forAttempt: 2))
        let jittered = ExponentialBackoff(initial: .seconds(1), multiplier: 1, max: .seconds(1), jitter: 0.5)
        for _ in 0..<100 {
            let delay = jittered.delay(forAttempt: 0, using: &generator)
            #expect(delay >= .milliseconds(500) && delay <= .seconds(1))
            let drawn = jittered.jitteredDelay(forAttempt: 0)
            #expect(drawn >= .milliseconds(500) && drawn <= .seconds(1))
        }
        #expect(plain.jitteredDelay(forAttempt: 2) == plain.delay(forAttempt: 2))
    }

    @Test func aSlowGrowthReachesTheMaximumAsDocumentedHoweverLateTheAttempt() {
        let backoff = ExponentialBackoff(initial: .milliseconds(100), multiplier: 1.001, max: .seconds(10))
        // 0.1 s × 1.001^5000 ≈ 14.8 s, so the maximum (the loop stopped at 2048 steps: 0.77 s).
        #expect(backoff.delay(forAttempt: 5000) == .seconds(10))
        let (seconds, attoseconds) = backoff.delay(forAttempt: 2000).components
        let early = Double(seconds) + Double(attoseconds) / 1e18
        #expect(abs(early - 0.1 * 7.3817) < 0.001, "0.1 s × 1.001^2000, got \(early)")
        #expect(backoff.delay(forAttempt: .max) == .seconds(10))
    }

    @Test func outOfRangeParametersAreClamped() {
        let backoff = ExponentialBackoff(initial: .milliseconds(10), multiplier: 0.1, max: .seconds(1), jitter: 7)
        #expect(backoff.multiplier == 1)
        #expect(backoff.jitter == 1)
        #expect(backoff.delay(forAttempt: 5) == .milliseconds(10))
    }

    /// The properties can be set past what the initializer clamps; no value may trap (turning a
    /// non-finite or out-of-range number of seconds into a `Duration` does).
    @Test func anyParametersGiveADelayWithoutTrapping() {
        #expect(ExponentialBackoff(initial: .seconds(-1)).delay(forAttempt: 100) == .zero)
        #expect(ExponentialBackoff(initial: .milliseconds(-100), multiplier: 1e25).delay(forAttempt: 1) == .zero)
        #expect(ExponentialBackoff(max: .seconds(-1)).delay(forAttempt: 3) == .zero)
        var backoff = ExponentialBackoff(initial: .milliseconds(10), max: .seconds(1))
        backoff.multiplier = -1e30
        #expect(backoff.delay(forAttempt: 3) == .milliseconds(10), "a multiplier below 1 counts as 1")
        backoff.multiplier = .nan
        #expect(backoff.delay(forAttempt: 3) == .milliseconds(10))
        backoff.jitter = .infinity
        #expect((.zero ... .milliseconds(10)).contains(backoff.jitteredDelay(forAttempt: 2)))
        backoff.jitter = .nan
        #expect(backoff.jitteredDelay(forAttempt: 2) == .milliseconds(10), "NaN jitter counts as none")
        let huge = ExponentialBackoff(initial: .seconds(UInt64.max), max: .seconds(UInt64.max), jitter: 0.5)
        #expect(huge.delay(forAttempt: 0) == .seconds(UInt64.max))
        #expect(huge.jitteredDelay(forAttempt: 0) <= .seconds(Int64.max))
        #expect(Array(ExponentialBackoff(initial: .seconds(-1)).prefix(80)).allSatisfy { $0 == .zero })
    }
}
