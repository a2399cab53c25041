import CLibssh2
import FoundationEssentials
import Glibc

// The I/O thread: the poll() loop that drives every libssh2 call, with deadlines.
extension SSHConnection {
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
        /// Bytes for the command's stdin, sent while reading; EOF follows them. Without any,
        /// stdin stays open, as it always has for status commands.
        let stdin: [UInt8]
        var stdinSent = 0
        var stdinClosed: Bool

        init(command: String?, stdin: [UInt8]? = nil, timeout: Double) {
            self.command = command
            self.stdin = stdin ?? []
            stdinClosed = stdin == nil
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
        /// The ProxyCommand this (first) hop talks through.
        var proxy: ProxyProcess?

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

    func run() {
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
                    let idle = active.isEmpty
                    let error = drop(error)
                    for job in active where !retry.contains(where: { $0 === job }) { finish(job, .failure(error)) }
                    for job in retry { job.retried = true; job.phase = .waiting }
                    active = retry
                    if idle { reportIdleLoss(error) }
                    continue
                }
            }
            expireJobs()
            if !progress, let hangup = waitIO(until: nextWakeup(), readLast: !active.isEmpty), active.isEmpty {
                reportIdleLoss(drop(hangup))
            }
        }
    }

    /// Ends a session that broke, and says why: a lost session whose ProxyCommand has exited
    /// is reported with what the command printed.
    func drop(_ error: SSHError) -> SSHError {
        var error = error
        if case .disconnected = error, let proxy = hops.first?.proxy, proxy.waitExit(seconds: 0.2) {
            error = proxy.failure(wrapping: error)
        }
        teardown()
        return error
    }

    func reportIdleLoss(_ error: SSHError) {
        cond.lock()
        let handler = closed ? nil : lossHandler
        cond.unlock()
        handler?(error)
    }

    func isFinished(_ job: Job) -> Bool {
        cond.lock(); defer { cond.unlock() }
        return job.result != nil
    }

    func finish(_ job: Job, _ result: Result<ExecResult, SSHError>) {
        cond.lock()
        if job.result == nil { job.result = result }
        cond.broadcast()
        cond.unlock()
    }

    func nextWakeup() -> ContinuousClock.Instant {
        var t = ContinuousClock.now + .seconds(hops.isEmpty ? 3600 : max(0.05, target.serverAliveInterval > 0 ? target.serverAliveInterval : 3600))
        if !hops.isEmpty, target.serverAliveInterval > 0 { t = min(t, nextKeepalive) }
        for job in active { t = min(t, job.deadline) }
        return t
    }

    /// Fails jobs whose deadline passed. Their channels are closed in the background. A
    /// timeout with a silent peer also drops the session, so the next call reconnects.
    func expireJobs() {
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

    func drainWake() {
        var buf = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buf, buf.count) > 0 {}
    }

    /// Linux's POLLRDHUP (the peer closed its end), which Swift's Glibc module does not export.
    static let pollReadHangup: Int32 = 0x2000

    /// Sleeps until a socket we care about is ready, a caller wakes us, or `until`. Without
    /// `readLast` (no command runs), incoming data on the last hop is left for later, but the
    /// peer closing or resetting any hop's connection is noticed: returns it as the loss.
    @discardableResult
    func waitIO(until: ContinuousClock.Instant, readLast: Bool) -> SSHError? {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        for (i, hop) in hops.enumerated() {
            let last = i == hops.count - 1
            var ev: Int32 = ((!last || readLast) ? POLLIN : 0) | Self.pollReadHangup
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
        // With a command running, libssh2 reads the socket and reports the loss itself.
        guard n > 0, !readLast else { return nil }
        for hop in hops {
            guard let pfd = fds.first(where: { $0.fd == hop.fd }),
                  Int32(pfd.revents) & (Self.pollReadHangup | POLLHUP | POLLERR) != 0 else { continue }
            let why = Self.hangupReason(hop.fd)
            return .disconnected(host: hop.endpoint.name, reason: hop === hops.last ? why : "jump host \(hop.endpoint.name): \(why)")
        }
        return nil
    }

    /// Why the peer's end of `fd` is gone: a reset or other socket error, else an orderly close.
    static func hangupReason(_ fd: Int32) -> String {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        switch err {
        case 0: return "the server closed the connection"
        case ECONNRESET: return "the connection was reset"
        default: return String(cString: strerror(err))
        }
    }
}
