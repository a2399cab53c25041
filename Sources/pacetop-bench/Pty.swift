import Foundation
import PacetopTestSupport

/// A child process on its own pseudo-terminal; everything it writes to the terminal is
/// collected from the master side with a timestamp.
final class PtyProcess {
    let pid: pid_t
    let master: Int32
    let started: Double
    /// Every byte read so far, and (time, total bytes) after each read.
    private(set) var output: [UInt8] = []
    private(set) var reads: [(time: Double, total: Int)] = []
    private var exited = false
    /// The slave side is closed (the child exited): nothing more will come.
    private(set) var eof = false

    init(_ args: [String], columns: Int, rows: Int, env: [String: String], removeEnv: [String] = []) throws {
        // posix_openpt/grantpt/ptsname need _XOPEN_SOURCE, which Glibc's module does not
        // define: use the Linux ioctls behind them (TIOCSPTLCK, TIOCGPTN from <asm/ioctls.h>).
        let m = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0, number: UInt32 = 0
        guard m >= 0, ioctl(m, 0x4004_5431, &unlock) == 0, ioctl(m, 0x8004_5430, &number) == 0 else {
            throw BenchError("cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let slave = "/dev/pts/\(number)"
        _ = fcntl(m, F_SETFD, FD_CLOEXEC)
        _ = fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK)
        var ws = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(m, UInt(TIOCSWINSZ), &ws)

        var e = ProcessInfo.processInfo.environment
        for k in removeEnv { e[k] = nil }
        for (k, v) in env { e[k] = v }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // A new session; opening the tty afterwards makes it the controlling terminal.
        posix_spawnattr_setflags(&attr, 0x80)  // POSIX_SPAWN_SETSID (glibc ≥ 2.26; hidden without _GNU_SOURCE)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        let argv = args.map { strdup($0) } + [nil]
        let envp = e.map { strdup("\($0)=\($1)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var p: pid_t = 0
        started = now()
        let rc = posix_spawn(&p, args[0], &actions, &attr, argv, envp)
        guard rc == 0 else {
            close(m)
            throw BenchError("cannot run \(args[0]): \(String(cString: strerror(rc)))")
        }
        pid = p
        master = m
    }

    deinit { stop() }

    /// Reads whatever is available now.
    func drain() {
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(master, &buf, buf.count)
            if n == 0 || (n < 0 && errno == EIO) { eof = true }
            if n <= 0 { break }
            output.append(contentsOf: buf[0..<n])
            reads.append((now(), output.count))
        }
    }

    var bytes: Int { output.count }
    var text: String { String(decoding: output, as: UTF8.self) }

    /// CPU (user + system) the child has used so far, in seconds.
    var cpu: Double? { procCPU(pid) }

    func stop() {
        guard !exited else { return }
        exited = true
        kill(pid, SIGTERM)
        let deadline = now() + 3
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if now() > deadline { kill(pid, SIGKILL); _ = waitExit(pid); break }
            drain()
            usleep(10_000)
        }
        close(master)
    }

    /// Still running?
    var alive: Bool {
        var status: Int32 = 0
        return !exited && waitpid(pid, &status, WNOHANG) == 0
    }
}

/// Reads from all `procs` until `deadline` (monotonic seconds) or until `until` is true.
func pump(_ procs: [PtyProcess], until deadline: Double, _ done: () -> Bool = { false }) {
    while now() < deadline && !done() {
        let live = procs.filter { !$0.eof }
        if live.isEmpty { return }
        var fds = live.map { pollfd(fd: $0.master, events: Int16(POLLIN), revents: 0) }
        let ms = Int32(max(1, min(100, (deadline - now()) * 1000)))
        _ = poll(&fds, nfds_t(fds.count), ms)
        for p in live { p.drain() }
    }
}

/// Waits until the output contains `marker`; returns when it arrived (monotonic), or nil.
func waitFor(_ p: PtyProcess, _ marker: String, timeout: Double) -> Double? {
    let m = Array(marker.utf8)
    var searchedTo = 0
    var found: Double?
    pump([p], until: now() + timeout) {
        let out = p.output
        if out.count >= m.count {
            var i = max(0, searchedTo - m.count)
            while i + m.count <= out.count {
                if out[i] == m[0] && Array(out[i..<(i + m.count)]) == m {
                    // The read that completed the marker.
                    let end = i + m.count
                    found = p.reads.first { $0.total >= end }?.time
                    return true
                }
                i += 1
            }
            searchedTo = out.count
        }
        return false
    }
    return found
}

/// Waits until nothing was written for `quiet` seconds (the first full draw is done).
func waitQuiet(_ p: PtyProcess, quiet: Double, timeout: Double) {
    let end = now() + timeout
    while now() < end {
        let before = p.bytes
        pump([p], until: now() + quiet)
        if p.bytes == before { return }
    }
}
