import ZCachedCore

extension ZCachedConnectionConfiguration {
    /// The most bytes that may be in flight on one connection: past this the server corrupts
    /// its reply stream (PROTOCOL.md §1.1).
    public static let serverSafeWindow = 4096

    /// Checks the options no connection can work with. Both transports call it before they open
    /// anything.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` naming the option (`configuration.port`
    ///   and so on): a port outside 1...65535; a connect or request timeout that is not positive
    ///   or longer than `Int64.max` seconds; a backoff whose `initial` or `max` is negative or
    ///   longer than that; fewer than one connect attempt; an in-flight window outside
    ///   1...``serverSafeWindow``; a receive buffer size outside 1...`Int32.max` (what
    ///   `setsockopt` takes); reply limits below 1, or a reply depth above
    ///   ``ZCachedDecoderLimits/deepestSupportedNesting``.
    public func validate() throws(ZCachedError) {
        func refuse(_ option: String, _ problem: String) -> ZCachedError {
            ZCachedError(code: .invalidArgument, message: "\(option) \(problem)", argument: "configuration.\(option)")
        }
        func check(_ duration: Duration, _ option: String, allowsZero: Bool) throws(ZCachedError) {
            guard allowsZero ? duration >= .zero : duration > .zero else {
                throw refuse(option, "\(duration) is not \(allowsZero ? "zero or more" : "positive")")
            }
            guard duration <= Self.longestDuration else { throw refuse(option, "\(duration) is longer than Int64.max seconds") }
        }
        guard (1...65535).contains(port) else { throw refuse("port", "\(port) is outside 1...65535") }
        try check(connectTimeout, "connectTimeout", allowsZero: false)
        try check(requestTimeout, "requestTimeout", allowsZero: false)
        try check(backoff.initial, "backoff.initial", allowsZero: true)
        try check(backoff.max, "backoff.max", allowsZero: true)
        guard connectionAttempts >= 1 else { throw refuse("connectionAttempts", "\(connectionAttempts) is below 1") }
        guard (1...Self.serverSafeWindow).contains(inFlightWindow) else {
            throw refuse(
                "inFlightWindow",
                "\(inFlightWindow) is outside 1...\(Self.serverSafeWindow); past \(Self.serverSafeWindow) bytes in flight the server corrupts its replies"
            )
        }
        if let bufferSize, !(1...Int(Int32.max)).contains(bufferSize) {
            throw refuse("bufferSize", "\(bufferSize) is outside 1...\(Int32.max)")
        }
        guard replyLimits.maximumFrameSize >= 1 else {
            throw refuse("replyLimits.maximumFrameSize", "\(replyLimits.maximumFrameSize) is below 1")
        }
        guard replyLimits.maximumElementCount >= 1 else {
            throw refuse("replyLimits.maximumElementCount", "\(replyLimits.maximumElementCount) is below 1")
        }
        guard (1...ZCachedDecoderLimits.deepestSupportedNesting).contains(replyLimits.maximumDepth) else {
            throw refuse(
                "replyLimits.maximumDepth",
                "\(replyLimits.maximumDepth) is outside 1...\(ZCachedDecoderLimits.deepestSupportedNesting)"
            )
        }
    }

    /// The longest timeout or backoff delay a connection takes: longer ones cannot be read as
    /// seconds and nanoseconds.
    private static let longestDuration = Duration.seconds(Int64.max)
}
