// Support shared by the SSH and source tests and the benchmark: real sshd processes, keys,
// and subprocesses run with posix_spawn (Foundation's Process hung reaping children here).
import Foundation

public enum TestEnv {
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    /// Real-sshd tests run wherever OpenSSH's server is installed (no root needed: an
    /// unprivileged sshd on a high port logs in its own user). On CI they always run, so a
    /// missing sshd fails loudly instead of skipping.
    public static var sshdAvailable: Bool {
        isCI || FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd")
    }
    public static let skipReason = "needs OpenSSH's /usr/sbin/sshd (apt install openssh-server); runs always when CI=true"
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// A temp dir that removes itself.
public final class TempDir: @unchecked Sendable {
    public let path: String
    public init(_ prefix: String = "pacetop-ssh") throws {
        var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
        guard let p = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        path = String(cString: p)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    public func file(_ name: String) -> String { path + "/" + name }
    public func write(_ name: String, _ text: String, mode: Int = 0o644) throws {
        try text.write(toFile: file(name), atomically: false, encoding: .utf8)
        chmod(file(name), mode_t(mode))
    }
    public func read(_ name: String) -> String { (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? "" }
}

/// posix_spawn, not Foundation.Process: Process's child reaping hangs when many tests block
/// threads at once. stdin is /dev/null; stdout goes to `output` (appended), stderr there too
/// unless `stderr` names a file of its own.
public func spawn(_ args: [String], env: [String: String] = [:], output: String,
                  stderr err: String? = nil) throws -> pid_t {
    var e = ProcessInfo.processInfo.environment
    for (k, v) in env { e[k] = v }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    if let err { posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_APPEND, 0o644) }
    else { posix_spawn_file_actions_adddup2(&actions, 1, 2) }
    let argv = args.map { strdup($0) } + [nil]
    let envp = e.map { strdup("\($0)=\($1)") } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, args[0], &actions, nil, argv, envp)
    guard rc == 0 else { throw TestFailure("cannot run \(args[0]): \(String(cString: strerror(rc)))") }
    return pid
}

public func waitExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
}

@discardableResult
public func sh(_ args: [String], env: [String: String] = [:]) throws -> String {
    let out = NSTemporaryDirectory() + "/pacetop-sh-\(UUID().uuidString)"
    defer { unlink(out) }
    let status = waitExit(try spawn(args, env: env, output: out))
    let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    guard status == 0 else { throw TestFailure("\(args.joined(separator: " ")) failed (\(status)): \(text)") }
    return text
}

/// Generates a user key; returns the private key path.
public func makeKey(_ dir: TempDir, _ name: String, type: String, passphrase: String = "") throws -> String {
    var args = ["ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", "\(name)@test", "-f", dir.file(name)]
    if type == "rsa" { args += ["-b", "2048"] }
    try sh(args)
    return dir.file(name)
}

