#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

private final class ThreadBody {
    let name: String
    let body: @Sendable () -> Void
    init(name: String, body: @escaping @Sendable () -> Void) { self.name = name; self.body = body }
}

/// Starts a detached thread running `body` (Foundation's Thread is not in FoundationEssentials).
/// `name` shows in `top -H` and debuggers, cut to the kernel's 15 bytes.
public func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
    let context = Unmanaged.passRetained(ThreadBody(name: name, body: body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        let work = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
        setCurrentThreadName(work.name)
        work.body()
        return nil
    }, context)
    precondition(rc == 0, "pacetop: cannot start thread \(name) (error \(rc))")
    pthread_detach(thread)
}

/// pthread_setname_np is a GNU extension Glibc's module does not export; /proc does the same.
private func setCurrentThreadName(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = write(fd, bytes, bytes.count)
    close(fd)
}

/// Blocks the calling thread for `seconds` (Thread.sleep without Foundation); restarts after signals.
public func sleepSeconds(_ seconds: Double) {
    guard seconds > 0, seconds.isFinite else { return }
    let whole = seconds.rounded(.down)
    var request = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
