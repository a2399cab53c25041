import FoundationEssentials
import Glibc
import PacetopBase

/// One SSH server to log in to: a cluster node or a jump host, already resolved through
/// ssh_config (HostName, User, Port, IdentityFile).
public struct SSHEndpoint: Sendable, Equatable {
    /// What the user typed (an alias, perhaps); used in messages.
    public var name: String
    /// What to connect to (ssh_config HostName), also the known_hosts lookup name.
    public var host: String
    public var port: Int
    public var user: String
    /// Identity files to try after the agent, in order (already expanded, may not exist).
    public var identityFiles: [String]
    /// Only the listed identity files, and only agent keys matching them (ssh_config IdentitiesOnly).
    public var identitiesOnly: Bool

    /// ssh_config ProxyCommand, tokens expanded: run it and talk SSH over its stdin/stdout
    /// instead of a TCP connection. Only the first hop of a chain can have one.
    public var proxyCommand: String?
    /// ssh_config HostKeyAlias: the known_hosts name instead of host/port.
    public var hostKeyAlias: String?
    /// ssh_config CheckHostIP: also check the key against the address's known_hosts entry.
    public var checkHostIP: Bool

    public init(name: String? = nil, host: String, port: Int = 22, user: String,
                identityFiles: [String] = [], identitiesOnly: Bool = false, proxyCommand: String? = nil,
                hostKeyAlias: String? = nil, checkHostIP: Bool = false) {
        self.name = name ?? host
        self.host = host
        self.port = port
        self.user = user
        self.identityFiles = identityFiles
        self.identitiesOnly = identitiesOnly
        self.proxyCommand = proxyCommand
        self.hostKeyAlias = hostKeyAlias
        self.checkHostIP = checkHostIP
    }

    /// The name known_hosts uses: HostKeyAlias as it is, else `host`, or `[host]:port` off
    /// port 22 (as OpenSSH's get_hostfile_hostname_ipaddr).
    public var knownHostsName: String { hostKeyAlias ?? (port == 22 ? host : "[\(host)]:\(port)") }
}

/// Where a connection goes: the target, reached through zero or more jump hosts (first is
/// dialled directly), plus timing.
public struct SSHTarget: Sendable, Equatable {
    public var endpoint: SSHEndpoint
    public var jumps: [SSHEndpoint]
    /// Seconds for TCP connect, and again for handshake plus authentication, per hop.
    public var connectTimeout: Double
    /// Keepalive interval in seconds (0 = off). A peer silent for interval × countMax is dead.
    public var serverAliveInterval: Double
    public var serverAliveCountMax: Int

    public init(endpoint: SSHEndpoint, jumps: [SSHEndpoint] = [], connectTimeout: Double = 10,
                serverAliveInterval: Double = 15, serverAliveCountMax: Int = 3) {
        self.endpoint = endpoint
        self.jumps = jumps
        self.connectTimeout = connectTimeout
        self.serverAliveInterval = serverAliveInterval
        self.serverAliveCountMax = serverAliveCountMax
    }
}

/// Asked for the passphrase of an encrypted key file: (key path, attempt starting at 1).
/// Returns nil to skip the key. Called on the connection's I/O thread.
public typealias PassphraseProvider = @Sendable (_ keyPath: String, _ attempt: Int) -> String?

public struct SSHAuthOptions: Sendable {
    /// Try ssh-agent first (OpenSSH order). `agentSocket` nil = `$SSH_AUTH_SOCK`.
    public var useAgent: Bool
    public var agentSocket: String?
    public var passphraseProvider: PassphraseProvider?

    public init(useAgent: Bool = true, agentSocket: String? = nil,
                passphraseProvider: PassphraseProvider? = nil) {
        self.useAgent = useAgent
        self.agentSocket = agentSocket
        self.passphraseProvider = passphraseProvider
    }

    /// Reads a passphrase from /dev/tty with echo off; nil when there is no terminal (CI),
    /// so encrypted keys are skipped with a clear error instead of hanging.
    public static let terminalPassphraseProvider: PassphraseProvider = { path, attempt in
        TTYPrompt.readSecret(prompt: attempt == 1 ? "Enter passphrase for key '\(path)': "
            : "Wrong passphrase, try again for '\(path)': ")
    }
}

