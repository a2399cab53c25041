import Foundation
import Testing
import PacetopTestSupport
@testable import PacetopSSH

let localUser: String = String(cString: getpwuid(getuid())!.pointee.pw_name)

/// A connection to `server` trusting its host keys (unless `knownHosts` says otherwise).
func connect(_ server: TestSSHD, keys: [String], knownHosts: String? = nil, acceptNew: Bool = false,
             agent: String? = nil, provider: PassphraseProvider? = nil, jumps: [SSHEndpoint] = [],
             alive: Double = 15) throws -> SSHConnection {
    let kh = knownHosts ?? server.dir.file("client_known_hosts")
    if knownHosts == nil { try server.knownHostsLines().write(toFile: kh, atomically: false, encoding: .utf8) }
    let ep = SSHEndpoint(host: server.address, port: server.port, user: localUser, identityFiles: keys)
    return SSHConnection(target: SSHTarget(endpoint: ep, jumps: jumps, connectTimeout: 5, serverAliveInterval: alive,
                                           serverAliveCountMax: 2),
                         auth: SSHAuthOptions(useAgent: agent != nil, agentSocket: agent, passphraseProvider: provider),
                         hostKeys: HostKeyPolicy(files: [kh], globalFiles: [], acceptNew: acceptNew))
}

