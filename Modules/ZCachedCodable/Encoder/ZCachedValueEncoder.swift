import ZCachedCore

/// Encodes `Encodable` values as `ZCachedValue`s the server stores losslessly.
///
/// | Swift | Stored as |
/// |---|---|
/// | `Int`, `Int8`…`UInt64` | integer (a `UInt64` above `Int64.max` is refused) |
/// | `Double`, `Float` | double, `nan` and the infinities included |
/// | `Bool` | boolean |
/// | `String` | bulk string, under ``stringStrategy`` |
/// | `nil` | null; an optional property that is `nil` is stored as null, not left out |
/// | arrays | array |
/// | `Set` | unordered set |
/// | structs, `[String: V]` | map (a dictionary with `Int` keys uses the keys' text) |
/// | `Data` | base64 bulk string; empty data is an empty array |
/// | `Date` | under ``dateStrategy`` |
/// | `URL` | its absolute string, under ``stringStrategy`` |
/// | `Duration` | a map of `seconds` and `attoseconds`, exact |
/// | `UUID` | its `uuidString` |
///
/// An empty struct or dictionary, or an enum case without payload (`{"case": {}}` since Swift
/// 5.5), would be an empty map, which the server rejects; it is stored as an empty array, which
/// ``ZCachedValueDecoder`` reads back as an empty map.
public struct ZCachedValueEncoder: Sendable {
    /// How strings the server cannot store are handled. Default ``ZCachedStringStrategy/refuse``.
    public var stringStrategy: ZCachedStringStrategy
    /// How dates are stored. Default ``ZCachedDateStrategy/secondsSince1970``.
    public var dateStrategy: ZCachedDateStrategy
    /// Values handed to `encode(to:)` through `Encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// The deepest a value may sit in the encoded tree (its coding path's length): deeper, the
    /// encoder throws `EncodingError.invalidValue` instead of recursing on, which is what a
    /// reference cycle (a child holding its parent) would do until the stack overflowed. The
    /// server-side limit, ``ZCachedRequestLimits/maximumNestingDepth`` (64 by default), refuses
    /// shallower values than this when they are sent.
    public static let deepestNesting = 256

    /// Makes an encoder.
    /// - Parameters:
    ///   - stringStrategy: How strings the server cannot store are handled.
    ///   - dateStrategy: How dates are stored.
    ///   - userInfo: Values handed to `encode(to:)` through `Encoder.userInfo`.
    public init(
        stringStrategy: ZCachedStringStrategy = .refuse,
        dateStrategy: ZCachedDateStrategy = .secondsSince1970,
        userInfo: [CodingUserInfoKey: any Sendable] = [:]
    ) {
        self.stringStrategy = stringStrategy
        self.dateStrategy = dateStrategy
        self.userInfo = userInfo
    }

    /// Encodes a value.
    /// - Parameter value: The value to encode.
    /// - Returns: The value to store.
    /// - Throws: `EncodingError.invalidValue`, whose coding path and description name the field,
    ///   for a string the server cannot store (under ``ZCachedStringStrategy/refuse``), an
    ///   integer outside the 64-bit signed range, a date the date strategy cannot write, a
    ///   value that encodes nothing, containers of two kinds asked for in one place, or a value
    ///   deeper than ``deepestNesting``; and whatever `value.encode(to:)` itself throws.
    public func encode<Value: Encodable>(_ value: Value) throws -> ZCachedValue {
        let root = ZCachedEncodingNode(codingPath: [])
        try ZCachedEncoderImplementation.encode(value, into: root, options: options)
        return try root.resolve()
    }

    var options: ZCachedCodingOptions {
        ZCachedCodingOptions(stringStrategy: stringStrategy, dateStrategy: dateStrategy, userInfo: userInfo)
    }
}
