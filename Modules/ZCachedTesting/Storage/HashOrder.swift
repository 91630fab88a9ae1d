import ZCachedCore

/// The order the embedded server gives to what the real server keeps in hash maps: MGET
/// replies, map entries and unordered-set elements (PROTOCOL.md §2, §6.12).
///
/// The real server's order comes from its own hash table and cannot be reproduced here; this
/// one is a fixed hash of each key's bytes (FNV-1a), so that it is stable from run to run but,
/// like the real one, has nothing to do with the order of the request. A test that passes only
/// when replies keep request order then fails against the embedded server too.
enum HashOrder {
    /// `items` sorted by the hash of the bytes `key` gives each, ties kept in their order.
    static func sorted<Item>(_ items: [Item], by key: (Item) -> [UInt8]) -> [Item] {
        items.map { (hash: fnv1a(key($0)), item: $0) }
            .enumerated()
            .sorted { ($0.element.hash, $0.offset) < ($1.element.hash, $1.offset) }
            .map(\.element.item)
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
