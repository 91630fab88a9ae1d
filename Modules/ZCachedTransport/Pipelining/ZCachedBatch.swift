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

    /// Each command's response from its reply, or the error its request ended with.
    /// - Parameters:
    ///   - commands: The commands that were sent.
    ///   - replies: Their replies or errors, in the same order.
    /// - Returns: One outcome per command: its response, the server's error,
    ///   ``ZCachedError/Code/unexpectedReply``, or the request's error; and the first
    ///   ``ZCachedError/Code/unexpectedReply``, if any, for the connection to distrust its link.
    static func responses<Command: ZCachedCommand>(
        of commands: [Command],
        from replies: [Result<ZCachedValue, ZCachedError>]
    ) -> (outcomes: [Result<Command.Response, ZCachedError>], misfit: ZCachedError?) {
        // Index loops, not `zip`: unspecialised generic code pays a metadata lookup per step.
        var outcomes: [Result<Command.Response, ZCachedError>] = []
        outcomes.reserveCapacity(commands.count)
        var misfit: ZCachedError?
        for index in commands.indices {
            switch replies[index] {
            case .success(let value):
                do throws(ZCachedError) {
                    outcomes.append(.success(try commands[index].response(from: value)))
                } catch {
                    if misfit == nil, error.code == .unexpectedReply { misfit = error }
                    outcomes.append(.failure(error))
                }
            case .failure(let error):
                outcomes.append(.failure(error))
            }
        }
        return (outcomes, misfit)
    }
}
