import ZCachedCore

/// The reversible escaping of ``ZCachedStringStrategy/escaped``.
enum ZCachedStringEscaping {
    /// The first byte of every escaped string.
    static let marker = UInt8(ascii: "~")
    private static let percent = UInt8(ascii: "%")

    /// The string to store for `text`: `text` itself when it is safe and unmarked, else the
    /// marker followed by `text` with `%`, `\r`, `\n` and `0x03` percent-escaped.
    static func escape(_ text: String) -> String {
        let bytes = text.utf8
        if ZCachedValidation.problem(inString: bytes) == nil, bytes.first != marker { return text }
        var escaped: [UInt8] = [marker]
        escaped.reserveCapacity(bytes.count + 1)
        for byte in bytes {
            switch byte {
            case percent, 0x0A, 0x0D, 0x03:
                escaped.append(percent)
                escaped.append(hexDigit(byte >> 4))
                escaped.append(hexDigit(byte & 0x0F))
            default:
                escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    /// The original string for a stored one, or `nil` when a marked string has a malformed escape.
    static func unescape(_ stored: String) -> String? {
        let bytes = stored.utf8
        guard bytes.first == marker else { return stored }
        var original: [UInt8] = []
        original.reserveCapacity(bytes.count)
        var iterator = bytes.dropFirst().makeIterator()
        while let byte = iterator.next() {
            guard byte == percent else {
                original.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            original.append(high << 4 | low)
        }
        return String(decoding: original, as: UTF8.self)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
