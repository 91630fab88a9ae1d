import Testing
@testable import ZCachedTransport

/// How a connect attempt's time is shared between the addresses a host resolves to.
@Suite struct POSIXAddressDeadlineTests {
    let now = ContinuousClock.now

    @Test func eachAddressButTheLastGetsAnEqualShareOfTheTimeLeft() {
        // All shared one deadline: an address that dropped SYNs used the whole attempt, and the
        // ones after it (127.0.0.1 after an unreachable ::1) were never tried.
        let deadline = now.advanced(by: .seconds(6))
        #expect(POSIXSocket.deadline(forOneOf: 3, within: deadline, now: now) == now.advanced(by: .seconds(2)))
        #expect(POSIXSocket.deadline(forOneOf: 2, within: deadline, now: now) == now.advanced(by: .seconds(3)))
        #expect(POSIXSocket.deadline(forOneOf: 1, within: deadline, now: now) == deadline)
    }

    @Test func noAddressGetsLessThanTheShortestShareWhileThereIsThatMuchTime() {
        // A SYN dropped by a full backlog is retransmitted after 1 s: halving a 2 s connect
        // timeout would cut that retransmission off.
        let deadline = now.advanced(by: .seconds(2))
        #expect(POSIXSocket.deadline(forOneOf: 2, within: deadline, now: now) == now.advanced(by: POSIXSocket.shortestAddressShare))
        let soon = now.advanced(by: .seconds(1))
        #expect(POSIXSocket.deadline(forOneOf: 2, within: soon, now: now) == soon, "less than that left: all of it")
    }

    @Test func aDeadlineAlreadyPassedStaysAsItIs() {
        let passed = now.advanced(by: .seconds(-1))
        #expect(POSIXSocket.deadline(forOneOf: 2, within: passed, now: now) == passed)
    }
}
