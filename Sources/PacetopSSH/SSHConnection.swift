import CLibssh2
import FoundationEssentials
import Glibc
import PacetopBase

/// One persistent SSH session to a target (through its jump hosts), with one exec channel per
/// command. All libssh2 calls happen on the connection's own I/O thread, non-blocking, driven
/// by poll() with deadlines: callers on any thread run commands concurrently as separate
/// channels, a dead network never holds a caller past its deadline, and signals or keepalives
/// never break a read (docs/ARCHITECTURE.md, "libssh2 traps").
///
/// Connects lazily on the first `exec`; after a drop, the next `exec` reconnects. Call
/// `close()` when done: the I/O thread keeps the connection alive until then.
public final class SSHConnection: @unchecked Sendable {
    public let target: SSHTarget
    let auth: SSHAuthOptions
    let hostKeys: HostKeyPolicy

    // Shared with callers, guarded by `cond`.
    let cond = Condition()
    var incoming: [Job] = []
    var closed = false
    var threadStarted = false
    var threadDone = false
    var connectedFlag = false
    /// What the user must be told (an accepted host key), until `takeNotices` takes it.
    var notices: [String] = []
    /// Told when the session is lost while no command runs on it (see `onIdleLoss`).
    var lossHandler: (@Sendable (SSHError) -> Void)?
    let wakeRead: Int32
    let wakeWrite: Int32

    // Everything below belongs to the I/O thread.
    var hops: [Hop] = []
    var active: [Job] = []
    var orphans: [OpaquePointer] = []
    var passphrases: [String: String] = [:]
    var lastHeard = ContinuousClock.now
    var nextKeepalive = ContinuousClock.now
    var buffer = [UInt8](repeating: 0, count: 65536)
    var connecting = false

    public init(target: SSHTarget, auth: SSHAuthOptions = SSHAuthOptions(),
                hostKeys: HostKeyPolicy = HostKeyPolicy()) {
        _ = Self.libraryReady
        self.target = target
        self.auth = auth
        self.hostKeys = hostKeys
        var fds: [Int32] = [0, 0]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        for fd in fds where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        if wakeRead >= 0 { Glibc.close(wakeRead) }
        if wakeWrite >= 0 { Glibc.close(wakeWrite) }
    }

    /// Per stream and command: crm_mon on 2,000 resources prints ~1.4 MB, so 64 MB is far
    /// beyond any real answer and still well short of exhausting memory.
    public static let maxOutputBytes = 64 * 1_048_576

    /// Notices since the last call: each accepted host key with its fingerprint.
    public func takeNotices() -> [String] {
        cond.lock()
        defer { notices = []; cond.unlock() }
        return notices
    }

    /// `handler` is called (on the I/O thread) when the session ends while no command runs
    /// on it: the server closed or reset the connection, or the jump host or ProxyCommand
    /// went away. The I/O thread watches the socket between commands, so this comes at once,
    /// not at the next `exec`. A peer that is merely slow or silent is not a loss here, and
    /// neither is `close()`. The next `exec` reconnects.
    public func onIdleLoss(_ handler: @escaping @Sendable (SSHError) -> Void) {
        cond.lock(); lossHandler = handler; cond.unlock()
    }

    func note(_ text: String) {
        cond.lock(); notices.append(text); cond.unlock()
    }

    /// libssh2_init is not thread-safe: run it once, before any session exists.
    static let libraryReady: Bool = { libssh2_init(0) == 0 }()

    /// "user@host" (plus the jump chain) for labels and messages.
    public var label: String {
        let t = "\(target.endpoint.user)@\(target.endpoint.name)"
        return target.jumps.isEmpty ? t : t + " via " + target.jumps.map(\.name).joined(separator: ",")
    }

    /// Whether a session is currently established.
    public var isConnected: Bool {
        cond.lock(); defer { cond.unlock() }
        return connectedFlag
    }

    /// Connects now (if not yet connected), so that passphrase prompts happen before a
    /// full-screen UI starts.
    public func connect(timeout: Double? = nil) throws(SSHError) {
        _ = try submit(nil, timeout: timeout ?? (target.connectTimeout * 2 + 1) * Double(target.jumps.count + 1))
    }

    /// Runs `command` on a new channel and returns its output once it exits, or throws when
    /// the deadline (`timeout` seconds, connecting included) passes or the connection fails.
    public func exec(_ command: String, timeout: Double) throws(SSHError) -> ExecResult {
        try submit(command, timeout: timeout)
    }

    /// Like `exec`, with `stdin` sent to the command (then end of file), written as the
    /// command reads it while its output is read, so neither side can stall the other.
    public func exec(_ command: String, stdin: [UInt8], timeout: Double) throws(SSHError) -> ExecResult {
        try submit(command, stdin: stdin, timeout: timeout)
    }

    /// Ends the session; running and later `exec` calls fail with `.closed`.
    public func close() {
        cond.lock()
        closed = true
        let started = threadStarted
        cond.unlock()
        wake()
        guard started else { return }
        let limit = Date().addingTimeInterval(3)
        cond.lock()
        while !threadDone, cond.wait(until: limit) {}
        cond.unlock()
    }

    func submit(_ command: String?, stdin: [UInt8]? = nil, timeout: Double) throws(SSHError) -> ExecResult {
        let job = Job(command: command, stdin: stdin, timeout: max(0.001, timeout))
        cond.lock()
        if closed { cond.unlock(); throw .closed }
        incoming.append(job)
        if !threadStarted {
            threadStarted = true
            startThread(name: "pacetop-ssh \(target.endpoint.name)") { [self] in self.run() }
        }
        cond.unlock()
        wake()
        // The I/O thread enforces the deadline; the grace only matters if it is stuck in a
        // passphrase prompt.
        let limit = Date().addingTimeInterval(timeout + 2)
        cond.lock()
        while job.result == nil, cond.wait(until: limit) {}
        let result = job.result
        cond.unlock()
        switch result {
        case .success(let r): return r
        case .failure(let e): throw e
        case nil: throw .timeout(host: target.endpoint.name, phase: "waiting for the connection", seconds: timeout)
        }
    }

    func wake() {
        var b: UInt8 = 1
        _ = write(wakeWrite, &b, 1)
    }
}

extension Duration {
    var milliseconds: Int64 {
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }
}
