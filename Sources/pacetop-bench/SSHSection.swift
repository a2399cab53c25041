import Foundation
import PacetopCore
import PacetopSource
import PacetopSSH
import PacetopTestSupport

/// A real OpenSSH sshd on 127.0.0.1 with its own host key and authorized key, whose
/// ForceCommand plays crm_mon (the PortSIP document) and cibadmin (no constraints).
final class BenchSSHD {
    let server: TestSSHD
    let dir: TempDir
    let key: String
    let knownHosts: String
    let user: String
    var port: Int { server.port }

    init(status: Data) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw BenchError("needs OpenSSH's /usr/sbin/sshd (apt-get install openssh-server)")
        }
        dir = try TempDir("pacetop-bench-sshd")
        user = String(cString: getpwuid(getuid())!.pointee.pw_name)
        key = try makeKey(dir, "id_ed25519", type: "ed25519")
        try status.write(to: URL(fileURLWithPath: dir.file("status.xml")))
        try dir.write("constraints.xml", "<constraints/>\n")
        try dir.write("node.sh", """
            #!/bin/sh
            case "$SSH_ORIGINAL_COMMAND" in
              *crm_mon*) exec cat \(dir.file("status.xml")) ;;
              *cibadmin*) exec cat \(dir.file("constraints.xml")) ;;
              *) echo "unexpected: $SSH_ORIGINAL_COMMAND" >&2; exit 99 ;;
            esac

            """, mode: 0o755)
        // TestSSHD sets SHLVL=1, so bash skips a heavy ~/.bashrc (pyenv init: ~100 ms here)
        // that would swamp every per-poll figure.
        server = try TestSSHD(authorized: [key], hostKeyTypes: ["ed25519"],
                              extra: "ForceCommand \(dir.file("node.sh"))", logLevel: "ERROR")
        knownHosts = dir.file("known_hosts")
        try dir.write("known_hosts", try server.knownHostsLines())
    }

    /// Seconds from TCP connect to the server's version line: sshd's own start-up per connection.
    func bannerTime() -> Double? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = loopback(port)
        let t0 = now()
        guard withUnsafePointer(to: &addr, {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }) == 0 else { return nil }
        var c: UInt8 = 0
        while read(fd, &c, 1) == 1 { if c == 10 { return now() - t0 } }
        return nil
    }

    /// OpenSSH client arguments that reach this sshd and nothing else.
    func sshArgs(_ extra: [String] = []) -> [String] {
        ["ssh", "-F", "/dev/null", "-p", String(port), "-i", key, "-o", "IdentitiesOnly=yes",
         "-o", "UserKnownHostsFile=\(knownHosts)", "-o", "GlobalKnownHostsFile=/dev/null",
         "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"] + extra
            + ["\(user)@127.0.0.1"]
    }

    /// The resolver pacetop's source would get from ssh_config, pointed at this sshd.
    func source() throws -> SSHClusterSource {
        let port = self.port, key = self.key, kh = knownHosts, user = self.user
        return try SSHClusterSource(nodes: ["bench"], resolver: { (_: String) throws(SSHError) -> ResolvedTarget in
            let ep = SSHEndpoint(name: "bench", host: "127.0.0.1", port: port, user: user, identityFiles: [key],
                                 identitiesOnly: true)
            return ResolvedTarget(target: SSHTarget(endpoint: ep, connectTimeout: 5),
                                  hostKeys: HostKeyPolicy(files: [kh], globalFiles: []), agentSocket: nil,
                                  useAgent: false, warnings: [])
        }, interval: 2, useAgent: false)
    }
}

func loopback(_ port: Int) -> sockaddr_in {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
    return addr
}

/// Wall and client CPU of polls made by running OpenSSH's `ssh` once per poll.
struct PollSamples {
    var wall: [Double] = []
    var cpu: [Double] = []
    var failures: [String] = []
}

