import CLibssh2
import Foundation

/// One persistent SSH session to a target (through its jump hosts), with one exec channel per
/// command. All libssh2 calls happen on the connection's own I/O thread, non-blocking, driven
/// by poll() with deadlines: callers on any thread run commands concurrently as separate
/// channels, a dead network never holds a caller past its deadline, and signals or keepalives
/// never break a read (see DESIGN.md on libssh2 1.10).
///
/// Connects lazily on the first `exec`; after a drop, the next `exec` reconnects. Call
/// `close()` when done: the I/O thread keeps the connection alive until then.
public final class SSHConnection: @unchecked Sendable {
    public let target: SSHTarget
    let auth: SSHAuthOptions
    let hostKeys: HostKeyPolicy

    // Shared with callers, guarded by `cond`.
    private let cond = NSCondition()
    private var incoming: [Job] = []
    private var closed = false
    private var threadStarted = false
    private var threadDone = false
    private var connectedFlag = false
    private let wakeRead: Int32
    private let wakeWrite: Int32

    // Everything below belongs to the I/O thread.
    private var hops: [Hop] = []
    private var active: [Job] = []
    private var orphans: [OpaquePointer] = []
    private var passphrases: [String: String] = [:]
    private var lastHeard = ContinuousClock.now
    private var nextKeepalive = ContinuousClock.now
    private var buffer = [UInt8](repeating: 0, count: 65536)
    private var connecting = false

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

    /// libssh2_init is not thread-safe: run it once, before any session exists.
    private static let libraryReady: Bool = { libssh2_init(0) == 0 }()

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

