/// An order-independent hash of some keys, counting repeats: the wrapping sum of each key's byte
/// hash (FNV-1a, then splitmix64's finaliser so that every bit depends on every byte).
///
/// The same keys in any order give equal sums; different keys collide about once in 2^64 unless
/// crafted to. A pass over the bytes, it is far cheaper than a set of the keys.
struct ZCachedKeySum: Equatable {
    private var sum: UInt64 = 0

    /// Adds a key.
    mutating func add(_ key: String) { sum &+= Self.hash(key) }

    private static func hash(_ key: String) -> UInt64 {
        var key = key
        var hash = key.withUTF8 { bytes in
            bytes.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { hash, byte in (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }
}
