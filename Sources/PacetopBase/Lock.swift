#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials

/// A mutex with NSLock's interface (NSLock is in Foundation, not FoundationEssentials, and
/// Foundation pulls in ICU: 35 MB of the binary).
public class Lock: @unchecked Sendable {
    // @unchecked: the pthread mutex is the synchronisation; it lives at a stable address.
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() { precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init") }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A lock with a condition variable, with NSCondition's interface.
public final class Condition: Lock, @unchecked Sendable {
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public override init() {
        super.init()
        precondition(pthread_cond_init(cond, nil) == 0, "pthread_cond_init")
    }

    deinit {
        pthread_cond_destroy(cond)
        cond.deallocate()
    }

    /// Waits for a signal; call with the lock held. Wake-ups may be spurious: loop on the condition.
    public func wait() { pthread_cond_wait(cond, mutex) }

    /// Waits for a signal until `limit`; false when the limit passed (like NSCondition).
    @discardableResult
    public func wait(until limit: Date) -> Bool {
        let t = limit.timeIntervalSince1970
        guard t.isFinite else { wait(); return true }
        let seconds = t.rounded(.down)
        var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((t - seconds) * 1_000_000_000))
        return pthread_cond_timedwait(cond, mutex, &ts) != ETIMEDOUT
    }

    public func signal() { pthread_cond_signal(cond) }
    public func broadcast() { pthread_cond_broadcast(cond) }
}
