import Testing

/// Every vector is accounted for: replayed byte for byte, or (the `bugs` and `connection`
/// groups, which crash the real server or need a dedicated configuration) mapped to the
/// validation and fault-injection tests that cover the behaviour.
@Suite struct VectorAccountingTests {
    static let validation = "ValidationTableTests.refusedBeforeAnyByteIsEncoded + *ReliabilityTests.aRefusedInputSendsNoByte"
    static let crash = "FaultPlanTests.anEmulatedCrashClosesEveryConnectionAndStopsListening + *ReliabilityTests.aRawCrashingSocketGivesCallersTypedErrors"
    static let refused = "ZCachedTestingTests (refusesConnections) + *ReliabilityTests.acceptedThenClosed*"
    static let window = "NIOConnectionTests.concurrentCallersEachGetTheirOwnReply + RequestPipelineTests.groupsAndTheirSentinelsStayInsideTheWindow + DecoderConformanceTests (refuses the corrupt reply)"

    /// The tests covering each vector that is not replayed.
    static let coverage: [String: String] = [
        "connection/whitelist: client address not listed": refused,
        "connection/whitelist: client address listed": "ReplayConformanceTests (any PING)",
        "connection/max_request_size=1000: 1500-byte frame in ONE write accepted": "FaultPlanTests.theRequestSizeLimitIsCheckedBeforeEachReadAsByTheRealServer",
        "connection/max_request_size=1000: 8000-byte frame": "FaultPlanTests.theRequestSizeLimitIsCheckedBeforeEachReadAsByTheRealServer + *ReliabilityTests.aRequestOverTheServerLimit*",
        "connection/max_clients=1 workers=1: first client": "ReplayConformanceTests (any PING)",
        "connection/max_clients=1 workers=1: second client": refused,
        "connection/max_clients=1 workers=1: first client still served": refused,
        "bugs/empty request array crashes server": validation + " + " + crash,
        "bugs/GET with integer key crashes server": validation + " + " + crash,
        "bugs/DELETE with integer key crashes server": validation + " + " + crash,
        "bugs/SIZEOF with integer key crashes server": validation + " + " + crash,
        "bugs/non-string command name (may crash)": crash,
        "bugs/SET with error nested inside array leaves corrupt phantom key": validation + " + " + crash,
        "bugs/KEYS after nested-error SET shows phantom key": validation,
        "bugs/KEYS from a new connection after the first one closed": crash,
        "bugs/pipelined write of 4400 bytes (110 SETs) corrupts the reply stream": window,
        "bugs/DBSIZE after corrupted pipeline": window,
        "bugs/COPY key onto itself with REPLACE (use-after-free)": validation,
        "bugs/GET after self-COPY REPLACE": validation,
    ]

    @Test func everyVectorIsReplayedOrMappedToATest() {
        let replayed = ConformanceVector.all.filter(\.isReplayable)
        let mapped = ConformanceVector.all.filter { !$0.isReplayable }
        for vector in mapped {
            #expect(Self.coverage[vector.testDescription] != nil, "\(vector.testDescription) is neither replayed nor covered")
        }
        #expect(Set(mapped.map(\.testDescription)) == Set(Self.coverage.keys))
        print("vector accounting: \(replayed.count) replayed, \(mapped.count) covered by validation and fault tests, \(ConformanceVector.all.count) in all")
        #expect(replayed.count + mapped.count == 284)
    }
}