/// `ssh … user@127.0.0.1 crm_mon --output-as=xml`, then parse: what a script polling with
/// OpenSSH does. Client CPU = this process (spawn, read, parse) + the ssh child (reaped)
/// + `extraCPU` (the ControlMaster's, which is not our child).
func pollWithOpenSSH(_ args: [String], polls: Int, out: String, extraCPU: () -> Double = { 0 }) -> PollSamples {
    var r = PollSamples()
    for _ in 0..<polls {
        let c0 = selfCPU() + childrenCPU() + extraCPU()
        let t0 = now()
        do {
            unlink(out)
            let pid = try spawn(args + ["TZ=UTC", "crm_mon", "--output-as=xml"], output: out, stderr: out + ".err")
            let status = waitExit(pid)
            guard status == 0 else { throw BenchError("ssh exit \(status): \((try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? "")") }
            let data = try Data(contentsOf: URL(fileURLWithPath: out))
            blackHole(try CrmMonParser.parse(data))
            r.wall.append(now() - t0)
            r.cpu.append(selfCPU() + childrenCPU() + extraCPU() - c0)
        } catch {
            r.failures.append("\(error)")
        }
    }
    return r
}

func pollRow(_ name: String, wall: [Double], floor: Double? = nil, floorLabel: String? = nil) -> Row {
    let s = Samples(seconds: wall)
    let v: Verdict = floor.map { s.median <= $0 ? .pass : .fail } ?? .info
    return Row(name: name, iterations: String(wall.count), median: ms(s.median), p90: ms(s.p90), allocations: "",
               floor: floorLabel ?? floor.map { "≤ " + ms($0) } ?? "", verdict: v)
}

// MARK: - 4. ssh

