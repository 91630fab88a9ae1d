import Testing
import ZCachedCore

@Suite struct ResultTests {
    func fetch(_ fail: Bool) async throws(ZCachedError) -> Int {
        if fail { throw ZCachedError(code: .timeout, message: "too slow") }
        return 7
    }

    @Test func capturesSuccessAndTypedFailure() async {
        let success = await Result { () async throws(ZCachedError) in try await fetch(false) }
        let failure = await Result { () async throws(ZCachedError) in try await fetch(true) }
        #expect(success.value == 7)
        #expect(success.error == nil)
        #expect(failure.value == nil)
        #expect(failure.error?.code == .timeout)
    }
}
