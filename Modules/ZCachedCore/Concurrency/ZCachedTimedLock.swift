#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value behind a lock that a caller waits for only until a deadline: the lock of a blocking
/// connection, whose holder may keep it for a long time (a whole pipelined batch) while callers
/// behind it must give up when their own time runs out.
///
/// The value is owned by whichever thread holds the lock; a `pthread_mutex_t` guards only the
/// "held" flag, and waiters sleep on a `pthread_cond_t` with a timeout. Both are pthreads, so
/// ThreadSanitizer sees every hand-over, as with ``ZCachedLock``. It is not fair: a thread that
/// arrives as the lock is released may take it before a waiter wakes, as with a mutex; every
/// waiter still gives up at its own deadline.
///
/// It is not recursive: taking the lock from inside ``withLock(until:orThrow:_:)`` on the same
/// lock waits until the deadline and throws, or forever with ``withLock(_:)``.
///
/// ```swift
/// let link = ZCachedTimedLock(Link())
/// let reply = try link.withLock(until: deadline, orThrow: ZCachedError.timeout) { link in ... }
/// ```
// @unchecked Sendable: `isHeld` is only read or written while `mutex` is locked. `value` is only
// read or written by `body` inside `withLock`, between setting `isHeld` (under `mutex`) and
// clearing it (under `mutex`), so at most one thread touches it at a time, and the mutex's
// acquire and release order each holder's accesses after the previous holder's. A value enters
// through `init` as `sending` and leaves through `withLock`'s `sending` result, as for
// ``ZCachedLock``. `mutex` and `released` never change after `init` and are destroyed in
// `deinit`, when no other reference exists.
package final class ZCachedTimedLock<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Signalled when the lock is released and a thread is waiting for it.
    private let released: UnsafeMutablePointer<pthread_cond_t>
    private var isHeld = false
    private var waiterCount = 0
    private var value: Value

    /// Makes a lock guarding `initialValue`.
    /// - Parameter initialValue: The value the lock starts with.
    package init(_ initialValue: sending Value) {
        mutex = UnsafeMutablePointer.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        var error = pthread_mutex_init(mutex, nil)
        precondition(error == 0, "pthread_mutex_init failed: \(error)")
        released = UnsafeMutablePointer.allocate(capacity: 1)
        released.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if !canImport(Darwin)
            // Darwin has no clock choice; it waits with a relative timeout instead (`wait(until:)`).
            pthread_condattr_setclock(&attributes, clockid_t(CLOCK_MONOTONIC))
        #endif
        error = pthread_cond_init(released, &attributes)
        pthread_condattr_destroy(&attributes)
        precondition(error == 0, "pthread_cond_init failed: \(error)")
        value = initialValue
    }

    deinit {
        pthread_cond_destroy(released)
        released.deinitialize(count: 1)
        released.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value, after waiting for the lock as long as it
    /// takes.
    /// - Parameter body: Reads or changes the value; it must not take this lock again.
    /// - Returns: What `body` returns.
    package func withLock<Result>(_ body: (inout sending Value) -> sending Result) -> sending Result {
        _ = acquire(until: nil)
        defer { release() }
        return body(&value)
    }

    /// Runs `body` with exclusive access to the value, after waiting for the lock no later than
    /// `deadline`.
    /// - Parameters:
    ///   - deadline: When to stop waiting for the lock.
    ///   - timedOut: The error thrown when the deadline passes before the lock is free.
    ///   - body: Reads or changes the value; it must not take this lock again.
    /// - Returns: What `body` returns.
    /// - Throws: `timedOut` when the lock stayed held until `deadline`, without running `body`;
    ///   otherwise what `body` throws (the lock is released either way).
    package func withLock<Result, Failure: Error>(
        until deadline: ContinuousClock.Instant,
        orThrow timedOut: @autoclosure () -> Failure,
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        guard acquire(until: deadline) else { throw timedOut() }
        defer { release() }
        return try body(&value)
    }

    /// Takes the lock, or gives up at `deadline` (`nil`: never).
    /// - Returns: Whether the lock was taken.
    private func acquire(until deadline: ContinuousClock.Instant?) -> Bool {
        lockMutex()
        defer { unlockMutex() }
        while isHeld {
            // A free lock is taken even after the deadline: a timed-out wait may have consumed
            // the release's signal, and taking the lock (whose holder then signals again when it
            // releases) keeps the next waiter from missing it.
            if let deadline, ContinuousClock.now >= deadline { return false }
            waiterCount += 1
            wait(until: deadline)
            waiterCount -= 1
        }
        isHeld = true
        return true
    }

    private func release() {
        lockMutex()
        isHeld = false
        if waiterCount > 0 { pthread_cond_signal(released) }
        unlockMutex()
    }

    /// Sleeps on ``released`` until it is signalled, `deadline` passes, or a spurious wake-up;
    /// the caller checks again either way.
    private func wait(until deadline: ContinuousClock.Instant?) {
        guard let deadline else {
            pthread_cond_wait(released, mutex)
            return
        }
        // Waits of an hour at most: the caller loops, and no conversion below can overflow.
        let remaining = min(max(.zero, ContinuousClock.now.duration(to: deadline)), .seconds(3600)).components
        let seconds = Int(remaining.seconds)
        let nanoseconds = Int(remaining.attoseconds / 1_000_000_000)
        #if canImport(Darwin)
            var timeout = timespec(tv_sec: seconds, tv_nsec: nanoseconds)
            pthread_cond_timedwait_relative_np(released, mutex, &timeout)
        #else
            var timeout = timespec()
            clock_gettime(clockid_t(CLOCK_MONOTONIC), &timeout)
            let totalNanoseconds = timeout.tv_nsec + nanoseconds
            timeout.tv_sec += seconds + totalNanoseconds / 1_000_000_000
            timeout.tv_nsec = totalNanoseconds % 1_000_000_000
            pthread_cond_timedwait(released, mutex, &timeout)
        #endif
    }

    private func lockMutex() {
        let error = pthread_mutex_lock(mutex)
        precondition(error == 0, "pthread_mutex_lock failed: \(error)")
    }

    private func unlockMutex() {
        let error = pthread_mutex_unlock(mutex)
        precondition(error == 0, "pthread_mutex_unlock failed: \(error)")
    }
}
