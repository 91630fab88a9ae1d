import Histogram

#if canImport(Glibc)
import Glibc
#endif

/// What one worker of a run measured: request latencies, completions and errors by kind.
struct WorkerTally: Sendable {
    /// Latencies in nanoseconds, up to 60 s, 3 significant digits.
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    /// Requests that got a reply.
    var completed = 0
    /// Failed requests by error kind; errors are counted, never hidden.
    var errors: [String: Int] = [:]

    /// Records `count` requests answered together after `nanoseconds`.
    mutating func recordReplies(_ count: Int, after nanoseconds: UInt64) {
        _ = latency.record(nanoseconds, count: UInt64(count))
        completed += count
    }

    /// Records a failed request.
    mutating func recordError(_ kind: String) {
        errors[kind, default: 0] += 1
    }

    /// Adds another worker's tally to this one.
    mutating func merge(_ other: WorkerTally) {
        latency.add(other.latency)
        completed += other.completed
        errors.merge(other.errors, uniquingKeysWith: +)
    }

    /// The tally of all workers together.
    static func merged(_ tallies: [WorkerTally]) -> WorkerTally {
        tallies.reduce(into: WorkerTally()) { $0.merge($1) }
    }
}

/// A monotonic clock reading in nanoseconds, cheap enough to take twice per request.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
