/// The delays between reconnect attempts: `initial`, then each delay `multiplier` times the
/// last, never above `max`.
///
/// A value type with no state: ask for the delay of attempt *n*, or iterate it as a sequence.
/// Jitter is off by default so delays are predictable; turn it on to spread reconnect storms.
///
/// ```swift
/// let backoff = ExponentialBackoff(initial: .milliseconds(100), multiplier: 2, max: .seconds(5))
/// backoff.delay(forAttempt: 0)  // 100 ms
/// backoff.delay(forAttempt: 3)  // 800 ms
/// Array(backoff.prefix(3))      // [100 ms, 200 ms, 400 ms]
/// ```
public struct ExponentialBackoff: Sendable, Hashable, Sequence {
    /// The first delay.
    public var initial: Duration
    /// The factor between one delay and the next; at least 1.
    public var multiplier: Double
    /// The longest delay.
    public var max: Duration
    /// The share of each delay that is random, from 0 (none, the default) to 1. With 0.5 a
    /// delay of 800 ms becomes a random delay between 400 ms and 800 ms.
    public var jitter: Double

    /// Makes a backoff.
    /// - Parameters:
    ///   - initial: The first delay; 100 ms unless given.
    ///   - multiplier: The growth factor; 2 unless given. Values below 1 are treated as 1.
    ///   - max: The longest delay; 10 s unless given.
    ///   - jitter: The random share of each delay, clamped to 0...1; 0 unless given.
    public init(
        initial: Duration = .milliseconds(100),
        multiplier: Double = 2,
        max: Duration = .seconds(10),
        jitter: Double = 0
    ) {
        self.initial = initial
        self.multiplier = Swift.max(1, multiplier)
        self.max = max
        self.jitter = Swift.min(1, Swift.max(0, jitter))
    }

    /// The delay before attempt `attempt` (0 is the first retry), without jitter.
    ///
    /// Values set on the properties directly are read as the initializer clamps them: a
    /// `multiplier` below 1 (or not a number) as 1; a negative `initial` or `max` gives no delay.
    /// - Parameter attempt: The zero-based attempt number; negative values count as 0.
    /// - Returns: `min(initial × multiplier^attempt, max)`.
    public func delay(forAttempt attempt: Int) -> Duration {
        guard max > .zero else { return .zero }
        let grown = Self.seconds(initial) * pow(Swift.max(1, multiplier), Swift.max(0, attempt))
        guard grown > 0 else { return .zero }
        return grown < Self.seconds(max) ? .seconds(grown) : max
    }

    /// The delay before attempt `attempt`, with ``jitter`` applied.
    /// - Parameters:
    ///   - attempt: The zero-based attempt number.
    ///   - generator: The source of randomness.
    /// - Returns: A delay between `(1 - jitter)` and 1 times ``delay(forAttempt:)``.
    public func delay<Generator: RandomNumberGenerator>(forAttempt attempt: Int, using generator: inout Generator) -> Duration {
        let full = delay(forAttempt: attempt)
        // Clamped here too: the property may have been set past 0...1, or to NaN (read as 0).
        let jitter = Swift.min(1, Swift.max(0, jitter))
        guard jitter > 0 else { return full }
        let factor = 1 - jitter * Double.random(in: 0...1, using: &generator)
        return .seconds(Self.seconds(full) * factor)
    }

    /// The delay before attempt `attempt`, with ``jitter`` drawn from the system's random
    /// source: what the connections sleep between connect attempts.
    /// - Parameter attempt: The zero-based attempt number.
    /// - Returns: A delay between `(1 - jitter)` and 1 times ``delay(forAttempt:)``.
    public func jitteredDelay(forAttempt attempt: Int) -> Duration {
        var random = SystemRandomNumberGenerator()
        return delay(forAttempt: attempt, using: &random)
    }

    /// Iterates the delays of attempts 0, 1, 2, … without end (and without jitter).
    public struct Iterator: IteratorProtocol, Sendable {
        let backoff: ExponentialBackoff
        var attempt = 0

        public mutating func next() -> Duration? {
            defer { attempt += 1 }
            return backoff.delay(forAttempt: attempt)
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(backoff: self)
    }

    /// `duration` in seconds, saturating at `Int64`'s range (past it `components` traps).
    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.saturatingComponents
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// `base` to the power `exponent` by repeated squaring: a few dozen multiplications for
    /// any attempt number, so no attempt is too large to compute exactly as documented.
    private func pow(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        var factor = base
        var remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 { result *= factor }
            remaining >>= 1
            factor *= factor
        }
        return result
    }
}
