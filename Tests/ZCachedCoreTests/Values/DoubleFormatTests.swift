import Testing
@testable import ZCachedCore

@Suite struct DoubleFormatTests {
    /// Inputs and the exact text the real server prints for them (PROTOCOL.md §2, vectors.json).
    static let cases: [(Double, String)] = [
        (2.5, "2.5"), (3, "3"), (0.1, "0.1"), (-0.0, "-0"), (0, "0"), (-42.75, "-42.75"),
        (123456789.123456789, "123456789.12345679"), (1e-10, "0.0000000001"), (1000.5, "1000.5"),
        (1500, "1500"), (0.5, "0.5"), (8, "8"), (1e16, "10000000000000000"),
        (1e100, "1" + String(repeating: "0", count: 100)),
        (1e308, "1" + String(repeating: "0", count: 308)),
        (.leastNonzeroMagnitude, "0." + String(repeating: "0", count: 323) + "5"),
        (.nan, "nan"), (.infinity, "inf"), (-.infinity, "-inf"),
    ]

    @Test(arguments: cases)
    func formatsLikeTheServer(value: Double, expected: String) {
        #expect(ZCachedDoubleFormat.plainDecimal(value) == expected)
    }

    @Test func plainDecimalRoundTripsThroughParsing() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = ZCachedDoubleFormat.plainDecimal(value)
            #expect(!text.contains("e"))
            #expect(Double(text) == value, "\(value) printed as \(text)")
        }
    }
}
