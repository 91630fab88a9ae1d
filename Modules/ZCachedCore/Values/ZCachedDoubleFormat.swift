/// Formats doubles the way the zcached server prints them: the shortest digits that round-trip,
/// always in plain decimal notation, never with an exponent (PROTOCOL.md §2, "Floats").
///
/// Examples: `2.5` → `2.5`, `3.0` → `3`, `-0.0` → `-0`, `1e-10` → `0.0000000001`,
/// `.nan` → `nan`, `-.infinity` → `-inf`, `1e308` → `1` and 308 zeros.
package enum ZCachedDoubleFormat {
    /// The server's text for `value`.
    package static func plainDecimal(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let sign = value.sign == .minus ? "-" : ""
        // Swift's description already gives the shortest round-trip digits; only its layout
        // (exponent, trailing ".0") differs from the server's.
        let shortest = value.magnitude.description
        var mantissa = Substring(shortest)
        var exponent = 0
        if let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = shortest[..<e]
            exponent = Int(shortest[shortest.index(after: e)...]) ?? 0
        }
        var digits: [UInt8] = []
        var pointPosition = 0
        var seenPoint = false
        for character in mantissa.utf8 {
            if character == UInt8(ascii: ".") {
                seenPoint = true
                continue
            }
            digits.append(character)
            if !seenPoint { pointPosition += 1 }
        }
        pointPosition += exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") {
            digits.removeLast()
        }
        if digits.isEmpty { return sign + "0" }
        let zero = UInt8(ascii: "0")
        var out: [UInt8] = []
        out.reserveCapacity(digits.count + abs(pointPosition) + 2)
        if pointPosition <= 0 {
            out.append(zero)
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: repeatElement(zero, count: -pointPosition))
            out.append(contentsOf: digits)
        } else if pointPosition >= digits.count {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(zero, count: pointPosition - digits.count))
        } else {
            out.append(contentsOf: digits[..<pointPosition])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[pointPosition...])
        }
        return sign + String(decoding: out, as: UTF8.self)
    }
}
