/// Limits the client enforces on every request before a byte of it is written.
public struct ZCachedRequestLimits: Sendable, Hashable {
    /// The server's default `max_request_size`: 10 MiB (PROTOCOL.md §4.4).
    public static let serverDefaultMaximumRequestSize = 10 * 1024 * 1024

    /// The largest encoded request, `0x03` included, that may be sent.
    ///
    /// The server closes the connection without a word once it holds more than its
    /// `max_request_size` for one connection, so a larger request is refused up front. Set this
    /// to the server's configured value when it is not the default.
    public var maximumRequestSize: Int
    /// How deeply arrays, maps and sets may nest inside a stored value.
    public var maximumNestingDepth: Int

    /// Makes limits.
    /// - Parameters:
    ///   - maximumRequestSize: The largest request in bytes; the server's default 10 MiB unless given.
    ///   - maximumNestingDepth: How deeply values may nest; 64 unless given.
    public init(
        maximumRequestSize: Int = ZCachedRequestLimits.serverDefaultMaximumRequestSize,
        maximumNestingDepth: Int = 64
    ) {
        self.maximumRequestSize = maximumRequestSize
        self.maximumNestingDepth = maximumNestingDepth
    }
}
