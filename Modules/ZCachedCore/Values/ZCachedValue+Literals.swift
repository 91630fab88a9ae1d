extension ZCachedValue: ExpressibleByStringLiteral {
    /// A string literal makes a bulk string holding its UTF-8 bytes.
    public init(stringLiteral value: String) {
        self = .bulkString(Array(value.utf8))
    }
}

extension ZCachedValue: ExpressibleByIntegerLiteral {
    /// An integer literal makes an ``ZCachedValue/integer(_:)``.
    public init(integerLiteral value: Int64) {
        self = .integer(value)
    }
}

extension ZCachedValue: ExpressibleByFloatLiteral {
    /// A float literal makes a ``ZCachedValue/double(_:)``.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension ZCachedValue: ExpressibleByBooleanLiteral {
    /// A boolean literal makes a ``ZCachedValue/boolean(_:)``.
    public init(booleanLiteral value: Bool) {
        self = .boolean(value)
    }
}

extension ZCachedValue: ExpressibleByNilLiteral {
    /// `nil` makes ``ZCachedValue/null``.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension ZCachedValue: ExpressibleByArrayLiteral {
    /// An array literal makes an ``ZCachedValue/array(_:)``.
    public init(arrayLiteral elements: ZCachedValue...) {
        self = .array(elements)
    }
}

extension ZCachedValue: ExpressibleByDictionaryLiteral {
    /// A dictionary literal makes a ``ZCachedValue/map(_:)`` in the literal's order.
    public init(dictionaryLiteral elements: (String, ZCachedValue)...) {
        self = .map(ZCachedMap(elements))
    }
}
