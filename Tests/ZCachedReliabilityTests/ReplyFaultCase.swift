import Testing
import ZCachedCore
import ZCachedTesting

/// A broken reply and what a caller must see when it hits one: a typed error from the expected
/// set (or the right answer), never a wrong answer; then the connection is replaced.
struct ReplyFaultCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let fault: ZCachedFault
    /// The codes the hit call may fail with.
    let codes: Set<ZCachedError.Code>
    /// Whether the hit call must fail (otherwise it may also succeed, with the right answer).
    let mustFail: Bool
    /// Whether the client must drop the connection and open a new one.
    let replacesConnection: Bool

    /// A closed link: requests in flight get `connectionReestablished` (the request may or may not
    /// have run) when the connection reconnects, `connectionClosed` when it does not or the request
    /// was never written.
    static let closedCodes: Set<ZCachedError.Code> = [.connectionClosed, .connectionReestablished]

    static let all: [ReplyFaultCase] = [
        ReplyFaultCase(testDescription: "garbage reply", fault: .replyWithGarbage, codes: [.protocolViolation], mustFail: true, replacesConnection: true),
        ReplyFaultCase(testDescription: "0x04 for 0x03", fault: .corruptTerminator, codes: [.protocolViolation], mustFail: true, replacesConnection: true),
        // With nothing after it, a reply without 0x03 can only be noticed by the request timeout.
        ReplyFaultCase(testDescription: "missing 0x03", fault: .omitTerminator, codes: [.timeout, .protocolViolation], mustFail: true, replacesConnection: true),
        // The reply itself is whole; the stray 0x03 after it corrupts the stream. A client that
        // reads both in one go may fail the call rather than trust the reply.
        ReplyFaultCase(testDescription: "extra 0x03", fault: .duplicateTerminator, codes: [.protocolViolation], mustFail: false, replacesConnection: true),
        ReplyFaultCase(testDescription: "truncated reply", fault: .closeAfterReplyBytes(3), codes: closedCodes, mustFail: true, replacesConnection: true),
        ReplyFaultCase(testDescription: "close instead of reply", fault: .closeConnection, codes: closedCodes, mustFail: true, replacesConnection: true),
        ReplyFaultCase(testDescription: "reset instead of reply", fault: .resetConnection, codes: closedCodes, mustFail: true, replacesConnection: true),
        // PROTOCOL.md §4.2: nothing ever comes back, so only the request timeout can tell.
        ReplyFaultCase(testDescription: "every later reply lost", fault: .dropAllLaterReplies, codes: [.timeout], mustFail: true, replacesConnection: true),
        ReplyFaultCase(testDescription: "reply in single bytes", fault: .splitReplyIntoSingleBytes, codes: [], mustFail: false, replacesConnection: false),
    ]

    /// Checks the outcome of `ECHO message` that hit the fault.
    func check(_ outcome: Result<String, ZCachedError>, message: String) {
        switch outcome {
        case .success(let echoed):
            #expect(!mustFail, "\(testDescription): succeeded although it should fail")
            #expect(echoed == message, "\(testDescription): a wrong answer")
        case .failure(let error):
            #expect(codes.contains(error.code), "\(testDescription): \(error)")
        }
    }
}
