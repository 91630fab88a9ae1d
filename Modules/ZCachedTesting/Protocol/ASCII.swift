/// ASCII helpers for command names and options, which the server compares case-insensitively.
enum ASCII {
    /// `byte` in upper case when it is a lower-case ASCII letter, unchanged otherwise.
    @inline(__always)
    static func uppercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte &- 0x20 : byte
    }

    /// Whether the two byte strings are equal, ignoring ASCII letter case.
    static func equalsIgnoringCase<A: Collection, B: Collection>(_ lhs: A, _ rhs: B) -> Bool
    where A.Element == UInt8, B.Element == UInt8 {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { uppercased($0) == uppercased($1) }
    }
}
