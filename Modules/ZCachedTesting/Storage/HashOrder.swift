import ZCachedCore

/// The order the embedded server gives to what the real server keeps in hash maps: MGET
/// replies, map entries and unordered-set elements (PROTOCOL.md §2, §6.12).
///
/// The real server's order comes from its own hash table and cannot be reproduced here; this
/// one is a fixed hash of each key's bytes (FNV-1a), so that it is stable from run to run but,
/// like the real one, has nothing to do with the order of the request. A test that passes only
/// when replies keep request order then fails against the embedded server too: where the hash
/// would keep two or more items in their given order (`a` before `b`, say, whose one-byte hashes
/// happen to rise), the order is rotated by one.
enum HashOrder {
    /// `items` sorted by the hash of the bytes `key` gives each, ties kept in their order, and
    /// never in their given order when there are two or more.
    static func sorted<Item>(_ items: [Item], by key: (Item) -> [UInt8]) -> [Item] {
        let ranked = items.map { (hash: fnv1a(key($0)), item: $0) }
            .enumerated()
            .sorted { ($0.element.hash, $0.offset) < ($1.element.hash, $1.offset) }
        let sorted = ranked.map(\.element.item)
        guard sorted.count > 1, ranked.lazy.map(\.offset).elementsEqual(ranked.indices) else { return sorted }
        return Array(sorted.dropFirst()) + [sorted[0]]
    }

    /// The wire bytes of `value`, the key an unordered set's elements are hashed by.
    static func bytes(of value: ZCachedValue) -> [UInt8] {
        var bytes: [UInt8] = []
        ZCachedWireWriter.writeValue(value, into: &bytes)
        return bytes
    }

    private static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
