import ZCachedCore

/// The steps of a `pipeline(_:)` call that do not depend on the transport: encoding the whole
/// batch before anything is sent, and turning each reply into its command's response.
enum ZCachedBatch {
    /// Encodes and validates every command, each as its own frame.
    /// - Parameters:
    ///   - commands: The commands, in the order they are sent.
    ///   - limits: The limits each request is checked against.
    /// - Returns: One frame per command, in order.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` naming the first refused command's
    ///   argument: one refused command refuses the batch.
    static func frames<Command: ZCachedCommand>(
        of commands: [Command],
        limits: ZCachedRequestLimits
    ) throws(ZCachedError) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        frames.reserveCapacity(commands.count)
        for command in commands {
            var encoder = ZCachedRequestEncoder(limits: limits)
            try encoder.encode(command)
            frames.append(encoder.bytes)
        }
        return frames
    }

    /// A command's response from its reply.
    /// - Returns: The response or the server's error; and, when the reply does not fit the
    ///   command, the ``ZCachedError/Code/unexpectedReply`` error that is also the outcome: the
    ///   stream has most likely slipped, and the link must be distrusted.
    static func outcome<Command: ZCachedCommand>(
        of command: Command,
        from reply: ZCachedValue
    ) -> (outcome: Result<Command.Response, ZCachedError>, misfit: ZCachedError?) {
        do throws(ZCachedError) {
            return (.success(try command.response(from: reply)), nil)
        } catch {
            return (.failure(error), error.code == .unexpectedReply ? error : nil)
        }
    }

    /// The error that closes a link after `misfit`, a reply that did not fit its command, and
    /// fails the rest of that reply's group and every request pending on the link.
    static func violation(after misfit: ZCachedError) -> ZCachedError {
        .protocolViolation("a reply did not fit its command (\(misfit.message))")
    }

    /// The outcome of a request that ended without a reply matched to it or an error of its own.
    static let unmatched = ZCachedError.protocolViolation("no reply was matched to the request")
}
