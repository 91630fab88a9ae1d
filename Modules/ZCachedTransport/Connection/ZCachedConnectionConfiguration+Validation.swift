import ZCachedCore

extension ZCachedConnectionConfiguration {
    /// The most bytes that may be in flight on one connection: past this the server corrupts
    /// its reply stream (PROTOCOL.md §1.1).
    public static let serverSafeWindow = 4096

    /// Checks the options no connection can work with. Both transports call it before they open
    /// anything.
    /// - Throws: ``ZCachedError/Code/invalidArgument`` naming the option (`configuration.port`
    ///   and so on): a port outside 1...65535, a connect or request timeout that is not
    ///   positive, fewer than one connect attempt, an in-flight window outside
    ///   1...``serverSafeWindow``, or a receive buffer size that is not positive.
    public func validate() throws(ZCachedError) {
        func refuse(_ option: String, _ problem: String) -> ZCachedError {
            ZCachedError(code: .invalidArgument, message: "\(option) \(problem)", argument: "configuration.\(option)")
        }
        guard (1...65535).contains(port) else { throw refuse("port", "\(port) is outside 1...65535") }
        guard connectTimeout > .zero else { throw refuse("connectTimeout", "\(connectTimeout) is not positive") }
        guard requestTimeout > .zero else { throw refuse("requestTimeout", "\(requestTimeout) is not positive") }
        guard connectionAttempts >= 1 else { throw refuse("connectionAttempts", "\(connectionAttempts) is below 1") }
        guard (1...Self.serverSafeWindow).contains(inFlightWindow) else {
            throw refuse(
                "inFlightWindow",
                "\(inFlightWindow) is outside 1...\(Self.serverSafeWindow); past \(Self.serverSafeWindow) bytes in flight the server corrupts its replies"
            )
        }
        if let bufferSize, bufferSize < 1 { throw refuse("bufferSize", "\(bufferSize) is not positive") }
    }
}
