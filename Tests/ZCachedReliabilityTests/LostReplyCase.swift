import Testing
import ZCachedCore
import ZCachedTesting

/// A way for the server to lose replies in the middle of a load, and how a pipelined client can
/// notice it (a blocking client, with one request in flight, notices every loss by its timeout).
struct LostReplyCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let fault: ZCachedFault
    /// The codes by which the pipelined client notices the loss; one of them must show up.
    let pipelinedDetection: Set<ZCachedError.Code>

    static let all: [LostReplyCase] = [
        // The sentinel of the lost reply's group comes back out of place, unless the lost reply
        // was a request written alone.
        LostReplyCase(testDescription: "one reply lost", fault: .dropReply, pipelinedDetection: [.protocolViolation, .timeout]),
        // PROTOCOL.md §4.2: the connection's replies stop for good, so no sentinel ever returns.
        LostReplyCase(testDescription: "every later reply lost", fault: .dropAllLaterReplies, pipelinedDetection: [.timeout]),
    ]
}
