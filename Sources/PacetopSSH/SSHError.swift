import CLibssh2
import FoundationEssentials
import Glibc
import PacetopBase

/// Everything that can go wrong on the way to a remote command, each case worded so an
/// on-call engineer at 3 a.m. knows what to do next. Never carries secrets.
public enum SSHError: Error, Sendable, Equatable, CustomStringConvertible {
    case resolveFailed(host: String, reason: String)
    case connectRefused(host: String, port: Int)
    case connectFailed(host: String, port: Int, reason: String)
    case connectTimeout(host: String, port: Int, seconds: Double)
    case handshakeFailed(host: String, reason: String)
    /// The host is not in any known_hosts file: refused until the user accepts the key.
    case hostKeyUnknown(host: String, keyType: String, fingerprint: String, file: String)
    /// The host presented a different key than known_hosts holds: refused, always.
    case hostKeyChanged(host: String, keyType: String, fingerprint: String, file: String, line: Int)
    /// known_hosts holds keys for the host, but the server offers none of their types.
    case hostKeyTypeMismatch(host: String, known: [String], file: String, line: Int, reason: String)
    case hostKeyFileError(file: String, reason: String)
    /// The key is listed as `@revoked` (or in RevokedHostKeys): refused, always.
    case hostKeyRevoked(host: String, keyType: String, fingerprint: String, file: String, line: Int)
    /// Only a `@cert-authority` line names the host, and libssh2 cannot verify host certificates.
    case hostKeyCertificateOnly(host: String, keyType: String, fingerprint: String, file: String, line: Int)
    case authFailed(user: String, host: String, methodsTried: [String], keysTried: [String],
                    serverMethods: String)
    /// An RSA key was refused and this libssh2 cannot sign with rsa-sha2 (needs 1.11+).
    case rsaKeyUnsupported(user: String, host: String, keys: [String], libssh2: String)
    case passphraseNeeded(key: String)
    case passphraseWrong(key: String)
    /// A private key file others may read: ignored, as ssh ignores it (`mode` as in `ls`, e.g. 0644).
    case keyFileTooOpen(key: String, mode: String)
    /// A command printed more than `limit` bytes on one stream: stopped, nothing kept.
    case outputTooLarge(host: String, stream: String, limit: Int)
    case channelFailed(host: String, reason: String)
    case execFailed(host: String, reason: String)
    /// `phase` says where the time went: "TCP connect", "handshake", "authentication",
    /// "command output", ...
    case timeout(host: String, phase: String, seconds: Double)
    case disconnected(host: String, reason: String)
    case closed
    /// An ssh_config file or a -J spec could not be used.
    case configError(file: String, reason: String)
    /// The connection through a ProxyCommand failed; `stderr` is the end of what it printed.
    case proxyCommandFailed(command: String, reason: String, stderr: String)

