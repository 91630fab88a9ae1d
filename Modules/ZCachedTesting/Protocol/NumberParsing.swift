/// Number literals with the real server's (Zig's) syntax: `+`/`-` signs and `_` digit separators.
enum NumberParsing {
    /// An unsigned decimal count or length (`*3`, `$5`), or `nil` when the text is not one.
    static func count(_ text: UnsafeRawBufferPointer) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    /// A signed 64-bit integer in Zig syntax (`-42`, `+42`, `1_000`), or `nil` when invalid or out of range.
    static func integer(_ text: UnsafeRawBufferPointer) -> Int64? {
        var digits = text[...]
        var negative = false
        if let first = digits.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard let first = digits.first, let last = digits.last,
            first != UInt8(ascii: "_"), last != UInt8(ascii: "_")
        else { return nil }
        var magnitude: UInt64 = 0
        for byte in digits where byte != UInt8(ascii: "_") {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// A 64-bit float in Zig syntax (`2.5`, `.5`, `1.5E3`, `0x1p3`, `1_000.5`, `nan`, `inf`,
    /// `infinity`, signed), or `nil` when invalid. Values out of range become infinities.
    static func double(_ text: UnsafeRawBufferPointer) -> Double? {
        var cleaned = ""
        cleaned.reserveCapacity(text.count)
        var previous: UInt8 = 0
        for (offset, byte) in text.enumerated() {
            if byte == UInt8(ascii: "_") {
                // Zig allows a separator only between two digits.
                let next = offset + 1 < text.count ? text[offset + 1] : 0
                guard isHexDigit(previous), isHexDigit(next) else { return nil }
            } else {
                guard isFloatCharacter(byte) else { return nil }
                cleaned.unicodeScalars.append(Unicode.Scalar(byte))
            }
            previous = byte
        }
        let unsigned = cleaned.drop(while: { $0 == "+" || $0 == "-" }).lowercased()
        if unsigned.contains(where: { $0.isLetter && !"xpe".contains($0) && !$0.isHexDigit }) {
            guard ["nan", "inf", "infinity"].contains(unsigned) else { return nil }
        }
        return Double(cleaned)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        Character(Unicode.Scalar(byte)).isHexDigit
    }

    private static func isFloatCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
