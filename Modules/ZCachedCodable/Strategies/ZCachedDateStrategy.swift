/// How ``ZCachedValueEncoder`` stores a `Date` and ``ZCachedValueDecoder`` reads it back.
public enum ZCachedDateStrategy: Sendable, Hashable {
    /// A double holding seconds since 1970-01-01T00:00:00Z. The default, as in `JSONEncoder`,
    /// and as in `JSONEncoder` not exact: `Date` counts from 2001, and moving a present-day date
    /// to 1970 rounds away its last bit about half the time (~0.1 µs), so a date read back may
    /// differ from the one stored by that much. The decoder also accepts an integer.
    case secondsSince1970
    /// A double holding milliseconds since 1970-01-01T00:00:00Z. The decoder also accepts an
    /// integer. Not exact either: multiplying by 1000 and dividing back can round the last bit.
    case millisecondsSince1970
    /// An ISO 8601 string in UTC with milliseconds, such as `2024-05-01T12:30:00.250Z`. Precision
    /// below a millisecond is lost. The decoder also accepts the form without fractional seconds.
    /// Only years 0 to 9999 are written (others, and infinite or NaN dates, are refused with an
    /// `EncodingError`): the form has four-digit years, and Foundation's parser reads back
    /// neither negative years nor infinity. Dates less than a millisecond apart become one
    /// string, so a `Set<Date>`, which the server stores as a set and deduplicates, can come back
    /// with fewer elements.
    case iso8601
}