    public var description: String {
        switch self {
        case .resolveFailed(let host, let reason):
            "cannot resolve host name \(host): \(reason). Check the name, /etc/hosts and ~/.ssh/config (HostName)."
        case .connectRefused(let host, let port):
            "connection refused by \(host):\(port): no SSH server listening there (is sshd running, is the port right?)"
        case .connectFailed(let host, let port, let reason):
            "cannot connect to \(host):\(port): \(reason)"
        case .connectTimeout(let host, let port, let seconds):
            "no answer from \(host):\(port) within \(Self.secs(seconds)) (host down, firewall, or wrong address?)"
        case .handshakeFailed(let host, let reason):
            "SSH handshake with \(host) failed: \(reason)"
        case .hostKeyUnknown(let host, let keyType, let fingerprint, let file):
            "host key of \(host) is not known: \(keyType) \(fingerprint). Refusing to connect. "
                + "Compare it with `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` run on the node; "
                + "if it is right, accept it with --accept-new (adds one line to \(file)), "
                + "or add it yourself: ssh-keyscan \(Self.keyscanArgs(host)) >> \(file)"
        case .hostKeyChanged(let host, let keyType, let fingerprint, let file, let line):
            "WARNING: HOST KEY OF \(host) HAS CHANGED! It now presents \(keyType) \(fingerprint), "
                + "which does not match \(file):\(line). Someone may be intercepting the connection, "
                + "or the host was reinstalled. Refusing to connect. If the change is expected, remove "
                + "the old key (ssh-keygen -R \(Self.knownHostsName(host)) -f \(file)) and connect again."
        case .hostKeyTypeMismatch(let host, let known, let file, let line, let reason):
            "host key of \(host) may have changed: known_hosts holds \(known.joined(separator: ", ")) "
                + "(\(file):\(line)) but the server offers none of these (\(reason)). Refusing to connect."
        case .hostKeyFileError(let file, let reason):
            "cannot use known_hosts file \(file): \(reason)"
        case .hostKeyRevoked(let host, let keyType, let fingerprint, let file, let line):
            "host key of \(host) (\(keyType) \(fingerprint)) is REVOKED (\(file):\(line)). Refusing to connect. "
                + "The key was withdrawn on purpose; ask whoever revoked it which key the host has now."
        case .hostKeyCertificateOnly(let host, let keyType, let fingerprint, let file, let line):
            "\(host) is trusted only through a host certificate authority (@cert-authority, \(file):\(line)), "
                + "and libssh2 cannot verify host certificates. Refusing to connect. It presented \(keyType) "
                + "\(fingerprint); if that is right, add a plain line for it: "
                + "ssh-keyscan -t \(keyType) \(Self.keyscanArgs(host)) >> ~/.ssh/known_hosts"
        case .authFailed(let user, let host, let methods, let keys, let server):
            "authentication failed for \(user)@\(host) (tried: "
                + (methods.isEmpty ? "nothing usable" : methods.joined(separator: ", "))
                + (keys.isEmpty ? "" : "; keys: " + keys.joined(separator: ", "))
                + "; server accepts: \(server.isEmpty ? "?" : server)). "
                + "Check the user (-l), the key (-i) and ~/.ssh/authorized_keys on the node."
        case .rsaKeyUnsupported(let user, let host, let keys, let lib):
            "\(user)@\(host) refused RSA key \(keys.joined(separator: ", ")): libssh2 \(lib) cannot sign "
                + "with rsa-sha2 (added in libssh2 1.11), and OpenSSH 8.8+ rejects the old ssh-rsa "
                + "signatures. Use an ed25519 or ECDSA key (ssh-keygen -t ed25519), or load one in ssh-agent."
        case .passphraseNeeded(let key):
            "key \(key) is encrypted and no passphrase could be asked for (no terminal). "
                + "Load it into ssh-agent (ssh-add \(key)) or run pacetop from a terminal."
        case .passphraseWrong(let key):
            "wrong passphrase for key \(key) (or the key file is unreadable)"
        case .keyFileTooOpen(let key, let mode):
            "Permissions \(mode) for '\(key)' are too open. It is required that your private key files "
                + "are NOT accessible by others. This private key will be ignored. (chmod 600 \(key))"
        case .outputTooLarge(let host, let stream, let limit):
            "the command on \(host) printed more than \(limit / 1_048_576) MB on \(stream); stopped it "
                + "(pacetop never buffers more than that)"
        case .channelFailed(let host, let reason):
            "cannot open a command channel on \(host): \(reason)"
        case .execFailed(let host, let reason):
            "cannot start the command on \(host): \(reason)"
        case .timeout(let host, let phase, let seconds):
            "timed out after \(Self.secs(seconds)) on \(host) during \(phase)"
        case .disconnected(let host, let reason):
            "connection to \(host) lost: \(reason)"
        case .closed:
            "the SSH connection was closed"
        case .configError(let file, let reason):
            "cannot use \(file): \(reason)"
        case .proxyCommandFailed(let command, let reason, let stderr):
            "ProxyCommand `\(command)` failed: \(reason)"
                + (stderr.isEmpty ? " (it printed nothing on stderr)" : ". It said: \(stderr)")
        }
    }

    /// Whether this is a refused host key (never to be failed over silently).
    public var isHostKeyError: Bool {
        switch self {
        case .hostKeyUnknown, .hostKeyChanged, .hostKeyTypeMismatch, .hostKeyFileError, .hostKeyRevoked,
             .hostKeyCertificateOnly: true
        default: false
        }
    }

    /// Whether a command may have reached the server before this error: the connection was
    /// lost, or the deadline passed, after the exec request could have been sent. Such a
    /// command's outcome is unknown; errors while connecting, logging in or opening the
    /// channel mean it was never sent.
    public var commandMayHaveStarted: Bool {
        switch self {
        case .disconnected: true
        case .timeout(_, let phase, _):
            ["starting the command", "waiting for the command to finish", "closing the channel",
             "waiting for the connection"].contains(phase)
        default: false
        }
    }

    private static func secs(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : cFormat("%.1f s", s)
    }

    /// "[h]:p" → "-p p h" for ssh-keyscan; plain names unchanged.
    private static func keyscanArgs(_ name: String) -> String {
        let (h, p) = splitBracketed(name)
        return p.map { "-p \($0) \(h)" } ?? h
    }

    private static func knownHostsName(_ name: String) -> String {
        name.hasPrefix("[") ? "'\(name)'" : name
    }

    static func splitBracketed(_ name: String) -> (String, Int?) {
        guard name.hasPrefix("["), let close = name.firstIndex(of: "]") else { return (name, nil) }
        let host = String(name[name.index(after: name.startIndex)..<close])
        let rest = name[name.index(after: close)...]
        return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
    }
}

/// The libssh2 this binary runs with, for `--version` and for the RSA diagnosis.
public enum LibSSH2 {
    public static var version: String {
        libssh2_version(0).map { String(cString: $0) } ?? "unknown"
    }

    /// rsa-sha2 user-key signatures arrived in 1.11.0.
    public static var supportsRSASHA2: Bool {
        libssh2_version(0x010B00) != nil
    }
}