func expectSSHError(_ body: () throws -> Void, _ check: (SSHError) -> Bool,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected an SSHError, got success", sourceLocation: sourceLocation)
    } catch let error as SSHError {
        #expect(check(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("not an SSHError: \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("SSH connection against a real sshd", .serialized, .enabled(if: TestEnv.sshdAvailable, Comment(rawValue: TestEnv.skipReason)))
struct SSHConnectionTests {
    @Test func ed25519KeyRunsCommandWithStdoutStderrAndExitStatus() throws {
        let fixture = try KeyAndServer("id_ed25519", type: "ed25519")
        let key = fixture.key, server = fixture.server
        let c = try connect(server, keys: [key])
        defer { c.close() }
        let r = try c.exec("echo hello; echo oops >&2; exit 3", timeout: 10)
        #expect(r.stdoutString == "hello\n")
        #expect(r.stderrString == "oops\n")
        #expect(r.exitStatus == 3)
        #expect(r.exitSignal == nil)
        #expect(c.isConnected)
    }

    @Test func ecdsaKeyLogsInAsTheUser() throws {
        let fixture = try KeyAndServer("id_ecdsa", type: "ecdsa")
        let key = fixture.key, server = fixture.server, keys = fixture.keys
        let c = try connect(server, keys: [keys.file("missing_key"), key])
        defer { c.close() }
        #expect(try c.exec("id -un", timeout: 10).stdoutString == localUser + "\n")
    }

    @Test func encryptedKeyUsesThePassphraseProvider() throws {
        let keys = try TempDir()
        let key = try makeKey(keys, "id_enc", type: "ed25519", passphrase: "correct horse")
        let ecKey = try makeKey(keys, "id_enc_ec", type: "ecdsa", passphrase: "battery staple")
        let server = try TestSSHD(authorized: [key, ecKey])
        let calls = Counter()
        let c = try connect(server, keys: [key], provider: { path, _ in
            calls.add()
            return path == key ? "correct horse" : nil
        })
        defer { c.close() }
        #expect(try c.exec("echo ok", timeout: 10).stdoutString == "ok\n")
        #expect(calls.value == 1)

        let ec = try connect(server, keys: [ecKey], provider: { _, _ in "battery staple" })
        defer { ec.close() }
        #expect(try ec.exec("echo ok", timeout: 10).exitStatus == 0)

        let wrong = try connect(server, keys: [key], provider: { _, _ in "wrong" })
        defer { wrong.close() }
        expectSSHError({ _ = try wrong.exec("true", timeout: 10) }) { $0 == .passphraseWrong(key: key) }

        let noTTY = try connect(server, keys: [key], provider: nil)
        defer { noTTY.close() }
        expectSSHError({ _ = try noTTY.exec("true", timeout: 10) }) {
            $0 == .passphraseNeeded(key: key) && $0.description.contains("ssh-add")
        }
    }

    @Test func agentAuthWithoutKeyFiles() throws {
        let keys = try TempDir()
        let key = try makeKey(keys, "id_agent", type: "ed25519")
        let agent = try TestAgent(dir: keys)
        try agent.add(key)
        let server = try TestSSHD(authorized: [key])
        let c = try connect(server, keys: [], agent: agent.socketPath)
        defer { c.close() }
        #expect(try c.exec("echo agent", timeout: 10).stdoutString == "agent\n")
    }

    @Test func rsaKeyRefusedOnOldLibssh2WithAClearMessage() throws {
        let fixture = try KeyAndServer("id_rsa", type: "rsa")
        let key = fixture.key, server = fixture.server
        let c = try connect(server, keys: [key])
        defer { c.close() }
        if LibSSH2.supportsRSASHA2 {
            #expect(try c.exec("echo rsa", timeout: 10).stdoutString == "rsa\n")
        } else {
            expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
                guard case .rsaKeyUnsupported(_, _, let k, let v) = e else { return false }
                return k == [key] && v == LibSSH2.version && e.description.contains("libssh2 1.11")
                    && e.description.contains("ed25519")
            }
        }
    }

    @Test func wrongKeyReportsUserHostAndKeysTried() throws {
        let keys = try TempDir()
        let good = try makeKey(keys, "good", type: "ed25519")
        let other = try makeKey(keys, "other", type: "ed25519")
        let server = try TestSSHD(authorized: [good])
        let c = try connect(server, keys: [other])
        defer { c.close() }
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
            guard case .authFailed(let u, let h, _, let tried, let methods) = e else { return false }
            return u == localUser && h == "127.0.0.1" && tried == [other] && methods.contains("publickey")
        }
    }

    @Test func unknownHostIsRefusedWithFingerprintThenAcceptNewAppendsOneLine() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server, keys = fixture.keys
        let kh = keys.file("known_hosts")
        let original = "# my precious comment\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc3UFMHlkMGT1yrpEZ0SbzK9NlW1E7hO3M8y2Lzu1RM\n"
        try original.write(toFile: kh, atomically: false, encoding: .utf8)

        let strict = try connect(server, keys: [key], knownHosts: kh)
        defer { strict.close() }
        let fingerprints = try server.hostKeyTypes.map { try server.fingerprint($0) }
        expectSSHError({ _ = try strict.exec("true", timeout: 10) }) { e in
            guard case .hostKeyUnknown(let h, _, let fp, let file) = e else { return false }
            return h == "[127.0.0.1]:\(server.port)" && fingerprints.contains(fp) && file == kh
                && e.description.contains("--accept-new") && e.description.contains("ssh-keyscan -p \(server.port) 127.0.0.1")
        }
        #expect(keys.read("known_hosts") == original)

        let accepting = try connect(server, keys: [key], knownHosts: kh, acceptNew: true)
        defer { accepting.close() }
        #expect(try accepting.exec("echo in", timeout: 10).stdoutString == "in\n")
        let after = keys.read("known_hosts")
        #expect(after.hasPrefix(original))
        let added = after.dropFirst(original.count).split(separator: "\n")
        #expect(added.count == 1)
        #expect(added.first?.hasPrefix("[127.0.0.1]:\(server.port) ") == true)

        let again = try connect(server, keys: [key], knownHosts: kh)
        defer { again.close() }
        #expect(try again.exec("echo known", timeout: 10).stdoutString == "known\n")
    }

    @Test func changedHostKeyIsRefusedEvenWithAcceptNew() throws {
        let keys = try TempDir()
        let key = try makeKey(keys, "id", type: "ed25519")
        let server = try TestSSHD(authorized: [key], hostKeyTypes: ["ed25519"])
        let impostor = try makeKey(keys, "impostor", type: "ed25519")
        let pub = try String(contentsOfFile: impostor + ".pub", encoding: .utf8).split(separator: " ")
        let kh = keys.file("known_hosts")
        let text = "# line 1\n[127.0.0.1]:\(server.port) \(pub[0]) \(pub[1])\n"
        try text.write(toFile: kh, atomically: false, encoding: .utf8)
        let c = try connect(server, keys: [key], knownHosts: kh, acceptNew: true)
        defer { c.close() }
        let fp = try server.fingerprint("ed25519")
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
            e == .hostKeyChanged(host: "[127.0.0.1]:\(server.port)", keyType: "ssh-ed25519", fingerprint: fp,
                                 file: kh, line: 2)
                && e.description.contains("HAS CHANGED")
        }
        #expect(keys.read("known_hosts") == text)
        #expect(!server.log.contains("Accepted publickey"))
    }

    @Test func hostKnownOnlyUnderAnotherKeyTypeIsRefused() throws {
        let keys = try TempDir()
        let key = try makeKey(keys, "id", type: "ed25519")
        let server = try TestSSHD(authorized: [key], hostKeyTypes: ["ed25519"])
        let fake = try makeKey(keys, "fake_ec", type: "ecdsa")
        let pub = try String(contentsOfFile: fake + ".pub", encoding: .utf8).split(separator: " ")
        let kh = keys.file("known_hosts")
        try "[127.0.0.1]:\(server.port) \(pub[0]) \(pub[1])\n".write(toFile: kh, atomically: false, encoding: .utf8)
        let c = try connect(server, keys: [key], knownHosts: kh, acceptNew: true)
        defer { c.close() }
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
            if case .hostKeyTypeMismatch(_, let known, _, let line, _) = e { return known == ["ecdsa-sha2-nistp256"] && line == 1 }
            return false
        }
    }

    @Test func hashedKnownHostsAndBadLinesAreHandled() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server, keys = fixture.keys
        let kh = keys.file("known_hosts")
        try server.knownHostsLines().write(toFile: kh, atomically: false, encoding: .utf8)
        try sh(["ssh-keygen", "-H", "-f", kh])
        // A line libssh2 cannot parse must not hide the lines after it.
        try ("garbage line that is not a key\n@cert-authority *.example ssh-ed25519 AAAA\n" + keys.read("known_hosts"))
            .write(toFile: kh, atomically: false, encoding: .utf8)
        #expect(keys.read("known_hosts").contains("|1|"))
        #expect(!keys.read("known_hosts").contains("127.0.0.1"))
        let c = try connect(server, keys: [key], knownHosts: kh)
        defer { c.close() }
        #expect(try c.exec("echo hashed", timeout: 10).stdoutString == "hashed\n")
    }

    @Test func plainHostEntryDoesNotMatchANonDefaultPort() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server, keys = fixture.keys
        let kh = keys.file("known_hosts")
        try server.knownHostsLines(name: "127.0.0.1").write(toFile: kh, atomically: false, encoding: .utf8)
        let c = try connect(server, keys: [key], knownHosts: kh)
        defer { c.close() }
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) {
            if case .hostKeyUnknown(let h, _, _, _) = $0 { return h == "[127.0.0.1]:\(server.port)" }
            return false
        }
    }

    @Test func largeStdoutAndChattyStderr() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server
        let c = try connect(server, keys: [key])
        defer { c.close() }
        let big = try c.exec("head -c 10485760 /dev/urandom", timeout: 30)
        #expect(big.stdout.count == 10_485_760)
        #expect(big.exitStatus == 0)
        let chatty = try c.exec("head -c 1048576 /dev/zero >&2; head -c 3000000 /dev/zero; echo done >&2", timeout: 30)
        #expect(chatty.stderr.count == 1_048_576 + 5)
        #expect(chatty.stdout.count == 3_000_000)
    }

    @Test func killedCommandReportsItsSignal() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server
        let c = try connect(server, keys: [key])
        defer { c.close() }
        let r = try c.exec("echo before; kill -TERM $$", timeout: 10)
        #expect(r.exitSignal == "TERM")
        #expect(r.exitStatus == nil)
        #expect(r.stdoutString == "before\n")
    }

    @Test func deadlineIsHonouredAndTheSessionStaysUsable() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server
        let c = try connect(server, keys: [key])
        defer { c.close() }
        _ = try c.exec("true", timeout: 10)
        // The error names the deadline that ended the wait (0.5 s, not the command's 5 s).
        expectSSHError({ _ = try c.exec("sleep 5", timeout: 0.5) }) {
            if case .timeout(_, let phase, let s) = $0 { return phase == "waiting for the command to finish" && s == 0.5 }
            return false
        }
        #expect(try c.exec("echo still here", timeout: 10).stdoutString == "still here\n")
        #expect(server.log.components(separatedBy: "Accepted publickey").count == 2)
    }

    @Test func serverKilledMidCommandThenRestartedReconnects() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server
        let c = try connect(server, keys: [key])
        defer { c.close() }
        _ = try c.exec("true", timeout: 10)
        let started = Marker()
        let box = ResultBox.exec(c, "touch \(started.path); sleep 30", timeout: 25)
        try started.wait()
        server.stop()
        // Lost, not timed out: the drop is noticed, the 25 s deadline never comes into it.
        let (message, _) = try #require(box.wait(20))
        #expect(message.hasPrefix("connection to 127.0.0.1 lost"))
        expectSSHError({ _ = try c.exec("true", timeout: 5) }) { $0 == .connectRefused(host: "127.0.0.1", port: server.port) }
        try server.start()
        #expect(try c.exec("echo back", timeout: 10).stdoutString == "back\n")
        // Restarted while idle: the next exec notices the dead session and reconnects itself.
        try server.restart()
        #expect(try c.exec("echo again", timeout: 10).stdoutString == "again\n")
        #expect(server.log.components(separatedBy: "Accepted publickey").count == 4)
    }

    @Test func frozenPeerIsDetectedByKeepalive() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server
        let c = try connect(server, keys: [key], alive: 1)
        defer { c.close() }
        _ = try c.exec("true", timeout: 10)
        let started = Marker()
        let box = ResultBox.exec(c, "touch \(started.path); sleep 20", timeout: 30)
        try started.wait()
        server.freeze(true)
        defer { server.freeze(false) }
        // Keepalives notice the silence (ServerAliveInterval 1 × 2), long before the deadline.
        let (message, _) = try #require(box.wait(25))
        #expect(message.contains("no answer for 2 s"))
    }

    @Test func concurrentExecsShareOneSession() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server
        let c = try connect(server, keys: [key])
        defer { c.close() }
        let box = ResultBox()
        let started = Marker(), release = Marker()
        let t = Thread {
            // Runs until the test releases it: the quick commands must finish meanwhile.
            let r = try? c.exec("touch \(started.path); while [ ! -e \(release.path) ]; do sleep 0.05; done; echo long",
                                timeout: 60)
            box.set(r?.stdoutString ?? "failed", 0)
        }
        t.start()
        try started.wait()
        for i in 0..<5 {
            #expect(try c.exec("echo quick\(i)", timeout: 20).stdoutString == "quick\(i)\n")
        }
        #expect(box.get() == nil, "the long command must still be running while quick ones finish")
        try release.set()
        #expect(box.wait(20)?.0 == "long\n")
        #expect(server.log.components(separatedBy: "Accepted publickey").count == 2)
    }

    @Test func jumpHostTunnelsToAServerOnAnotherAddress() throws {
        let keys = try TempDir()
        let key = try makeKey(keys, "id", type: "ed25519")
        let inner = try TestSSHD(address: "127.0.0.2", authorized: [key])
        let outer = try TestSSHD(authorized: [key], extra: "PermitOpen 127.0.0.2:\(inner.port)", logLevel: "DEBUG1")
        let kh = keys.file("known_hosts")
        try (outer.knownHostsLines() + inner.knownHostsLines()).write(toFile: kh, atomically: false, encoding: .utf8)
        let jump = SSHEndpoint(name: "jump", host: outer.address, port: outer.port, user: localUser, identityFiles: [key])
        let c = try connect(inner, keys: [key], knownHosts: kh, jumps: [jump])
        defer { c.close() }
        #expect(c.label.hasSuffix("via jump"))
        #expect(try c.exec("echo through", timeout: 10).stdoutString == "through\n")
        let big = try c.exec("head -c 2000000 /dev/zero", timeout: 20)
        #expect(big.stdout.count == 2_000_000)
        #expect(outer.log.contains("target 127.0.0.2 port \(inner.port)"))

        // A jump host that may not open the connection says so.
        let closedOuter = try TestSSHD(authorized: [key], extra: "PermitOpen 127.0.0.9:1")
        try closedOuter.knownHostsLines().write(toFile: keys.file("kh2"), atomically: false, encoding: .utf8)
        try inner.knownHostsLines().appendTo(keys.file("kh2"))
        let j2 = SSHEndpoint(name: "jump2", host: closedOuter.address, port: closedOuter.port, user: localUser, identityFiles: [key])
        let c2 = try connect(inner, keys: [key], knownHosts: keys.file("kh2"), jumps: [j2])
        defer { c2.close() }
        expectSSHError({ _ = try c2.exec("true", timeout: 10) }) { $0.description.contains("jump host jump2 could not open a connection") }
    }

    @Test func jumpChainOfTwoHops() throws {
        let keys = try TempDir()
        let key = try makeKey(keys, "id", type: "ed25519")
        let inner = try TestSSHD(address: "127.0.0.2", authorized: [key])
        let middle = try TestSSHD(address: "127.0.0.3", authorized: [key], extra: "PermitOpen 127.0.0.2:\(inner.port)",
                                  logLevel: "DEBUG1")
        let outer = try TestSSHD(authorized: [key], extra: "PermitOpen 127.0.0.3:\(middle.port)", logLevel: "DEBUG1")
        let kh = keys.file("known_hosts")
        try (outer.knownHostsLines() + middle.knownHostsLines() + inner.knownHostsLines())
            .write(toFile: kh, atomically: false, encoding: .utf8)
        let hops = [outer, middle].map { SSHEndpoint(host: $0.address, port: $0.port, user: localUser, identityFiles: [key]) }
        let c = try connect(inner, keys: [key], knownHosts: kh, jumps: hops)
        defer { c.close() }
        let r = try c.exec("echo two hops; head -c 500000 /dev/zero", timeout: 15)
        #expect(r.stdout.count == 500_000 + 9)
        #expect(outer.log.contains("target 127.0.0.3 port \(middle.port)"))
        #expect(middle.log.contains("target 127.0.0.2 port \(inner.port)"))
    }

    @Test func signalsDoNotBreakReads() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server
        let c = try connect(server, keys: [key])
        defer { c.close() }
        // A handler (not SIG_IGN) is what makes blocking calls fail with EINTR, as in the app.
        signal(SIGWINCH) { _ in }
        let stop = Counter()
        let t = Thread {
            while stop.value == 0 {
                kill(getpid(), SIGWINCH)
                usleep(5_000)
            }
        }
        t.start()
        defer { stop.add() }
        let r = try c.exec("sleep 1; echo resized", timeout: 10)
        #expect(r.stdoutString == "resized\n")
        #expect(r.exitStatus == 0)
    }

    @Test func silentServerTimesOutInTheHandshake() throws {
        // A socket that accepts TCP (the kernel does) but never speaks SSH: a hung sshd.
        let silent = try SilentListener()
        defer { silent.close() }
        let ep = SSHEndpoint(host: "127.0.0.1", port: silent.port, user: localUser, identityFiles: [])
        let c = SSHConnection(target: SSHTarget(endpoint: ep, connectTimeout: 1),
                              auth: SSHAuthOptions(useAgent: false), hostKeys: HostKeyPolicy(files: [], globalFiles: []))
        defer { c.close() }
        // The handshake's 1 s timeout ends it, not the caller's 10 s.
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { $0 == .timeout(host: "127.0.0.1", phase: "SSH handshake", seconds: 1) }
        // The caller's own deadline wins when it is shorter than the connect timeout.
        let c2 = SSHConnection(target: SSHTarget(endpoint: ep, connectTimeout: 5),
                               auth: SSHAuthOptions(useAgent: false), hostKeys: HostKeyPolicy(files: [], globalFiles: []))
        defer { c2.close() }
        expectSSHError({ _ = try c2.exec("true", timeout: 0.5) }) { $0 == .timeout(host: "127.0.0.1", phase: "connecting", seconds: 0.5) }
    }

    @Test func closeFailsLaterCalls() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let key = fixture.key, server = fixture.server
        let c = try connect(server, keys: [key])
        _ = try c.exec("true", timeout: 10)
        c.close()
        expectSSHError({ _ = try c.exec("true", timeout: 5) }) { $0 == .closed }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

