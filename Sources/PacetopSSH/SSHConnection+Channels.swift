import CLibssh2
import FoundationEssentials
import Glibc

// The exec channel state machine: open, exec, read stdout/stderr, close, exit status.
extension SSHConnection {
    // MARK: Channels

    /// Advances one job as far as it goes without blocking. Returns whether anything moved.
    /// Throws only for failures of the whole session.
    func step(_ job: Job) throws(SSHError) -> Bool {
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
                if try writeStdin(job, ch, hop) { progress = true }
                // Both streams every time: a chatty stderr must not fill the window and stall stdout.
                for stream: Int32 in [0, 1] {
                    while true {
                        let n = buffer.withUnsafeMutableBytes {
                            libssh2_channel_read_ex(ch, stream, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
                        }
                        if n > 0 {
                            if (stream == 0 ? job.stdout.count : job.stderr.count) + n > Self.maxOutputBytes {
                                // Fail this command only; the freed channel discards the rest.
                                finish(job, .failure(.outputTooLarge(host: target.endpoint.name,
                                                                     stream: stream == 0 ? "stdout" : "stderr",
                                                                     limit: Self.maxOutputBytes)))
                                job.stdout = []; job.stderr = []
                                orphans.append(ch); job.channel = nil
                                return true
                            }
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

    /// Sends what the window takes of the job's stdin, then EOF once all of it is out; returns
    /// whether anything moved. A command that exits without reading it all is not an error
    /// (its exit status says how it went); only a failure of the whole session throws.
    func writeStdin(_ job: Job, _ ch: OpaquePointer, _ hop: Hop) throws(SSHError) -> Bool {
        guard !job.stdinClosed else { return false }
        var moved = false
        while job.stdinSent < job.stdin.count {
            let n = job.stdin[job.stdinSent...].withUnsafeBytes {
                libssh2_channel_write_ex(ch, 0, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
            }
            if n > 0 { job.stdinSent += n; moved = true; continue }
            if n == Int(LIBSSH2_ERROR_EAGAIN) { return moved }
            try sessionCheck(Int32(n), hop)
            job.stdinClosed = true
            return true
        }
        let rc = libssh2_channel_send_eof(ch)
        if rc == LIBSSH2_ERROR_EAGAIN { return moved }
        if rc < 0 { try sessionCheck(rc, hop) }
        job.stdinClosed = true
        return true
    }

    func stepOrphans() {
        orphans.removeAll { ch in
            let rc = libssh2_channel_free(ch)
            return rc != LIBSSH2_ERROR_EAGAIN
        }
    }

    /// Channel-level errors fail one command; anything else means the session is gone.
    func sessionCheck(_ rc: Int32, _ hop: Hop) throws(SSHError) {
        let channelErrors: Set<Int32> = [
            LIBSSH2_ERROR_CHANNEL_OUTOFORDER, LIBSSH2_ERROR_CHANNEL_FAILURE,
            LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED, LIBSSH2_ERROR_CHANNEL_UNKNOWN,
            LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED, LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED,
            LIBSSH2_ERROR_CHANNEL_CLOSED, LIBSSH2_ERROR_CHANNEL_EOF_SENT,
        ]
        if channelErrors.contains(rc) { return }
        throw .disconnected(host: hop.endpoint.name, reason: lastError(hop.session))
    }

    func keepalive() throws(SSHError) {
        guard target.serverAliveInterval > 0, !hops.isEmpty else { return }
        let now = ContinuousClock.now
        if !active.isEmpty,
           now - lastHeard > .seconds(target.serverAliveInterval * Double(max(1, target.serverAliveCountMax))) {
            throw .disconnected(host: target.endpoint.name, reason: "no answer for \(Int(target.serverAliveInterval) * max(1, target.serverAliveCountMax)) s (ServerAliveInterval × ServerAliveCountMax)")
        }
        guard now >= nextKeepalive else { return }
        nextKeepalive = now + .seconds(target.serverAliveInterval)
        for hop in hops {
            var next: Int32 = 0
            _ = libssh2_keepalive_send(hop.session, &next)
        }
    }

    func stepPumps() throws(SSHError) -> Bool {
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

    func teardown() {
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
            hop.proxy?.stop()
        }
        hops = []
        cond.lock(); connectedFlag = false; cond.unlock()
    }
}