    private func submit(_ command: String?, timeout: Double) throws(SSHError) -> ExecResult {
        let job = Job(command: command, timeout: max(0.001, timeout))
        cond.lock()
        if closed { cond.unlock(); throw .closed }
        incoming.append(job)
        if !threadStarted {
            threadStarted = true
            let t = Thread { [self] in self.run() }
            t.name = "pacetop-ssh \(target.endpoint.name)"
            t.start()
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

    private func wake() {
        var b: UInt8 = 1
        _ = write(wakeWrite, &b, 1)
    }

    // MARK: - I/O thread

    final class Job: @unchecked Sendable {
        enum Phase { case waiting, open, exec, read, close, waitClosed }
        let command: String?
        let timeout: Double
        let started = ContinuousClock.now
        let deadline: ContinuousClock.Instant
        /// Guarded by the connection's `cond`.
        var result: Result<ExecResult, SSHError>?
        var phase: Phase = .waiting
        var retried = false
        var channel: OpaquePointer?
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []

        init(command: String?, timeout: Double) {
            self.command = command
            self.timeout = timeout
            deadline = started + .milliseconds(Int64(timeout * 1000))
        }

        var phaseName: String {
            switch phase {
            case .waiting: "connecting"
            case .open: "opening a channel"
            case .exec: "starting the command"
            case .read: "waiting for the command to finish"
            case .close, .waitClosed: "closing the channel"
            }
        }
    }

    /// One SSH session in the chain; all but the last carry a tunnel to the next hop.
    final class Hop {
        let endpoint: SSHEndpoint
        let session: OpaquePointer
        let fd: Int32
        var pump: Pump?

        init(endpoint: SSHEndpoint, session: OpaquePointer, fd: Int32) {
            self.endpoint = endpoint
            self.session = session
            self.fd = fd
        }
    }

    /// Copies bytes between a direct-tcpip channel and our end of a socketpair whose other
    /// end is the next hop's "socket".
    final class Pump {
        let channel: OpaquePointer
        let fd: Int32
        var toFD: [UInt8] = []
        var toChannel: [UInt8] = []
        var channelEOF = false

        init(channel: OpaquePointer, fd: Int32) {
            self.channel = channel
            self.fd = fd
        }
    }

    private func run() {
        while true {
            // Drain first, then look: a job queued in between leaves a fresh wake-up byte.
            drainWake()
            cond.lock()
            let isClosed = closed
            let fresh = incoming
            incoming = []
            cond.unlock()
            if active.isEmpty && !fresh.isEmpty { lastHeard = .now }
            active += fresh
            if isClosed {
                teardown()
                for job in active { finish(job, .failure(.closed)) }
                active = []
                cond.lock(); threadDone = true; cond.broadcast(); cond.unlock()
                return
            }
            if hops.isEmpty && !active.isEmpty {
                do {
                    try establish()
                    lastHeard = .now
                    nextKeepalive = .now + .seconds(target.serverAliveInterval)
                } catch {
                    teardown()
                    for job in active { finish(job, .failure(error)) }
                    active = []
                    continue
                }
            }
            var progress = false
            if !hops.isEmpty {
                do {
                    progress = try stepPumps()
                    for job in active { progress = try step(job) || progress }
                    active.removeAll { isFinished($0) }
                    stepOrphans()
                    try keepalive()
                } catch {
                    // A session that died while idle (server restarted) fails the first channel
                    // open; nothing ran yet, so such a job reconnects once instead of failing.
                    let retry = active.filter { $0.phase == .open && $0.channel == nil && !$0.retried && !isFinished($0) }
                    teardown()
                    for job in active where !retry.contains(where: { $0 === job }) { finish(job, .failure(error)) }
                    for job in retry { job.retried = true; job.phase = .waiting }
                    active = retry
                    continue
                }
            }
            expireJobs()
            if !progress { waitIO(until: nextWakeup(), readLast: !active.isEmpty) }
        }
    }

    private func isFinished(_ job: Job) -> Bool {
        cond.lock(); defer { cond.unlock() }
        return job.result != nil
    }

    private func finish(_ job: Job, _ result: Result<ExecResult, SSHError>) {
        cond.lock()
        if job.result == nil { job.result = result }
        cond.broadcast()
        cond.unlock()
    }

    private func nextWakeup() -> ContinuousClock.Instant {
        var t = ContinuousClock.now + .seconds(hops.isEmpty ? 3600 : max(0.05, target.serverAliveInterval > 0 ? target.serverAliveInterval : 3600))
        if !hops.isEmpty, target.serverAliveInterval > 0 { t = min(t, nextKeepalive) }
        for job in active { t = min(t, job.deadline) }
        return t
    }

    /// Fails jobs whose deadline passed. Their channels are closed in the background. A
    /// timeout with a silent peer also drops the session, so the next call reconnects.
    private func expireJobs() {
        let now = ContinuousClock.now
        var silent = false
        active.removeAll { job in
            guard now >= job.deadline else { return false }
            finish(job, .failure(.timeout(host: target.endpoint.name, phase: job.phaseName, seconds: job.timeout)))
            if let ch = job.channel { orphans.append(ch); job.channel = nil }
            // Only judge silence when keepalives make a live server talk, and never halfway
            // through connecting (the hops are in use).
            if !connecting, !hops.isEmpty, target.serverAliveInterval > 0,
               now - lastHeard > .seconds(target.serverAliveInterval * 2) { silent = true }
            return true
        }
        if silent {
            teardown()
            for job in active { finish(job, .failure(.disconnected(host: target.endpoint.name, reason: "the server stopped answering"))) }
            active = []
        }
    }

    private func drainWake() {
        var buf = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buf, buf.count) > 0 {}
    }

    /// Sleeps until a socket we care about is ready, a caller wakes us, or `until`.
    private func waitIO(until: ContinuousClock.Instant, readLast: Bool) {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        for (i, hop) in hops.enumerated() {
            let last = i == hops.count - 1
            var ev: Int32 = (!last || readLast) ? POLLIN : 0
            if libssh2_session_block_directions(hop.session) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { ev |= POLLOUT }
            fds.append(pollfd(fd: hop.fd, events: Int16(ev), revents: 0))
            if let p = hop.pump {
                var pev: Int32 = p.toChannel.count < 262_144 ? POLLIN : 0
                if !p.toFD.isEmpty { pev |= POLLOUT }
                fds.append(pollfd(fd: p.fd, events: Int16(pev), revents: 0))
            }
        }
        let ms = max(0, min(Int64(3_600_000), (until - .now).milliseconds))
        let n = poll(&fds, nfds_t(fds.count), Int32(ms))
        // ACK what arrived at once. sshd does not set TCP_NODELAY on exec channels, so a
        // second small packet it sends waits (Nagle) for our ACK, which Linux delays by
        // 40 ms: that stalled the first exec of every session (first status on screen 107 →
        // 63 ms on loopback, scripts/bench ssh). Linux resets the flag by itself: set it per wake.
        var quickAck: Int32 = 1
        for hop in hops {
            setsockopt(hop.fd, Int32(IPPROTO_TCP), TCP_QUICKACK, &quickAck, socklen_t(MemoryLayout<Int32>.size))
        }
        if n > 0, let lastHop = hops.last, readLast,
           let pfd = fds.first(where: { $0.fd == lastHop.fd }), pfd.revents != 0 {
            lastHeard = .now
        }
    }

    // MARK: Channels

    /// Advances one job as far as it goes without blocking. Returns whether anything moved.
    /// Throws only for failures of the whole session.
    private func step(_ job: Job) throws(SSHError) -> Bool {
        guard let hop = hops.last else { return false }
        let s = hop.session
        if isFinished(job) { return false }
        guard let command = job.command else {
            finish(job, .success(ExecResult(stdout: [], stderr: [], exitStatus: nil, exitSignal: nil,
                                            duration: .now - job.started)))
            return true
        }
        var progress = false
        while true {
            switch job.phase {
            case .waiting:
                job.phase = .open
            case .open:
                guard let ch = libssh2_channel_open_ex(s, "session", 7, 2 * 1024 * 1024,
                                                       UInt32(LIBSSH2_CHANNEL_PACKET_DEFAULT), nil, 0) else {
                    let rc = libssh2_session_last_errno(s)
                    if rc == LIBSSH2_ERROR_EAGAIN { return progress }
                    try sessionCheck(rc, hop)
                    finish(job, .failure(.channelFailed(host: target.endpoint.name, reason: lastError(s))))
                    return true
                }
                job.channel = ch
                job.phase = .exec
                progress = true
            case .exec:
                let rc = command.withCString {
                    libssh2_channel_process_startup(job.channel, "exec", 4, $0, UInt32(strlen($0)))
                }
                if rc == LIBSSH2_ERROR_EAGAIN { return progress }
                if rc < 0 {
                    try sessionCheck(rc, hop)
                    finish(job, .failure(.execFailed(host: target.endpoint.name, reason: lastError(s))))
                    if let ch = job.channel { orphans.append(ch); job.channel = nil }
                    return true
                }
                job.phase = .read
                progress = true
            case .read:
                guard let ch = job.channel else { return progress }
                // Both streams every time: a chatty stderr must not fill the window and stall stdout.
                for stream: Int32 in [0, 1] {
                    while true {
                        let n = buffer.withUnsafeMutableBytes {
                            libssh2_channel_read_ex(ch, stream, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
                        }
                        if n > 0 {
                            if stream == 0 { job.stdout.append(contentsOf: buffer[0..<n]) } else { job.stderr.append(contentsOf: buffer[0..<n]) }
                            progress = true
                            lastHeard = .now
                            continue
                        }
                        if n == Int(LIBSSH2_ERROR_EAGAIN) { break }
                        if n < 0 {
                            try sessionCheck(Int32(n), hop)
                            finish(job, .failure(.disconnected(host: target.endpoint.name, reason: lastError(s))))
                            orphans.append(ch); job.channel = nil
                            return true
                        }
                        break
                    }
                }
                if libssh2_channel_eof(ch) == 1 {
                    job.phase = .close
                    progress = true
                } else {
                    return progress
                }
            case .close:
                let rc = libssh2_channel_close(job.channel)
                if rc == LIBSSH2_ERROR_EAGAIN { return progress }
                job.phase = .waitClosed
                progress = true
            case .waitClosed:
                guard let ch = job.channel else { return progress }
                let rc = libssh2_channel_wait_closed(ch)
                if rc == LIBSSH2_ERROR_EAGAIN { return progress }
                var status: Int32? = libssh2_channel_get_exit_status(ch)
                var sigPtr: UnsafeMutablePointer<CChar>?
                var sigLen = 0
                var signal: String?
                if libssh2_channel_get_exit_signal(ch, &sigPtr, &sigLen, nil, nil, nil, nil) == 0, let p = sigPtr {
                    signal = String(cString: p)
                    libssh2_free(s, p)
                }
                if signal != nil { status = nil }
                if libssh2_channel_free(ch) == LIBSSH2_ERROR_EAGAIN { orphans.append(ch) }
                job.channel = nil
                finish(job, .success(ExecResult(stdout: job.stdout, stderr: job.stderr, exitStatus: status,
                                                exitSignal: signal, duration: .now - job.started)))
                return true
            }
        }
    }

    private func stepOrphans() {
        orphans.removeAll { ch in
            let rc = libssh2_channel_free(ch)
            return rc != LIBSSH2_ERROR_EAGAIN
        }
    }

    /// Channel-level errors fail one command; anything else means the session is gone.
    private func sessionCheck(_ rc: Int32, _ hop: Hop) throws(SSHError) {
        let channelErrors: Set<Int32> = [
            LIBSSH2_ERROR_CHANNEL_OUTOFORDER, LIBSSH2_ERROR_CHANNEL_FAILURE,
            LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED, LIBSSH2_ERROR_CHANNEL_UNKNOWN,
            LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED, LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED,
            LIBSSH2_ERROR_CHANNEL_CLOSED, LIBSSH2_ERROR_CHANNEL_EOF_SENT,
        ]
        if channelErrors.contains(rc) { return }
        throw .disconnected(host: hop.endpoint.name, reason: lastError(hop.session))
    }

    private func keepalive() throws(SSHError) {
        guard target.serverAliveInterval > 0, !hops.isEmpty else { return }
        let now = ContinuousClock.now
        if !active.isEmpty,
           now - lastHeard > .seconds(target.serverAliveInterval * Double(max(1, target.serverAliveCountMax))) {
            throw .disconnected(host: target.endpoint.name, reason: "no answer for \(Int(target.serverAliveInterval) * max(1, target.serverAliveCountMax)) s (ServerAliveInterval × ServerAliveCountMax)")
        }
        guard now >= nextKeepalive else { return }
        nextKeepalive = now + .seconds(target.serverAliveInterval)
        // An idle session's socket is not polled for reading; notice a peer that hung up.
        if active.isEmpty, let last = hops.last {
            var b: UInt8 = 0
            if recv(last.fd, &b, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == 0 {
                throw .disconnected(host: target.endpoint.name, reason: "the server closed the connection")
            }
        }
        for hop in hops {
            var next: Int32 = 0
            _ = libssh2_keepalive_send(hop.session, &next)
        }
    }

    private func stepPumps() throws(SSHError) -> Bool {
        var progress = false
        for hop in hops {
            guard let p = hop.pump else { continue }
            while !p.channelEOF && p.toFD.count < 262_144 {
                let n = buffer.withUnsafeMutableBytes {
                    libssh2_channel_read_ex(p.channel, 0, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
                }
                if n > 0 { p.toFD.append(contentsOf: buffer[0..<n]); progress = true; lastHeard = .now; continue }
                if n == Int(LIBSSH2_ERROR_EAGAIN) { break }
                if n < 0 {
                    throw .disconnected(host: hop.endpoint.name, reason: "jump host tunnel: \(lastError(hop.session))")
                }
                if libssh2_channel_eof(p.channel) == 1 { p.channelEOF = true; progress = true }
                break
            }
            if !p.toFD.isEmpty {
                // send, not write: MSG_NOSIGNAL, so a closed inner session cannot kill us with SIGPIPE.
                let n = p.toFD.withUnsafeBytes { send(p.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n > 0 { p.toFD.removeFirst(n); progress = true }
            } else if p.channelEOF {
                shutdown(p.fd, Int32(SHUT_WR))
            }
            if p.toChannel.count < 262_144 {
                let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if n > 0 { p.toChannel.append(contentsOf: buffer[0..<n]); progress = true }
            }
            while !p.toChannel.isEmpty {
                let n = p.toChannel.withUnsafeBytes {
                    libssh2_channel_write_ex(p.channel, 0, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
                }
                if n > 0 { p.toChannel.removeFirst(n); progress = true; continue }
                if n == Int(LIBSSH2_ERROR_EAGAIN) { break }
                throw .disconnected(host: hop.endpoint.name, reason: "jump host tunnel: \(lastError(hop.session))")
            }
        }
        return progress
    }

    private func teardown() {
        for job in active {
            if let ch = job.channel { orphans.append(ch); job.channel = nil }
        }
        orphans = []
        for hop in hops.reversed() {
            // Shut the socket first, so that nothing below can block on a frozen peer.
            _ = libssh2_session_disconnect_ex(hop.session, SSH_DISCONNECT_BY_APPLICATION, "pacetop closing", "")
            shutdown(hop.fd, Int32(SHUT_RDWR))
            if let p = hop.pump { shutdown(p.fd, Int32(SHUT_RDWR)) }
            var tries = 0
            while libssh2_session_free(hop.session) == LIBSSH2_ERROR_EAGAIN, tries < 100 { tries += 1 }
            Glibc.close(hop.fd)
            if let p = hop.pump { Glibc.close(p.fd) }
        }
        hops = []
        cond.lock(); connectedFlag = false; cond.unlock()
    }

    // MARK: Connecting

    /// Runs a libssh2 call until it stops saying EAGAIN, pumping jump tunnels and sleeping in
    /// poll() meanwhile, up to `deadline`.
    private func drive(_ deadline: inout ContinuousClock.Instant, host: String, phase: String,
                       seconds: Double, _ op: () -> Int32) throws(SSHError) -> Int32 {
        while true {
            let rc = op()
            if rc != LIBSSH2_ERROR_EAGAIN { return rc }
            drainWake()
            cond.lock()
            let isClosed = closed
            active += incoming
            incoming = []
            cond.unlock()
            if isClosed { throw .closed }
            expireJobs()
            if try stepPumps() { continue }
            if ContinuousClock.now >= deadline { throw .timeout(host: host, phase: phase, seconds: seconds) }
            // Wake for a caller's deadline too: it may be shorter than the connect timeout.
            waitIO(until: active.map(\.deadline).reduce(deadline, min), readLast: true)
        }
    }

    private func establish() throws(SSHError) {
        connecting = true
        defer { connecting = false }
        let chain = target.jumps + [target.endpoint]
        for (i, ep) in chain.enumerated() {
            let fd: Int32
            if i == 0 {
                fd = try tcpConnect(ep)
            } else {
                fd = try tunnel(from: hops[i - 1], to: ep)
            }
            guard let session = libssh2_session_init_ex(nil, nil, nil, nil) else {
                Glibc.close(fd)
                throw .handshakeFailed(host: ep.name, reason: "libssh2 could not create a session")
            }
            libssh2_session_set_blocking(session, 0)
            let hop = Hop(endpoint: ep, session: session, fd: fd)
            hops.append(hop)
            try handshake(hop)
            try authenticate(hop)
            if target.serverAliveInterval > 0 {
                libssh2_keepalive_config(session, 1, UInt32(max(1, target.serverAliveInterval.rounded())))
            }
        }
        cond.lock(); connectedFlag = true; cond.unlock()
    }

    private func tcpConnect(_ ep: SSHEndpoint) throws(SSHError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let grc = getaddrinfo(ep.host, String(ep.port), &hints, &res)
        guard grc == 0, let first = res else {
            throw .resolveFailed(host: ep.host, reason: String(cString: gai_strerror(grc)))
        }
        defer { freeaddrinfo(first) }
        var deadline = ContinuousClock.now + .seconds(target.connectTimeout)
        var lastError: SSHError = .connectTimeout(host: ep.host, port: ep.port, seconds: target.connectTimeout)
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            if fd < 0 { continue }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
            guard errno == EINPROGRESS else {
                lastError = errno == ECONNREFUSED ? .connectRefused(host: ep.host, port: ep.port)
                    : .connectFailed(host: ep.host, port: ep.port, reason: String(cString: strerror(errno)))
                Glibc.close(fd)
                continue
            }
            var fds = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            var done = false
            while !done {
                let ms = (deadline - .now).milliseconds
                if ms <= 0 { break }
                fds[0].revents = 0; fds[1].revents = 0
                let jobMs = active.map { ($0.deadline - .now).milliseconds }.min() ?? ms
                let n = poll(&fds, 2, Int32(max(1, min(ms, jobMs + 1, 1000))))
                if n < 0 && errno == EINTR { continue }
                drainWake()
                cond.lock(); let isClosed = closed; active += incoming; incoming = []; cond.unlock()
                if isClosed { Glibc.close(fd); throw .closed }
                expireJobs()
                if fds[0].revents != 0 { done = true }
            }
            if !done {
                Glibc.close(fd)
                throw .connectTimeout(host: ep.host, port: ep.port, seconds: target.connectTimeout)
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err == 0 { return fd }
            lastError = err == ECONNREFUSED ? .connectRefused(host: ep.host, port: ep.port)
                : .connectFailed(host: ep.host, port: ep.port, reason: String(cString: strerror(err)))
            Glibc.close(fd)
            deadline = max(deadline, .now)
        }
        throw lastError
    }

    /// A direct-tcpip channel on the previous hop, bridged to a socketpair the next session uses.
    private func tunnel(from prev: Hop, to ep: SSHEndpoint) throws(SSHError) -> Int32 {
        var deadline = ContinuousClock.now + .seconds(target.connectTimeout)
        var channel: OpaquePointer?
        let rc = try drive(&deadline, host: prev.endpoint.name, phase: "opening the tunnel to \(ep.host):\(ep.port)",
                           seconds: target.connectTimeout) {
            channel = libssh2_channel_direct_tcpip_ex(prev.session, ep.host, Int32(ep.port), "127.0.0.1", 22)
            return channel == nil ? libssh2_session_last_errno(prev.session) : 0
        }
        guard rc == 0, let ch = channel else {
            throw .connectFailed(host: ep.host, port: ep.port,
                                 reason: "jump host \(prev.endpoint.name) could not open a connection: \(lastError(prev.session))")
        }
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &pair) == 0 else {
            libssh2_channel_free(ch)
            throw .connectFailed(host: ep.host, port: ep.port, reason: "socketpair: \(String(cString: strerror(errno)))")
        }
        prev.pump = Pump(channel: ch, fd: pair[1])
        return pair[0]
    }

    private func handshake(_ hop: Hop) throws(SSHError) {
        let ep = hop.endpoint
        let s = hop.session
        let known = KnownHosts(session: s, files: hostKeys.files + hostKeys.globalFiles)
        let name = ep.knownHostsName
        let knownTypes = known.knownKeyTypes(for: name)
        // libssh2 only finds a host in known_hosts if it negotiated a key type listed there.
        if !knownTypes.isEmpty {
            _ = libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY, knownTypes.map(\.method).joined(separator: ","))
        }
        var deadline = ContinuousClock.now + .seconds(target.connectTimeout)
        let rc = try drive(&deadline, host: ep.name, phase: "SSH handshake", seconds: target.connectTimeout) {
            libssh2_session_handshake(s, hop.fd)
        }
        if rc != 0 {
            let msg = lastError(s)
            if !knownTypes.isEmpty, rc == LIBSSH2_ERROR_KEX_FAILURE || msg.localizedCaseInsensitiveContains("host key") {
                throw .hostKeyTypeMismatch(host: name, known: knownTypes.map(\.method), file: knownTypes[0].file,
                                           line: knownTypes[0].line, reason: msg)
            }
            throw .handshakeFailed(host: ep.name, reason: msg)
        }
        var len = 0
        var type: Int32 = 0
        guard let keyPtr = libssh2_session_hostkey(s, &len, &type), len > 0 else {
            throw .handshakeFailed(host: ep.name, reason: "the server sent no host key")
        }
        let key = keyPtr.withMemoryRebound(to: UInt8.self, capacity: len) { Array(UnsafeBufferPointer(start: $0, count: len)) }
        let keyType = KnownHosts.keyTypeName(hostKeyType: type)
        var fp = "SHA256:?"
        if let h = libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256) {
            fp = h.withMemoryRebound(to: UInt8.self, capacity: 32) {
                KnownHosts.fingerprint(sha256: Array(UnsafeBufferPointer(start: $0, count: 32)))
            }
        }
        let file = hostKeys.files.first ?? HostKeyPolicy.defaultFile
        switch known.verify(name: name, key: key, hostKeyType: type) {
        case .match:
            return
        case .mismatch(let f, let line):
            throw .hostKeyChanged(host: name, keyType: keyType, fingerprint: fp, file: f, line: line)
        case .notFound:
            if !knownTypes.isEmpty {
                throw .hostKeyTypeMismatch(host: name, known: knownTypes.map(\.method), file: knownTypes[0].file,
                                           line: knownTypes[0].line, reason: "it presented \(keyType) \(fp)")
            }
            guard hostKeys.acceptNew else {
                throw .hostKeyUnknown(host: name, keyType: keyType, fingerprint: fp, file: file)
            }
            try KnownHosts.append(name: name, keyType: keyType, key: key, to: file)
        }
    }

    // MARK: Authentication

    private func authenticate(_ hop: Hop) throws(SSHError) {
        let ep = hop.endpoint
        let s = hop.session
        var deadline = ContinuousClock.now + .seconds(target.connectTimeout)
        let phase = "authentication"
        var listPtr: UnsafeMutablePointer<CChar>?
        _ = try drive(&deadline, host: ep.name, phase: phase, seconds: target.connectTimeout) {
            listPtr = ep.user.withCString { libssh2_userauth_list(s, $0, UInt32(strlen($0))) }
            return listPtr == nil ? libssh2_session_last_errno(s) : 0
        }
        if listPtr == nil && libssh2_userauth_authenticated(s) == 1 { return }
        let serverMethods = listPtr.map { String(cString: $0) } ?? ""
        var methodsTried: [String] = []
        var keysTried: [String] = []
        var rsaRefused: [String] = []
        var passphraseError: SSHError?
        guard serverMethods.split(separator: ",").contains("publickey") else {
            throw .authFailed(user: ep.user, host: ep.name, methodsTried: [], keysTried: [], serverMethods: serverMethods)
        }

        // 1. The agent (a forwarded one works the same way).
        let agentPath = auth.agentSocket ?? ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"]
        if auth.useAgent, let agentPath, !agentPath.isEmpty, let agent = libssh2_agent_init(s) {
            defer { libssh2_agent_disconnect(agent); libssh2_agent_free(agent) }
            libssh2_agent_set_identity_path(agent, agentPath)
            if libssh2_agent_connect(agent) == 0, libssh2_agent_list_identities(agent) == 0 {
                methodsTried.append("agent")
                let allowed = ep.identitiesOnly ? Set(ep.identityFiles.compactMap(Self.publicBlob)) : nil
                var prev: UnsafeMutablePointer<libssh2_agent_publickey>?
                var ident: UnsafeMutablePointer<libssh2_agent_publickey>?
                while libssh2_agent_get_identity(agent, &ident, prev) == 0, let id = ident {
                    prev = id
                    let blob = Array(UnsafeBufferPointer(start: id.pointee.blob, count: Int(id.pointee.blob_len)))
                    if let allowed, !allowed.contains(blob) { continue }
                    let type = KeyFile.keyType(blob: blob) ?? "key"
                    let comment = id.pointee.comment.map { String(cString: $0) } ?? ""
                    let rc = try drive(&deadline, host: ep.name, phase: phase, seconds: target.connectTimeout) {
                        ep.user.withCString { libssh2_agent_userauth(agent, $0, id) }
                    }
                    if rc == 0 { return }
                    let label = "agent \(type)" + (comment.isEmpty ? "" : " \(comment)")
                    keysTried.append(label)
                    if type == "ssh-rsa" { rsaRefused.append(label) }
                    try sessionAlive(rc, hop)
                }
            }
        }

        // 2. Identity files, in order; encrypted ones only with a passphrase.
        var triedFile = false
        for path in ep.identityFiles {
            guard let key = KeyFile.inspect(path) else { continue }
            if !triedFile { methodsTried.append("publickey"); triedFile = true }
            var attempt = 1
            while true {
                var pass: String?
                if key.encrypted {
                    pass = passphrases[path]
                    if pass == nil {
                        // The prompt's time does not count against the connect deadline.
                        let before = ContinuousClock.now
                        pass = auth.passphraseProvider?(path, attempt)
                        deadline += ContinuousClock.now - before
                    }
                    guard pass != nil else {
                        if passphraseError == nil { passphraseError = .passphraseNeeded(key: path) }
                        break
                    }
                }
                let rc = try drive(&deadline, host: ep.name, phase: phase, seconds: target.connectTimeout) {
                    ep.user.withCString { u in
                        // An encrypted key gets no .pub: deriving the public key makes libssh2
                        // decrypt first, so a wrong passphrase is told apart from a refused key.
                        libssh2_userauth_publickey_fromfile_ex(s, u, UInt32(strlen(u)), key.encrypted ? nil : key.publicKeyPath,
                                                               path, pass ?? "")
                    }
                }
                if rc == 0 {
                    if let pass { passphrases[path] = pass }
                    return
                }
                if key.encrypted && rc == LIBSSH2_ERROR_FILE {
                    passphrases[path] = nil
                    attempt += 1
                    if attempt <= 3 && auth.passphraseProvider != nil { continue }
                    passphraseError = .passphraseWrong(key: path)
                    break
                }
                keysTried.append(path)
                if key.type == "ssh-rsa" { rsaRefused.append(path) }
                try sessionAlive(rc, hop)
                break
            }
        }

        if !rsaRefused.isEmpty, rsaRefused.count == keysTried.count, !LibSSH2.supportsRSASHA2 {
            throw .rsaKeyUnsupported(user: ep.user, host: ep.name, keys: rsaRefused, libssh2: LibSSH2.version)
        }
        if let passphraseError, keysTried.isEmpty { throw passphraseError }
        throw .authFailed(user: ep.user, host: ep.name, methodsTried: methodsTried, keysTried: keysTried,
                          serverMethods: serverMethods)
    }

    /// A refused key is normal; a broken socket during auth is not.
    private func sessionAlive(_ rc: Int32, _ hop: Hop) throws(SSHError) {
        if rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND || rc == LIBSSH2_ERROR_SOCKET_DISCONNECT {
            throw .disconnected(host: hop.endpoint.name, reason: lastError(hop.session))
        }
    }

    /// The key blob of `path.pub`, to match agent identities under IdentitiesOnly.
    static func publicBlob(_ path: String) -> [UInt8]? {
        guard let text = try? String(contentsOfFile: path + ".pub", encoding: .utf8) else { return nil }
        let parts = text.split(separator: " ")
        guard parts.count >= 2 else { return nil }
        return Data(base64Encoded: String(parts[1])).map(Array.init)
    }

    private func lastError(_ s: OpaquePointer) -> String {
        var msg: UnsafeMutablePointer<CChar>?
        var len: Int32 = 0
        let rc = libssh2_session_last_error(s, &msg, &len, 0)
        let text = msg.map { String(cString: $0) } ?? ""
        return text.isEmpty ? "libssh2 error \(rc)" : "\(text) (libssh2 \(rc))"
    }
}

extension Duration {
    var milliseconds: Int64 {
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }
}
