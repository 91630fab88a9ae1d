/// What the connection does with one request's reply: the sum of the faults that matched it.
struct FaultPlan: Sendable, Equatable {
    /// Close the connection instead of running the request.
    var closesConnection = false
    /// Close with `SO_LINGER` 0 (a TCP reset) instead of running the request.
    var resetsConnection = false
    /// Write at most this many bytes of the reply, then close.
    var closesAfterReplyBytes: Int?
    /// Run the request, write no reply.
    var dropsReply = false
    /// Run this request and every later one on the connection, write none of their replies.
    var dropsAllLaterReplies = false
    /// Hold the reply back this long first.
    var delay: Duration?
    /// Write these bytes instead of the encoded reply value.
    var replacement: [UInt8]?
    /// Write no terminator.
    var omitsTerminator = false
    /// Write a second `0x03` after the terminator.
    var duplicatesTerminator = false
    /// Write the reply one byte at a time.
    var splitsIntoSingleBytes = false
    /// Replace the terminator with `0x04`.
    var corruptsTerminator = false

    /// The plan of a request no fault matched.
    static let none = FaultPlan()

    var isNone: Bool { self == .none }

    /// The bytes that end the reply.
    var terminator: [UInt8] {
        guard !omitsTerminator else { return [] }
        let first: UInt8 = corruptsTerminator ? 0x04 : 0x03
        return duplicatesTerminator ? [first, 0x03] : [first]
    }

    mutating func add(_ fault: ZCachedFault) {
        switch fault.base {
        case .closeConnection: closesConnection = true
        case .resetConnection: resetsConnection = true
        case .closeAfterReplyBytes(let count): closesAfterReplyBytes = min(closesAfterReplyBytes ?? count, count)
        case .dropReply: dropsReply = true
        case .dropAllLaterReplies: dropsAllLaterReplies = true
        case .delayReply(let duration): delay = max(delay ?? .zero, duration)
        case .replaceReply(let bytes): replacement = bytes
        case .omitTerminator: omitsTerminator = true
        case .duplicateTerminator: duplicatesTerminator = true
        case .splitReplyIntoSingleBytes: splitsIntoSingleBytes = true
        case .corruptTerminator: corruptsTerminator = true
        }
    }
}
