import CLibssh2
import FoundationEssentials
import Glibc

// Connecting: TCP, jump-host tunnels, handshake, host-key check.
extension SSHConnection {
    // MARK: Connecting

    /// Runs a libssh2 call until it stops saying EAGAIN, pumping jump tunnels and sleeping in
    /// poll() meanwhile, up to `deadline`.
    func drive(_ deadline: inout ContinuousClock.Instant, host: String, phase: String,
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

    func establish() throws(SSHError) {
        connecting = true
        defer { connecting = false }
        let chain = target.jumps + [target.endpoint]
        var proxy: ProxyProcess?
        for (i, ep) in chain.enumerated() {
            let fd: Int32
            if i == 0, let command = ep.proxyCommand {
                (proxy, fd) = try ProxyProcess.start(command)
            } else if i == 0 {
                fd = try tcpConnect(ep)
            } else {
                fd = try tunnel(from: hops[i - 1], to: ep)
            }
            guard let session = libssh2_session_init_ex(nil, nil, nil, nil) else {
                Glibc.close(fd)
                proxy?.stop()
                throw .handshakeFailed(host: ep.name, reason: "libssh2 could not create a session")
            }
            libssh2_session_set_blocking(session, 0)
            let hop = Hop(endpoint: ep, session: session, fd: fd)
            if i == 0 { hop.proxy = proxy }
            hops.append(hop)
            do throws(SSHError) {
                try handshake(hop)
            } catch where i == 0 && !error.isHostKeyError {
                // What the proxy printed is usually the real reason (no route, SSM refused...).
                throw hop.proxy?.failure(wrapping: error) ?? error
            }
            try authenticate(hop)
            if target.serverAliveInterval > 0 {
                libssh2_keepalive_config(session, 1, UInt32(max(1, target.serverAliveInterval.rounded())))
            }
        }
        cond.lock(); connectedFlag = true; cond.unlock()
    }

    func tcpConnect(_ ep: SSHEndpoint) throws(SSHError) -> Int32 {
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
    func tunnel(from prev: Hop, to ep: SSHEndpoint) throws(SSHError) -> Int32 {
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

    func handshake(_ hop: Hop) throws(SSHError) {
        let ep = hop.endpoint
        let s = hop.session
        let known = try KnownHosts.load(files: hostKeys.files + hostKeys.globalFiles,
                                        revokedHostKeysFiles: hostKeys.revokedHostKeysFiles)
        let name = ep.knownHostsName
        let knownTypes = known.knownKeyTypes(for: name)
        // libssh2 only finds a host in known_hosts if it negotiated a key type listed there.
        if !knownTypes.isEmpty {
            _ = libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY,
                                            knownTypes.flatMap { KnownHosts.methods(forKeyType: $0.method) }.joined(separator: ","))
        }
        var deadline = ContinuousClock.now + .seconds(target.connectTimeout)
        let rc = try drive(&deadline, host: ep.name, phase: "SSH handshake", seconds: target.connectTimeout) {
            libssh2_session_handshake(s, hop.fd)
        }
        if rc != 0 {
            let msg = lastError(s)
            if !knownTypes.isEmpty, knownTypes.allSatisfy({ $0.method == "ssh-rsa" }), !LibSSH2.supportsRSASHA2,
               rc == LIBSSH2_ERROR_KEX_FAILURE {
                throw .handshakeFailed(host: ep.name, reason: "\(msg). known_hosts holds only an RSA key for \(name) "
                    + "(\(knownTypes[0].file):\(knownTypes[0].line)); libssh2 \(LibSSH2.version) checks RSA host keys only "
                    + "with ssh-rsa (SHA-1) signatures, which OpenSSH 8.8+ no longer makes (rsa-sha2 needs libssh2 1.11). "
                    + "Record the host's ed25519 or ECDSA key as well (ssh-keyscan -t ed25519).")
            }
            if !knownTypes.isEmpty, rc == LIBSSH2_ERROR_KEX_FAILURE || msg.lowercased().contains("host key") {
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
        let keyType = KeyFile.keyType(blob: key) ?? "unknown-key-type"
        var fp = "SHA256:?"
        if let h = libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256) {
            fp = h.withMemoryRebound(to: UInt8.self, capacity: 32) {
                KnownHosts.fingerprint(sha256: Array(UnsafeBufferPointer(start: $0, count: 32)))
            }
        }
        let file = hostKeys.files.first ?? HostKeyPolicy.defaultFile
        switch known.verify(name: name, key: key) {
        case .match:
            try checkHostIP(hop, known: known, key: key, keyType: keyType, fingerprint: fp)
            return
        case .revoked(let f, let line):
            throw .hostKeyRevoked(host: name, keyType: keyType, fingerprint: fp, file: f, line: line)
        case .mismatch(let f, let line):
            throw .hostKeyChanged(host: name, keyType: keyType, fingerprint: fp, file: f, line: line)
        case .certificateOnly(let f, let line):
            throw .hostKeyCertificateOnly(host: name, keyType: keyType, fingerprint: fp, file: f, line: line)
        case .notFound:
            if !knownTypes.isEmpty {
                throw .hostKeyTypeMismatch(host: name, known: knownTypes.map(\.method), file: knownTypes[0].file,
                                           line: knownTypes[0].line, reason: "it presented \(keyType) \(fp)")
            }
            guard hostKeys.acceptNew else {
                throw .hostKeyUnknown(host: name, keyType: keyType, fingerprint: fp, file: file)
            }
            try KnownHosts.append(KnownHosts.line(name: name, key: key, keyType: keyType, hashed: hostKeys.hashKnownHosts), to: file)
            note("accepted new host key for \(name): \(keyType) \(fp), recorded in \(file)"
                 + (hostKeys.hashKnownHosts ? " (hashed)" : ""))
        }
    }

    /// CheckHostIP as OpenSSH does it: the address's own known_hosts entry must not hold a
    /// different key. Skipped where ssh skips it: through a proxy or jump host, on loopback,
    /// and when the host name is the address. (ssh would also record a missing address
    /// entry; pacetop does not write for it.)
    func checkHostIP(_ hop: Hop, known: KnownHosts, key: [UInt8], keyType: String,
                     fingerprint: String) throws(SSHError) {
        let ep = hop.endpoint
        guard ep.checkHostIP, hop === hops.first, hop.proxy == nil, let ip = Self.peerAddress(hop.fd),
              ip != ep.host, !ip.hasPrefix("127."), ip != "::1" else { return }
        let name = ep.port == 22 ? ip : "[\(ip)]:\(ep.port)"
        if case .mismatch(let f, let line) = known.verify(name: name, key: key) {
            throw .hostKeyChanged(host: "\(ep.knownHostsName) (address \(name), CheckHostIP)", keyType: keyType,
                                  fingerprint: fingerprint, file: f, line: line)
        }
    }

    static func peerAddress(_ fd: Int32) -> String? {
        var addr = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &len) == 0 }
        }
        guard ok else { return nil }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, len, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST)
            }
        }
        return rc == 0 ? Subprocess.cString(host) : nil
    }
}
