/// The entries of a zcached map value, in the order they were given or received.
///
/// zcached maps have string keys (the server answers every key as a bulk string) and values of
/// any type. The server replies in hash order, so compare two maps read from the server with
/// ``ZCachedMap/hasSameEntries(as:)`` rather than `==`, which also compares order.
public struct ZCachedMap: Sendable, Hashable, RandomAccessCollection {
    /// One key and its value.
    public struct Entry: Sendable, Hashable {
        /// The key, decoded from the bulk string's bytes as UTF-8.
        public var key: String
        /// The value stored under ``key``.
        public var value: ZCachedValue

        /// Makes an entry.
        /// - Parameters:
        ///   - key: The entry's key.
        ///   - value: The entry's value.
        public init(key: String, value: ZCachedValue) {
            self.key = key
            self.value = value
        }
    }

    /// The entries in order.
    public var entries: [Entry]

    /// Makes a map from its entries, keeping their order.
    /// - Parameter entries: The entries. Duplicate keys are kept as given; the server keeps the
    ///   last value for a repeated key.
    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    /// Makes a map from key-value pairs, keeping their order.
    /// - Parameter pairs: The pairs in the order they should be sent.
    public init(_ pairs: [(String, ZCachedValue)]) {
        self.entries = pairs.map { Entry(key: $0.0, value: $0.1) }
    }

    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public subscript(position: Int) -> Entry { entries[position] }

    /// The value of the last entry with this key, or `nil` when no entry has it.
    ///
    /// This is a linear search; build a `Dictionary` with ``dictionary`` for many look-ups.
    public subscript(key: String) -> ZCachedValue? {
        entries.last(where: { $0.key == key })?.value
    }

    /// The entries as a dictionary; for a repeated key the last value wins, as on the server.
    public var dictionary: [String: ZCachedValue] {
        Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// Whether both maps hold the same keys with equal values, in any order.
    /// - Parameter other: The map to compare with.
    /// - Returns: `true` when the two maps are equal as dictionaries.
    public func hasSameEntries(as other: ZCachedMap) -> Bool {
        dictionary == other.dictionary
    }
}

extension ZCachedMap: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, ZCachedValue)...) {
        self.init(elements)
    }
}