func runSSH(_ docs: Documents, _ report: Report, quick: Bool) throws {
    report.begin("ssh", "poll round trip and client CPU on loopback: libssh2 vs OpenSSH (issue 3)")
    let sshd = try BenchSSHD(status: docs.healthy)
    defer { sshd.server.stop() }
    let polls = quick ? 15 : 50
    let scratch = try TempDir("pacetop-bench-ssh")

    // A fresh source's first poll: TCP connect, handshake, ed25519 auth, crm_mon, cibadmin.
    var firstPolls: [Double] = [], firstPollCPU: [Double] = [], connects: [Double] = [], banners: [Double] = [], secondPolls: [Double] = []
    for _ in 0..<(quick ? 3 : 7) {
        if let b = sshd.bannerTime() { banners.append(b) }
        let fresh = try sshd.source()
        let c0 = selfCPU(), t0 = now()
        do { try fresh.connectFirst() } catch { report.note("connect failed: \(error)") }
        let t1 = now()
        if case .success = fresh.poll().result {
            connects.append(t1 - t0)
            firstPolls.append(now() - t0)
            firstPollCPU.append(selfCPU() - c0)
            let t2 = now()
            _ = fresh.poll()
            secondPolls.append(now() - t2)
        }
        fresh.close()
    }

    // pacetop's source: one libssh2 session, one exec channel per poll.
    let source = try sshd.source()
    let pacetop = PollBenchmark.run(source, polls: polls, warmup: 2)
    source.close()
    if !pacetop.failures.isEmpty { report.note("pacetop poll failures: \(pacetop.failures.prefix(3))") }

    // OpenSSH, a new connection per poll.
    let plain = pollWithOpenSSH(sshd.sshArgs(), polls: max(10, polls / 2), out: scratch.file("plain.xml"))
    if !plain.failures.isEmpty { report.note("ssh failures: \(plain.failures.prefix(3))") }

    // OpenSSH ControlMaster: the first call starts the master; measure the later ones.
    let cm = sshd.sshArgs(["-o", "ControlMaster=auto", "-o", "ControlPath=\(scratch.file("cm-%C"))",
                           "-o", "ControlPersist=60"])
    _ = pollWithOpenSSH(cm, polls: 2, out: scratch.file("cm.xml"))
    var masterPID: pid_t?
    // `-O check` says "Master running (pid=N)" on stderr, which sh() collects with stdout.
    if let check = try? sh(sshd.sshArgs(["-o", "ControlPath=\(scratch.file("cm-%C"))", "-O", "check"])),
       let r = check.range(of: "pid=") {
        masterPID = pid_t(check[r.upperBound...].prefix { $0.isNumber })
    }
    let mux = pollWithOpenSSH(cm, polls: polls, out: scratch.file("cm.xml"),
                              extraCPU: { masterPID.flatMap(procCPU) ?? 0 })
    if !mux.failures.isEmpty { report.note("ControlMaster failures: \(mux.failures.prefix(3))") }
    _ = try? sh(sshd.sshArgs(["-o", "ControlPath=\(scratch.file("cm-%C"))", "-O", "exit"]))

    let muxMedian = Samples(seconds: mux.wall).median
    report.add(pollRow("round trip, pacetop (libssh2 session, exec per poll)", wall: pacetop.wallSeconds,
                       floor: muxMedian, floorLabel: "≤ ControlMaster"))
    report.add(pollRow("sshd: TCP connect → server banner (sshd fork + re-exec)", wall: banners))
    report.add(pollRow("pacetop connect: TCP + handshake + ed25519 auth", wall: connects))
    report.add(pollRow("pacetop connect + first poll (crm_mon + cibadmin)", wall: firstPolls))
    report.add(pollRow("pacetop first poll on that session (crm_mon + cibadmin)", wall: zip(firstPolls, connects).map(-)))
    report.add(pollRow("pacetop second poll on that session (crm_mon)", wall: secondPolls))
    report.add(pollRow("round trip, ssh host crm_mon (new connection per poll)", wall: plain.wall))
    report.add(pollRow("round trip, ssh ControlMaster (mux per poll)", wall: mux.wall))
    report.add(pollRow("client CPU/poll, pacetop", wall: pacetop.cpuSeconds, floor: 0.002))
    report.add(pollRow("client CPU, pacetop first poll (connect + auth)", wall: firstPollCPU))
    report.add(pollRow("client CPU/poll, ssh per poll (ssh + parse)", wall: plain.cpu))
    report.add(pollRow("client CPU/poll, ControlMaster (mux client + master\(masterPID == nil ? " unknown" : "") + parse)",
                       wall: mux.cpu))
    report.note("CPU is getrusage (µs) for this process and reaped children, /proc ticks (10 ms) for the master.")

    // First status on screen: the real binary in a pty, from exec to the first frame with a node name.
    let bin = try pacetopBinary(docs.root)
    let home = try TempDir("pacetop-bench-home")
    // An empty ssh_config (pacetop refuses `-F /dev/null`, which OpenSSH accepts).
    let emptyConfig = home.file("ssh_config")
    try home.write("ssh_config", "")
    var firsts: [Double] = []
    var firstBytes: [Double] = []
    var failure: String?
    for _ in 0..<(quick ? 3 : 7) {
        let p = try PtyProcess([bin, "-F", emptyConfig, "-p", String(sshd.port), "-l", sshd.user, "-i", sshd.key,
                                "-o", "UserKnownHostsFile=\(sshd.knownHosts)", "--read-only", "127.0.0.1"],
                               columns: 120, rows: 40, env: pacetopEnv(home), removeEnv: pacetopRemoveEnv)
        if let t = waitFor(p, "ip-172-31-16-133", timeout: 10) {
            firsts.append(t - p.started)
            if let b = p.reads.first?.time { firstBytes.append(b - p.started) }
        } else {
            failure = String(p.text.suffix(300))
        }
        p.stop()
    }
    if let failure { report.note("pacetop did not show the cluster: \(failure.debugDescription)") }
    report.add(pollRow("pacetop exec → first bytes on the terminal", wall: firstBytes))
    report.add(pollRow("first status on screen (exec → frame with node names)", wall: firsts, floor: 0.100))
    report.end()
}
