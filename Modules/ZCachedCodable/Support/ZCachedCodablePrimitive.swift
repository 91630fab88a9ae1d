import ZCachedCore

/// A type the encoder and decoder convert directly, without asking it to encode itself:
/// the numbers, `Bool`, `String`, `Duration`, and `Data`, `Date` and `URL` (see `+Foundation`).
protocol ZCachedCodablePrimitive {
    /// Reads the value from a stored one.
    /// - Throws: `DecodingError` naming `codingPath` when `value` has another type or is out of range.
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError)

    /// The value to store.
    /// - Throws: `EncodingError` naming `codingPath` when the server cannot store it.
    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(EncodingError) -> ZCachedValue

    /// Any valid value, which the field probe of `load(_:prefix:)` hands out.
    static var zcachedPlaceholder: Self { get }
}

/// The integer types: stored as a 64-bit signed integer, refused when out of its range.
protocol ZCachedCodableInteger: ZCachedCodablePrimitive, FixedWidthInteger {}

extension ZCachedCodableInteger {
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError) {
        guard case .integer(let number) = value else { throw ZCachedCodingErrors.typeMismatch(Self.self, value, codingPath) }
        guard let exact = Self(exactly: number) else {
            throw ZCachedCodingErrors.dataCorrupted(codingPath, "the stored integer does not fit in \(Self.self)")
        }
        self = exact
    }

    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(EncodingError) -> ZCachedValue {
        guard let number = Int64(exactly: self) else {
            throw ZCachedCodingErrors.invalidValue(self, codingPath, "the \(Self.self) does not fit in the server's 64-bit signed integer")
        }
        return .integer(number)
    }

    static var zcachedPlaceholder: Self { 0 }
}

extension Int: ZCachedCodableInteger {}
extension Int8: ZCachedCodableInteger {}
extension Int16: ZCachedCodableInteger {}
extension Int32: ZCachedCodableInteger {}
extension Int64: ZCachedCodableInteger {}
extension UInt: ZCachedCodableInteger {}
extension UInt8: ZCachedCodableInteger {}
extension UInt16: ZCachedCodableInteger {}
extension UInt32: ZCachedCodableInteger {}
extension UInt64: ZCachedCodableInteger {}

extension Double: ZCachedCodablePrimitive {
    /// Reads a double, or an integer converted to the nearest double.
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError) {
        switch value {
        case .double(let number): self = number
        case .integer(let number): self = Double(number)
        default: throw ZCachedCodingErrors.typeMismatch(Double.self, value, codingPath)
        }
    }

    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) -> ZCachedValue { .double(self) }

    static var zcachedPlaceholder: Double { 0 }
}

extension Float: ZCachedCodablePrimitive {
    /// Reads a double that a `Float` holds exactly (nan and the infinities included).
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError) {
        let number = try Double(zcachedValue: value, options: options, codingPath: codingPath)
        let narrowed = Float(number)
        guard number.isNaN || Double(narrowed) == number else {
            throw ZCachedCodingErrors.dataCorrupted(codingPath, "the stored double does not fit in Float exactly")
        }
        self = narrowed
    }

    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) -> ZCachedValue { .double(Double(self)) }

    static var zcachedPlaceholder: Float { 0 }
}

extension Bool: ZCachedCodablePrimitive {
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError) {
        guard case .boolean(let flag) = value else { throw ZCachedCodingErrors.typeMismatch(Bool.self, value, codingPath) }
        self = flag
    }

    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) -> ZCachedValue { .boolean(self) }

    static var zcachedPlaceholder: Bool { false }
}

extension Duration: ZCachedCodablePrimitive {
    /// Reads `{seconds, attoseconds}`.
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError) {
        guard case .map(let map) = value, map.count == 2,
            case .integer(let seconds)? = map["seconds"], case .integer(let attoseconds)? = map["attoseconds"]
        else {
            throw ZCachedCodingErrors.typeMismatch(Duration.self, value, codingPath, expected: "a map of seconds and attoseconds")
        }
        guard attoseconds.magnitude < Self.attosecondsPerSecond, seconds == 0 || attoseconds == 0 || (seconds < 0) == (attoseconds < 0) else {
            throw ZCachedCodingErrors.dataCorrupted(codingPath, "the attoseconds are not a fraction of a second of the seconds' sign")
        }
        self.init(secondsComponent: seconds, attosecondsComponent: attoseconds)
    }

    /// `{seconds, attoseconds}` (its `components`), exact, within the server's integers and
    /// self-describing. `Duration`'s own `Codable` form, the two halves of a 128-bit count, has
    /// an unsigned low half above `Int64.max` for most durations (10 s, or any negative one).
    /// - Throws: `EncodingError` for a duration beyond `Int64.max` seconds either way, whose
    ///   components do not fit (about 292 billion years).
    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(EncodingError) -> ZCachedValue {
        guard self >= Self.smallestStorable, self <= Self.largestStorable else {
            throw ZCachedCodingErrors.invalidValue(self, codingPath, "the duration is beyond Int64.max seconds")
        }
        let (seconds, attoseconds) = components
        return .map(ZCachedMap([("seconds", .integer(seconds)), ("attoseconds", .integer(attoseconds))]))
    }

    static var zcachedPlaceholder: Duration { .zero }

    private static let attosecondsPerSecond: UInt64 = 1_000_000_000_000_000_000
    private static let largestStorable = Duration(secondsComponent: .max, attosecondsComponent: 999_999_999_999_999_999)
    private static let smallestStorable = Duration(secondsComponent: .min, attosecondsComponent: -999_999_999_999_999_999)
}

extension String: ZCachedCodablePrimitive {
    /// Reads a bulk or simple string, undoing the string strategy's escaping.
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError) {
        guard let stored = value.string else { throw ZCachedCodingErrors.typeMismatch(String.self, value, codingPath) }
        self = try options.originalString(stored, codingPath: codingPath)
    }

    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(EncodingError) -> ZCachedValue {
        .bulkString(try options.storedString(self, codingPath: codingPath))
    }

    static var zcachedPlaceholder: String { "" }
}
