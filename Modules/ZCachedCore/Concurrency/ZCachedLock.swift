#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value behind a `pthread_mutex_t`: the package's lock for state that threads share.
///
/// It has the shape of `Synchronization.Mutex` (``withLock(_:)``), but it locks with pthreads so
/// that ThreadSanitizer sees every acquire and release. On Linux, `Mutex` waits on raw futex
/// system calls that TSan does not intercept, so TSan reports every access made under a `Mutex`
/// as a race and its output becomes noise. swift-nio's `NIOLockedValueBox` solves this in the
/// same way; this type lives in ZCachedCore because ZCachedPool and some test targets do not
/// depend on swift-nio, and one lock type serves every module.
///
/// The mutex is allocated on the heap, because a pthread mutex must not move once initialised.
/// It is not recursive: calling ``withLock(_:)`` from inside ``withLock(_:)`` on the same lock
/// deadlocks (in debug builds it stops the program with a precondition failure instead).
///
/// ```swift
/// let counter = ZCachedLock(0)
/// counter.withLock { $0 += 1 }
/// ```
// @unchecked Sendable: `value` is only read or written inside `withLock`, while `mutex` is held,
// so no two threads access it at once. A value enters through `init` as `sending` and leaves
// through `withLock`'s `sending` result, so no non-Sendable state stays reachable from outside
// the lock: the rules that make `Synchronization.Mutex` Sendable for any value. `mutex` itself
// never changes after `init` and is destroyed in `deinit`, when no other reference exists.
@usableFromInline
package final class ZCachedLock<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// Makes a lock guarding `initialValue`.
    /// - Parameter initialValue: The value the lock starts with.
    package init(_ initialValue: sending Value) {
        mutex = UnsafeMutablePointer.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        #if DEBUG
            // As NIOLock does: catch a re-entrant lock in debug builds, at no cost in release.
            #if canImport(Darwin)
                pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ERRORCHECK)
            #else
                pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ERRORCHECK))
            #endif
        #endif
        let error = pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
        precondition(error == 0, "pthread_mutex_init failed: \(error)")
        value = initialValue
    }

    deinit {
        let error = pthread_mutex_destroy(mutex)
        precondition(error == 0, "pthread_mutex_destroy failed: \(error)")
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value, holding the lock for its whole duration.
    /// - Parameter body: Reads or changes the value; it must not call `withLock` on this lock.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws; the lock is released either way.
    @usableFromInline
    package func withLock<Result, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        var error = pthread_mutex_lock(mutex)
        precondition(error == 0, "pthread_mutex_lock failed: \(error)")
        defer {
            error = pthread_mutex_unlock(mutex)
            precondition(error == 0, "pthread_mutex_unlock failed: \(error)")
        }
        return try body(&value)
    }
}
