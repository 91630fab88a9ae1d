/// How ``ZCachedValueEncoder`` treats strings the server cannot store, and how
/// ``ZCachedValueDecoder`` reads strings back.
///
/// The server cannot receive an empty string or one holding `\n` or the byte `0x03`, and the
/// client also refuses `\r`, which a following `\n` would cut with it (PROTOCOL.md §1.1, §6;
/// the rules are `ZCachedValidation/problem(inString:)`). The same strategy
/// applies to string values and to dictionary keys, and the decoder must use the strategy the
/// encoder used.
public enum ZCachedStringStrategy: Sendable, Hashable {
    /// Stores strings as they are and refuses, with an `EncodingError` naming the field, any the
    /// server cannot store. Reads strings back unchanged. The default.
    case refuse

    /// Stores every string, escaping the ones the server cannot store, and restores them exactly.
    ///
    /// A string that is non-empty, holds no `\r`, `\n` or `0x03` and does not start with `~` is
    /// stored unchanged. Any other string is stored as `~` followed by the string with `%`, `\r`,
    /// `\n` and `0x03` replaced by `%25`, `%0D`, `%0A` and `%03`: the empty string becomes `~`,
    /// `"a\nb"` becomes `~a%0Ab`, `"~x"` becomes `~~x`, `"100%"` stays `100%`. Reading strips
    /// one leading `~` and undoes the escapes; a stored string starting with `~` whose escapes are
    /// malformed is a `DecodingError`. Every result is non-empty and safe to send.
    case escaped
}
