import Histogram

/// The latency percentiles a report shows, in nanoseconds.
struct LatencySummary: Codable, Sendable {
    var p50: UInt64
    var p90: UInt64
    var p99: UInt64
    var p999: UInt64
    var max: UInt64

    init(_ histogram: Histogram<UInt64>) {
        p50 = histogram.valueAtPercentile(50)
        p90 = histogram.valueAtPercentile(90)
        p99 = histogram.valueAtPercentile(99)
        p999 = histogram.valueAtPercentile(99.9)
        max = histogram.max
    }

    /// The columns of a table row.
    var columns: [String] { [p50, p90, p99, p999, max].map(Format.latency) }
}