/// A temporary folder holding one new key, and an sshd that authorizes it.
struct KeyAndServer {
    let keys: TempDir
    let key: String
    let server: TestSSHD

    init(_ name: String, type: String) throws {
        keys = try TempDir()
        key = try makeKey(keys, name, type: type)
        server = try TestSSHD(authorized: [key])
    }
}

/// A file one side creates and the other waits for: synchronisation without sleeping.
struct Marker {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-marker-\(UUID().uuidString)").path

    func set() throws { try Data().write(to: URL(fileURLWithPath: path)) }

    /// Waits (generously) until the file exists.
    func wait(_ seconds: Double = 30) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !FileManager.default.fileExists(atPath: path) {
            guard Date() < deadline else { throw MarkerTimeout(path: path) }
            usleep(20_000)
        }
    }
}

struct MarkerTimeout: Error { var path: String }

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (String, Double)?
    func set(_ s: String, _ t: Double) { lock.lock(); value = (s, t); lock.unlock() }
    func get() -> (String, Double)? { lock.lock(); defer { lock.unlock() }; return value }

    /// Runs `command` on a thread of its own; the box gets "success" or the error and how
    /// long it took to come back.
    static func exec(_ c: SSHConnection, _ command: String, timeout: Double) -> ResultBox {
        let box = ResultBox()
        Thread {
            let start = Date()
            do { _ = try c.exec(command, timeout: timeout); box.set("success", 0) } catch {
                box.set("\(error)", Date().timeIntervalSince(start))
            }
        }.start()
        return box
    }

    /// Waits up to `seconds` for the result.
    func wait(_ seconds: Double) -> (String, Double)? {
        let deadline = Date().addingTimeInterval(seconds)
        while get() == nil, Date() < deadline { usleep(20_000) }
        return get()
    }
}

extension String {
    func appendTo(_ path: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data(utf8))
        try h.close()
    }
}

/// Listens on a loopback port and never accepts or writes anything.
final class SilentListener: @unchecked Sendable {
    let fd: Int32
    let port: Int
    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw TestFailure("cannot listen") }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }
    func close() { Glibc.close(fd) }
}