/// How host keys are checked (ssh_config's StrictHostKeyChecking, UserKnownHostsFile,
/// GlobalKnownHostsFile, RevokedHostKeys, HashKnownHosts). There is deliberately no
/// "don't check" mode.
public struct HostKeyPolicy: Sendable, Equatable {
    /// The user's known_hosts files, in lookup order. The first one is where `acceptNew` writes.
    public var files: [String]
    /// Also read (never written): the system-wide files, /etc/ssh/ssh_known_hosts by default.
    public var globalFiles: [String]
    /// RevokedHostKeys: files of public keys never to trust. Each must exist and be readable.
    public var revokedHostKeysFiles: [String]
    /// HashKnownHosts: record a new host as `|1|salt|hash` rather than its name.
    public var hashKnownHosts: Bool
    /// Like StrictHostKeyChecking=accept-new: an unknown host's key is recorded and trusted.
    /// A changed or revoked key is refused regardless.
    public var acceptNew: Bool

    public init(files: [String] = [HostKeyPolicy.defaultFile],
                globalFiles: [String] = ["/etc/ssh/ssh_known_hosts"], revokedHostKeysFiles: [String] = [],
                hashKnownHosts: Bool = false, acceptNew: Bool = false) {
        self.files = files
        self.globalFiles = globalFiles
        self.revokedHostKeysFiles = revokedHostKeysFiles
        self.hashKnownHosts = hashKnownHosts
        self.acceptNew = acceptNew
    }

    public static var defaultFile: String { SSHPaths.home + "/.ssh/known_hosts" }
}

public struct ExecResult: Sendable, Equatable {
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// nil when the server sent no exit status.
    public var exitStatus: Int32?
    /// Set when the remote command was killed by a signal ("TERM", "KILL"); the exit status
    /// is then meaningless (OpenSSH reports 0).
    public var exitSignal: String?
    public var duration: Duration

    public init(stdout: [UInt8], stderr: [UInt8], exitStatus: Int32?, exitSignal: String?,
                duration: Duration) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
        self.duration = duration
    }

    public var stdoutString: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrString: String { String(decoding: stderr, as: UTF8.self) }
}

enum SSHPaths {
    static var home: String {
        if let h = ProcessInfo.processInfo.environment["HOME"], !h.isEmpty { return h }
        return homeDirectory()
    }

    static var localUser: String {
        if let u = ProcessInfo.processInfo.environment["USER"], !u.isEmpty { return u }
        if let pw = getpwuid(getuid()), let n = pw.pointee.pw_name { return String(cString: n) }
        return "root"
    }

    static func expandTilde(_ p: String) -> String {
        if p == "~" { return home }
        if p.hasPrefix("~/") { return home + p.dropFirst() }
        return p
    }
}

enum TTYPrompt {
    /// The terminal and its modes while a prompt has echo off, for `restoreAndDie`.
    nonisolated(unsafe) static var ttyFD: Int32 = -1
    nonisolated(unsafe) static let saved = UnsafeMutablePointer<termios>.allocate(capacity: 1)
    static let fatalSignals = [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGTSTP]

    static func readSecret(prompt: String) -> String? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard isatty(fd) == 1 else { return nil }
        var old = termios()
        guard tcgetattr(fd, &old) == 0 else { return nil }
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        // As OpenSSH's readpassphrase: Ctrl-C (or any fatal signal) while echo is off first puts
        // the terminal back, then takes its usual course; dying with echo off would leave the
        // user's shell blind.
        saved.pointee = old
        ttyFD = fd
        let previous = fatalSignals.map { sig in
            let h = signal(sig, restoreAndDie)
            // A signal the caller ignores stays ignored.
            if unsafeBitCast(h, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { signal(sig, SIG_IGN) }
            return h
        }
        defer {
            for (sig, handler) in zip(fatalSignals, previous) { signal(sig, handler) }
            ttyFD = -1
        }
        _ = tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            _ = tcsetattr(fd, TCSAFLUSH, &old)
            _ = write(fd, "\n", 1)
        }
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        var bytes: [UInt8] = []
        var c: UInt8 = 0
        while read(fd, &c, 1) == 1, c != 10, c != 13 { bytes.append(c) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Signal handler (async-signal-safe calls only): terminal modes back, then the default action.
private func restoreAndDie(_ sig: Int32) {
    if TTYPrompt.ttyFD >= 0 {
        _ = tcsetattr(TTYPrompt.ttyFD, TCSAFLUSH, TTYPrompt.saved)
        _ = write(TTYPrompt.ttyFD, "\n", 1)
    }
    signal(sig, SIG_DFL)
    raise(sig)
}
