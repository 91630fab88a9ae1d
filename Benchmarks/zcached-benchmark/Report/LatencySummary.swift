import Histogram

/// The latency percentiles a report shows, in nanoseconds.
struct LatencySummary: Codable, Sendable {
    var p50: UInt64
    var p90: UInt64
    var p99: UInt64
    var p999: UInt64
    var max: UInt64

    /// The percentiles of `histogram`; `nil` when it holds no latency (no request completed),
    /// so a run without replies shows none instead of zeros.
    init?(_ histogram: Histogram<UInt64>) {
        guard histogram.totalCount > 0 else { return nil }
        p50 = histogram.valueAtPercentile(50)
        p90 = histogram.valueAtPercentile(90)
        p99 = histogram.valueAtPercentile(99)
        p999 = histogram.valueAtPercentile(99.9)
        max = histogram.max
    }

    /// The columns of a table row: five dashes for no summary.
    static func columns(_ summary: LatencySummary?) -> [String] {
        guard let summary else { return Array(repeating: "–", count: 5) }
        return [summary.p50, summary.p90, summary.p99, summary.p999, summary.max].map(Format.latency)
    }
}
