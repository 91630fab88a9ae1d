import Foundation

/// Number formatting for reports.
enum Format {
    /// `12,345`
    static func integer(_ value: Double) -> String {
        let digits = String(Int(value.rounded()))
        var grouped = ""
        for (index, digit) in digits.reversed().enumerated() {
            if index > 0, index.isMultiple(of: 3), digit != "-" { grouped.append(",") }
            grouped.append(digit)
        }
        return String(grouped.reversed())
    }

    /// `1.25`
    static func decimal(_ value: Double, digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// A latency in nanoseconds as `31.2 µs` or `4.10 ms`.
    static func latency(_ nanoseconds: UInt64) -> String {
        nanoseconds < 1_000_000
            ? decimal(Double(nanoseconds) / 1_000, digits: 1) + " µs"
            : decimal(Double(nanoseconds) / 1_000_000, digits: 2) + " ms"
    }

    /// The spread of per-round ratios as `0.52–0.70x`.
    static func ratioRange(_ range: ClosedRange<Double>) -> String {
        decimal(range.lowerBound, digits: 2) + "–" + decimal(range.upperBound, digits: 2) + "x"
    }

    /// `text` padded with spaces to `width`, left or right aligned.
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
