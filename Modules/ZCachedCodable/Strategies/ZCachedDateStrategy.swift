/// How ``ZCachedValueEncoder`` stores a `Date` and ``ZCachedValueDecoder`` reads it back.
public enum ZCachedDateStrategy: Sendable, Hashable {
    /// A double holding seconds since 1970-01-01T00:00:00Z, lossless. The default, as in
    /// `JSONEncoder`. The decoder also accepts an integer.
    case secondsSince1970
    /// A double holding milliseconds since 1970-01-01T00:00:00Z. The decoder also accepts an
    /// integer.
    case millisecondsSince1970
    /// An ISO 8601 string in UTC with milliseconds, such as `2024-05-01T12:30:00.250Z`. Precision
    /// below a millisecond is lost. The decoder also accepts the form without fractional seconds.
    case iso8601
}
