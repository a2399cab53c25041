import FoundationEssentials
import Glibc
import PacetopBase

/// Child processes pacetop starts itself: `ssh -G` and ProxyCommand. posix_spawn, not
/// Foundation.Process (whose reaping hung with many threads blocked); signals back to their
/// defaults and an empty mask, so the child does not inherit what pacetop ignores or blocks.
enum Subprocess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// Spawns `argv` with the given fds as its stdin, stdout and stderr.
    static func spawn(_ argv: [String], stdin: Int32, stdout: Int32, stderr: Int32) -> Result<pid_t, SSHError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let args = argv.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attr, args, environ)
        guard rc == 0 else {
            return .failure(.configError(file: argv[0], reason: "cannot run it: \(String(cString: strerror(rc)))"))
        }
        return .success(pid)
    }

    /// Runs `argv` to completion (stdin /dev/null), killed after `timeout` seconds.
    static func run(_ argv: [String], timeout: Double) throws(SSHError) -> Output {
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0 else { throw .configError(file: argv[0], reason: "pipe failed") }
        guard pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            throw .configError(file: argv[0], reason: "pipe failed")
        }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let spawned = spawn(argv, stdin: null, stdout: out[1], stderr: err[1])
        close(null); close(out[1]); close(err[1])
        defer { close(out[0]); close(err[0]) }
        let pid = try spawned.get()
        var buffers: [[UInt8]] = [[], []]
        var fds = [pollfd(fd: out[0], events: Int16(POLLIN), revents: 0), pollfd(fd: err[0], events: Int16(POLLIN), revents: 0)]
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        var open = 2
        var chunk = [UInt8](repeating: 0, count: 16384)
        var timedOut = false
        while open > 0 {
            let ms = (deadline - .now).milliseconds
            if ms <= 0 { timedOut = true; break }
            let n = poll(&fds, 2, Int32(min(ms, 1000)))
            if n < 0 && errno != EINTR { break }
            for i in 0..<2 where fds[i].fd >= 0 && fds[i].revents != 0 {
                let r = read(fds[i].fd, &chunk, chunk.count)
                if r > 0 { buffers[i] += chunk[0..<r] } else if r == 0 || errno != EINTR { fds[i].fd = -1; open -= 1 }
            }
        }
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Output(status: status, stdout: String(decoding: buffers[0], as: UTF8.self),
                      stderr: String(decoding: buffers[1], as: UTF8.self), timedOut: timedOut)
    }

    static func cString(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The executable `name` would run as, from $PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}

/// A running ProxyCommand: `/bin/sh -c "exec COMMAND"` (as ssh runs it) with its stdin and
/// stdout on one end of a socketpair; the other end is the SSH session's socket. Its stderr
/// goes to an unlinked temp file, read only to explain a failed connection, so a chatty proxy
/// can neither block on a full pipe nor draw over the screen.
final class ProxyProcess {
    let command: String
    let pid: pid_t
    private let errFD: Int32
    private var reaped: Int32?

    /// Returns the process and the session's end of the socketpair (non-blocking).
    static func start(_ command: String) throws(SSHError) -> (ProxyProcess, Int32) {
        var pair: [Int32] = [0, 0]
        // Blocking for the child: O_NONBLOCK is shared through dup2, so only our end gets it.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw .proxyCommandFailed(command: command, reason: "socketpair: \(String(cString: strerror(errno)))", stderr: "")
        }
        var template = Array((FileManager.default.temporaryDirectory.path + "/pacetop-proxy-XXXXXX").utf8CString)
        let errFD = mkstemp(&template)
        if errFD >= 0 {
            _ = fcntl(errFD, F_SETFD, FD_CLOEXEC)
            unlink(Subprocess.cString(template))
        }
        let err = errFD >= 0 ? errFD : open("/dev/null", O_WRONLY | O_CLOEXEC)
        let spawned = Subprocess.spawn(["/bin/sh", "-c", "exec " + command], stdin: pair[1], stdout: pair[1], stderr: err)
        close(pair[1])
        guard case .success(let pid) = spawned else {
            close(pair[0]); close(err)
            throw .proxyCommandFailed(command: command, reason: "cannot start /bin/sh", stderr: "")
        }
        _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
        return (ProxyProcess(command: command, pid: pid, errFD: err), pair[0])
    }

    private init(command: String, pid: pid_t, errFD: Int32) {
        self.command = command
        self.pid = pid
        self.errFD = errFD
    }

    /// Why the connection through it failed: its exit (waiting up to `grace` seconds, since
    /// it usually exits right after the session saw EOF) and the end of its stderr.
    func failure(wrapping error: SSHError, grace: Double = 1) -> SSHError {
        _ = waitExit(seconds: grace)
        var reason = error.description
        if let status = reaped {
            let exit = (status & 0x7f) == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(status & 0x7f)"
            reason = "it \(exit) (\(reason))"
        }
        return .proxyCommandFailed(command: command, reason: reason, stderr: stderrTail())
    }

    /// Whether it has exited (and is reaped), waiting up to `seconds`.
    func waitExit(seconds: Double) -> Bool {
        let until = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while !poll() {
            if ContinuousClock.now >= until { return false }
            usleep(10_000)
        }
        return true
    }

    private func poll() -> Bool {
        guard reaped == nil else { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { reaped = status; return true }
        return false
    }

    func stderrTail(limit: Int = 2000) -> String {
        var st = stat()
        guard fstat(errFD, &st) == 0, st.st_size > 0 else { return "" }
        let size = Int(st.st_size)
        var buf = [UInt8](repeating: 0, count: min(limit, size))
        let n = pread(errFD, &buf, buf.count, off_t(size - buf.count))
        return String(decoding: buf.prefix(max(0, n)), as: UTF8.self).trimmingWhitespaceAndNewlines()
    }

    /// Ends it (the session socket is closed first, so a well-behaved proxy has already seen
    /// EOF): SIGTERM, a moment's grace, then SIGKILL; always reaped.
    func stop() {
        defer { close(errFD) }
        guard !poll() else { return }
        kill(pid, SIGTERM)
        if !waitExit(seconds: 0.5) {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            reaped = status
        }
    }
}
