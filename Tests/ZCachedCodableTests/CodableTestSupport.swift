import Foundation
import ZCachedCodable
import ZCachedCore

/// A SplitMix64 generator: the same seed gives the same values on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Text of 0...maxLength characters, mixing ASCII, the bytes the server mangles, `~`, `%`
    /// and non-ASCII characters, so escaped strings are exercised.
    mutating func string(maxLength: Int = 12, safe: Bool = false) -> String {
        let alphabet: [String] = safe
            ? ["a", "b", "Z", "0", " ", "%", "é", "🙂", "-"]
            : ["a", "b", "Z", "0", " ", "~", "%", "%0A", "\r", "\n", "\r\n", "\u{3}", "é", "🙂", "-"]
        let minimum = safe ? 1 : 0
        return (0..<Int.random(in: minimum...maxLength, using: &self)).map { _ in alphabet.randomElement(using: &self)! }.joined()
    }

    mutating func double() -> Double {
        switch Int.random(in: 0..<8, using: &self) {
        case 0: .nan
        case 1: .infinity
        case 2: -.infinity
        case 3: -0.0
        case 4: .greatestFiniteMagnitude
        default: Double(bitPattern: next() & 0x7FEF_FFFF_FFFF_FFFF) * (Bool.random(using: &self) ? 1 : -1)
        }
    }
}

/// A value with every kind of field, for generated round trips.
struct Sample: Codable, Equatable {
    enum Kind: String, Codable, CaseIterable { case small, large }

    struct Inner: Codable, Equatable {
        var label: String
        var weights: [Double]
    }

    var id: Int
    var small: Int8
    var unsigned: UInt32
    var ratio: Double
    var ratioFloat: Float
    var flag: Bool
    var name: String
    var nickname: String?
    var tags: [String]
    var unique: Set<Int>
    var scores: [String: Int]
    var inner: Inner
    var children: [Inner]
    var maybeInner: Inner?
    var blob: Data
    var when: Date
    var link: URL
    var kind: Kind
    var matrix: [[Int]]

    static func random(using generator: inout SeededGenerator, safeStrings: Bool) -> Sample {
        func inner() -> Inner {
            Inner(label: generator.string(safe: safeStrings), weights: (0..<Int.random(in: 0...3, using: &generator)).map { _ in generator.double() })
        }
        var scores: [String: Int] = [:]
        for _ in 0..<Int.random(in: 1...4, using: &generator) { scores[generator.string(safe: safeStrings)] = Int.random(in: -9...9, using: &generator) }
        return Sample(
            id: Int(truncatingIfNeeded: generator.next()),
            small: Int8(truncatingIfNeeded: generator.next()),
            unsigned: UInt32(truncatingIfNeeded: generator.next()),
            ratio: generator.double(),
            ratioFloat: Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()) & 0x7F7F_FFFF),
            flag: Bool.random(using: &generator),
            name: generator.string(safe: safeStrings),
            nickname: Bool.random(using: &generator) ? generator.string(safe: safeStrings) : nil,
            tags: (0..<Int.random(in: 0...4, using: &generator)).map { _ in generator.string(safe: safeStrings) },
            unique: Set((0..<Int.random(in: 0...4, using: &generator)).map { _ in Int.random(in: 0...100, using: &generator) }),
            scores: scores,
            inner: inner(),
            children: (0..<Int.random(in: 0...3, using: &generator)).map { _ in inner() },
            maybeInner: Bool.random(using: &generator) ? inner() : nil,
            blob: Data((0..<Int.random(in: 0...20, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }),
            when: Date(timeIntervalSince1970: Double(Int.random(in: -1_000_000_000...4_000_000_000, using: &generator)) / 8),
            link: URL(string: "https://example.com/\(Int.random(in: 0...999, using: &generator))?q=\(Int.random(in: 0...9, using: &generator))")!,
            kind: Kind.allCases.randomElement(using: &generator)!,
            matrix: (0..<Int.random(in: 0...3, using: &generator)).map { _ in (0..<Int.random(in: 0...3, using: &generator)).map { _ in Int.random(in: -5...5, using: &generator) } }
        )
    }

    /// `==` with every `nan` equal to itself.
    static func == (lhs: Sample, rhs: Sample) -> Bool {
        let encoder = ZCachedValueEncoder(stringStrategy: .escaped)
        // ZCachedValue's `==` treats nan as equal to nan; sets and maps compare as stored.
        return (try? encoder.encode(lhs).normalized) == (try? encoder.encode(rhs).normalized)
    }
}

extension ZCachedValue {
    /// The value with sets and maps in a canonical order, to compare values that went through
    /// hash-ordered containers.
    var normalized: ZCachedValue {
        switch self {
        case .array(let elements): .array(elements.map(\.normalized))
        case .unorderedSet(let elements): .unorderedSet(elements.map(\.normalized).sorted { "\($0)" < "\($1)" })
        case .map(let map): .map(ZCachedMap(map.entries.map { ZCachedMap.Entry(key: $0.key, value: $0.value.normalized) }.sorted { $0.key < $1.key }))
        default: self
        }
    }
}