public func freePort(address: String = "127.0.0.1") -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    inet_pton(AF_INET, address, &addr.sin_addr)
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
    }
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Polls `condition` until it holds or `seconds` pass (a generous deadline, not a timing claim).
public func waitUntil(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// A real OpenSSH sshd on loopback with its own host keys and authorized_keys.
public final class TestSSHD: @unchecked Sendable {
    public let dir: TempDir
    public let address: String
    public private(set) var port: Int
    private var pid: pid_t = 0
    public let hostKeyTypes: [String]
    public var log: String { dir.read("sshd.log") }

    /// `authorized` are public key file paths. `extra` is appended to sshd_config.
    public init(address: String = "127.0.0.1", authorized: [String], hostKeyTypes: [String] = ["ed25519", "ecdsa"],
         extra: String = "", port: Int? = nil, logLevel: String = "VERBOSE") throws {
        dir = try TempDir()
        self.address = address
        self.hostKeyTypes = hostKeyTypes
        self.port = port ?? freePort(address: address)
        var keys = ""
        for t in hostKeyTypes {
            try sh(["ssh-keygen", "-q", "-t", t, "-N", "", "-f", dir.file("host_\(t)")])
            keys += "HostKey \(dir.file("host_\(t)"))\n"
        }
        let auth = try authorized.map { try String(contentsOfFile: $0.hasSuffix(".pub") ? $0 : $0 + ".pub", encoding: .utf8) }.joined()
        try dir.write("authorized_keys", auth, mode: 0o600)
        // SetEnv SHLVL=1: bash started by sshd at SHLVL 0 sources ~/.bashrc, and a heavy one
        // (pyenv rehash takes a lock) stalls or serialises every test command.
        try dir.write("sshd_config", """
            ListenAddress \(address):\(self.port)
            \(keys)AuthorizedKeysFile \(dir.file("authorized_keys"))
            UsePAM no
            PidFile none
            StrictModes no
            PermitRootLogin yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            LogLevel \(logLevel)
            SetEnv SHLVL=1
            \(extra)

            """)
        if getuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        try start()
    }

    public func start() throws {
        pid = try spawn(["/usr/sbin/sshd", "-D", "-e", "-f", dir.file("sshd_config")], output: dir.file("sshd.log"))
        // Ready when it accepts connections.
        for _ in 0..<250 {
            if canConnect() { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { pid = 0; throw TestFailure("sshd exited: \(log)") }
            usleep(20_000)
        }
        throw TestFailure("sshd did not start listening: \(log)")
    }

    private func canConnect() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, address, &addr.sin_addr)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Kills the listener and every per-connection child it forked (by pid, nothing broader).
    public func stop(signal sig: Int32 = SIGKILL) {
        guard pid > 0 else { return }
        let children = descendants(of: pid)
        kill(pid, sig)
        for c in children { kill(c, sig) }
        _ = waitExit(pid)
        pid = 0
    }

    /// Kills the per-connection processes only: the sessions end (the kernel closes their
    /// sockets), the listener keeps accepting new ones.
    public func dropSessions(signal sig: Int32 = SIGKILL) {
        guard pid > 0 else { return }
        for c in descendants(of: pid) { kill(c, sig) }
    }

    /// SIGSTOP/SIGCONT the per-connection processes: a peer that is there but silent.
    public func freeze(_ on: Bool) {
        guard pid > 0 else { return }
        for c in descendants(of: pid) { kill(c, on ? SIGSTOP : SIGCONT) }
    }

    public func restart() throws {
        stop()
        try start()
    }

    deinit { stop() }

    /// known_hosts lines for this server under `name` (default `[address]:port`).
    public func knownHostsLines(name: String? = nil) throws -> String {
        let n = name ?? "[\(address)]:\(port)"
        return try hostKeyTypes.map { t in
            let pub = try String(contentsOfFile: dir.file("host_\(t).pub"), encoding: .utf8)
            let parts = pub.split(separator: " ")
            return "\(n) \(parts[0]) \(parts[1])\n"
        }.joined()
    }

    public func fingerprint(_ type: String) throws -> String {
        let out = try sh(["ssh-keygen", "-l", "-E", "sha256", "-f", dir.file("host_\(type).pub")])
        return String(out.split(separator: " ")[1])
    }
}

private func descendants(of root: pid_t) -> [pid_t] {
    var parent: [pid_t: pid_t] = [:]
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for e in entries {
        guard let pid = pid_t(e),
              let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        if fields.count > 1, let pp = pid_t(fields[1]) { parent[pid] = pp }
    }
    var out: [pid_t] = []
    var frontier = [root]
    while let p = frontier.popLast() {
        for (child, pp) in parent where pp == p {
            out.append(child)
            frontier.append(child)
        }
    }
    return out
}

/// ssh-agent in the foreground (-D), so the test owns its process and can end it.
public final class TestAgent: @unchecked Sendable {
    public let socketPath: String
    private let pid: pid_t
    public init(dir: TempDir) throws {
        socketPath = dir.file("agent.sock")
        pid = try spawn(["/usr/bin/ssh-agent", "-D", "-a", socketPath], output: dir.file("agent.log"))
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socketPath) { usleep(10_000) }
    }
    public func add(_ key: String) throws {
        try sh(["ssh-add", key], env: ["SSH_AUTH_SOCK": socketPath])
    }
    deinit {
        // -D (debug mode) ignores SIGTERM.
        kill(pid, SIGKILL)
        _ = waitExit(pid)
    }
}
