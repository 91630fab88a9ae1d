/// What the connection does with one request's reply: the sum of the faults that matched it.
struct FaultPlan: Sendable {
    /// Close the connection instead of running the request.
    var closesConnection = false
    /// Run the request, write no reply.
    var dropsReply = false
    /// Hold the reply back this long first.
    var delay: Duration?
    /// Write the reply one byte at a time.
    var splitsIntoSingleBytes = false
    /// Replace the terminator with `0x04`.
    var corruptsTerminator = false

    /// The plan of a request no fault matched.
    static let none = FaultPlan()

    var isNone: Bool {
        !closesConnection && !dropsReply && delay == nil && !splitsIntoSingleBytes && !corruptsTerminator
    }

    mutating func add(_ fault: ZCachedFault) {
        switch fault.base {
        case .closeConnection: closesConnection = true
        case .dropReply: dropsReply = true
        case .delayReply(let duration): delay = max(delay ?? .zero, duration)
        case .splitReplyIntoSingleBytes: splitsIntoSingleBytes = true
        case .corruptTerminator: corruptsTerminator = true
        }
    }
}
