import ZCachedCore

extension ZCachedConnectionConfiguration {
    /// The most bytes that may be in flight on one connection: past this the server corrupts
    /// its reply stream (PROTOCOL.md §1.1).
    public static let serverSafeWindow = 4096

    /// Checks the options no connection can work with. Both transports call it before they open
    /// anything.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` naming the option (`configuration.port`
    ///   and so on): a port outside 1...65535; a connect or request timeout that is not positive
    ///   or longer than `Int64.max` seconds (as long as that means "practically never"); a
    ///   backoff whose `initial` or `max` is negative or longer than 100 years (a sleep that long
    ///   cannot be scheduled); fewer than one connect attempt; an
    ///   in-flight window outside 1...``serverSafeWindow``; a receive buffer size outside
    ///   1...`Int32.max` (what `setsockopt` takes); reply limits below 1.
    public func validate() throws(ZCachedError) {
        func refuse(_ option: String, _ problem: String) -> ZCachedError {
            ZCachedError(code: .invalidArgument, message: "\(option) \(problem)", argument: "configuration.\(option)")
        }
        func check(_ duration: Duration, _ option: String, allowsZero: Bool, longest: (Duration, String)) throws(ZCachedError) {
            guard allowsZero ? duration >= .zero : duration > .zero else {
                throw refuse(option, "\(duration) is not \(allowsZero ? "zero or more" : "positive")")
            }
            guard duration <= longest.0 else { throw refuse(option, "\(duration) is longer than \(longest.1)") }
        }
        guard (1...65535).contains(port) else { throw refuse("port", "\(port) is outside 1...65535") }
        try check(connectTimeout, "connectTimeout", allowsZero: false, longest: Self.longestTimeout)
        try check(requestTimeout, "requestTimeout", allowsZero: false, longest: Self.longestTimeout)
        try check(backoff.initial, "backoff.initial", allowsZero: true, longest: Self.longestDelay)
        try check(backoff.max, "backoff.max", allowsZero: true, longest: Self.longestDelay)
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
        guard replyLimits.maximumDepth >= 1 else {
            throw refuse("replyLimits.maximumDepth", "\(replyLimits.maximumDepth) is below 1")
        }
    }

    /// The longest timeout: longer ones cannot be read as seconds and nanoseconds. Timeouts are
    /// only ever compared with, and saturate, so this long means "practically never".
    private static let longestTimeout = (Duration.seconds(Int64.max), "Int64.max seconds")

    /// The longest backoff delay: a connection sleeps it, and a sleep's deadline must stay within
    /// the clock's `Int64` seconds.
    private static let longestDelay = (Duration.seconds(100 * 365 * 24 * 3600), "100 years")
}
