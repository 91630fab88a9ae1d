/// Bounds on what the reply decoder accepts, so a broken or hostile stream can never make the
/// client allocate without limit or recurse without end.
public struct ZCachedDecoderLimits: Sendable, Hashable {
    /// The largest reply, in bytes, the decoder buffers before giving up.
    public var maximumFrameSize: Int
    /// How deeply aggregates may nest; values above ``deepestSupportedNesting`` count as it.
    public var maximumDepth: Int
    /// The most elements (or map entries) one aggregate may declare.
    public var maximumElementCount: Int

    /// Makes limits.
    /// - Parameters:
    ///   - maximumFrameSize: The largest reply in bytes; 64 MiB unless given.
    ///   - maximumDepth: The deepest nesting; 100 unless given.
    ///   - maximumElementCount: The most elements in one aggregate; 16 Mi unless given.
    public init(
        maximumFrameSize: Int = 64 * 1024 * 1024,
        maximumDepth: Int = 100,
        maximumElementCount: Int = 16 * 1024 * 1024
    ) {
        self.maximumFrameSize = maximumFrameSize
        self.maximumDepth = maximumDepth
        self.maximumElementCount = maximumElementCount
    }

    /// The deepest nesting the decoder follows, whatever ``maximumDepth`` says: it parses
    /// aggregates recursively, and a deeper reply would overflow the thread's stack.
    public static let deepestSupportedNesting = 1000

    /// ``maximumDepth`` within ``deepestSupportedNesting``.
    var effectiveMaximumDepth: Int { min(maximumDepth, Self.deepestSupportedNesting) }
}
