import ZCachedCore

/// Decodes `Decodable` values from `ZCachedValue`s written by ``ZCachedValueEncoder``.
///
/// Use the same ``stringStrategy`` and ``dateStrategy`` the encoder used. Beyond what the
/// encoder writes, it accepts a simple string where a string is expected, an integer where a
/// `Double` or a seconds/milliseconds `Date` is expected, and an ordered set or array where a
/// `Set` is expected. A missing key or a null decodes as `nil` for an optional property.
public struct ZCachedValueDecoder: Sendable {
    /// How stored strings are read back. Default ``ZCachedStringStrategy/refuse`` (as stored).
    public var stringStrategy: ZCachedStringStrategy
    /// How dates are read. Default ``ZCachedDateStrategy/secondsSince1970``.
    public var dateStrategy: ZCachedDateStrategy
    /// Values handed to `init(from:)` through `Decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Makes a decoder.
    /// - Parameters:
    ///   - stringStrategy: How stored strings are read back.
    ///   - dateStrategy: How dates are read.
    ///   - userInfo: Values handed to `init(from:)` through `Decoder.userInfo`.
    public init(
        stringStrategy: ZCachedStringStrategy = .refuse,
        dateStrategy: ZCachedDateStrategy = .secondsSince1970,
        userInfo: [CodingUserInfoKey: any Sendable] = [:]
    ) {
        self.stringStrategy = stringStrategy
        self.dateStrategy = dateStrategy
        self.userInfo = userInfo
    }

    /// Decodes a value.
    /// - Parameters:
    ///   - type: The type to decode.
    ///   - value: The stored value.
    /// - Returns: The decoded value.
    /// - Throws: `DecodingError` whose coding path and description name the field: `typeMismatch`
    ///   for a value of another type, `keyNotFound` for a missing required field, `valueNotFound`
    ///   for too few array elements, `dataCorrupted` for an out-of-range number, bad base64, a bad
    ///   date or URL, or a malformed escape; and whatever `init(from:)` itself throws.
    public func decode<Value: Decodable>(_ type: Value.Type, from value: ZCachedValue) throws -> Value {
        try ZCachedDecoderImplementation.decode(type, from: value, codingPath: [], options: options)
    }

    var options: ZCachedCodingOptions {
        ZCachedCodingOptions(stringStrategy: stringStrategy, dateStrategy: dateStrategy, userInfo: userInfo)
    }
}
