import Histogram
import ZCachedClient

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
        // A batch with no reply records no latency: its time (a timeout, say) is no reply's.
        guard count > 0 else { return }
        // Clamped, not dropped: a reply slower than the histogram's 60 s still counts there.
        _ = latency.record(min(nanoseconds, latency.highestTrackableValue), count: UInt64(count))
        completed += count
    }

    /// Records a batch of `count` requests sent together: the replies, and the error of each
    /// request that failed, or of every request when the batch could not be sent.
    /// - Parameters:
    ///   - count: How many requests the batch held.
    ///   - outcome: The errors of the requests that failed, or the error that stopped the batch.
    ///   - nanoseconds: How long the batch took.
    mutating func recordBatch(_ count: Int, _ outcome: Result<[ZCachedError], ZCachedError>, after nanoseconds: UInt64) {
        switch outcome {
        case .success(let failures):
            recordReplies(count - failures.count, after: nanoseconds)
            for failure in failures { recordError(failure.code.description) }
        case .failure(let error):
            recordError(error.code.description, count: count)
        }
    }

    /// Records `count` failed requests (none when `count` is 0).
    mutating func recordError(_ kind: String, count: Int = 1) {
        guard count > 0 else { return }
        errors[kind, default: 0] += count
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
