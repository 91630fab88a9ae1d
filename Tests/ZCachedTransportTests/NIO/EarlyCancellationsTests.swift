import Testing
import ZCachedCore
import ZCachedTesting
@testable import ZCachedTransport

/// A caller cancelled while its request is still on its way to the event loop: the request must
/// not be sent, and the caller must resume at once.
@Suite struct EarlyCancellationsTests {
    @Test func aRecordIsSeenUntilItIsForgotten() {
        let cancellations = ZCachedEarlyCancellations()
        #expect(!cancellations.contains(7))
        cancellations.record(7)
        #expect(cancellations.contains(7))
        #expect(!cancellations.contains(8))
        cancellations.forget(7)
        cancellations.forget(7)
        #expect(!cancellations.contains(7))
        cancellations.record(8)
        #expect(cancellations.contains(8), "forgetting twice did not hide a later record")
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func callersCancelledAtAnyMomentResumeAtOnce() async throws {
        try await NIOConnectionTests.withConnection { connection, endpoint in
            let server = try #require(endpoint.server)
            // A request that is sent and not withdrawn would wait two seconds for its reply.
            server.faults.inject(.delayReply(.seconds(2)), on: .command("GET"))
            let start = ContinuousClock.now
            var callers: [Task<Void, any Error>] = []
            for index in 0..<200 {
                let caller = Task { _ = try await connection.send(ZCachedKeyCommands.Get("early-cancel-\(index)")) }
                // Vary the moment of cancellation: before the task starts, while it hands off,
                // after the request is queued or written.
                for _ in 0..<(index % 4) { await Task.yield() }
                caller.cancel()
                callers.append(caller)
            }
            for caller in callers {
                let error = await #expect(throws: ZCachedError.self) { try await caller.value }
                #expect(error?.code == .cancelled)
            }
            #expect(ContinuousClock.now - start < .seconds(1), "no cancelled caller waited for a reply")
        }
    }
}
