import CLibssh2
import FoundationEssentials
import Glibc
import PacetopBase

/// known_hosts, read line by line: libssh2_knownhost_readfile stops at the first line it does
/// not understand (markers, new key types), which would silently forget every later host.
/// Each usable line gets its own libssh2 collection, so a match can name its file and line.
final class KnownHosts {
    struct Line {
        let file: String
        let number: Int
        let hosts: OpaquePointer
    }

    enum Verdict: Equatable {
        case match
        case mismatch(file: String, line: Int)
        case notFound
    }

    private(set) var lines: [Line] = []

    init(session: OpaquePointer, files: [String]) {
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            var number = 0
            for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
                number += 1
                let line = raw.trimmingWhitespace()
                if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("@") { continue }
                guard let hosts = libssh2_knownhost_init(session) else { continue }
                let rc = line.withCString {
                    libssh2_knownhost_readline(hosts, $0, strlen($0), LIBSSH2_KNOWNHOST_FILE_OPENSSH)
                }
                if rc == 0 {
                    lines.append(Line(file: file, number: number, hosts: hosts))
                } else {
                    libssh2_knownhost_free(hosts)
                }
            }
        }
    }

    deinit {
        for l in lines { libssh2_knownhost_free(l.hosts) }
    }

    /// Key types known_hosts holds for `name` (`host` or `[host]:port`), in file order, as
    /// libssh2 host key method names, with the first line naming each.
    func knownKeyTypes(for name: String) -> [(method: String, file: String, line: Int)] {
        var out: [(String, String, Int)] = []
        // Type 0 matches any key type; a dummy key never matches, so every line for this
        // host answers MISMATCH and hands back its entry.
        let dummy: [CChar] = [0x78, 0]
        for l in lines {
            var found: UnsafeMutablePointer<libssh2_knownhost>?
            let rc = libssh2_knownhost_checkp(l.hosts, name, -1, dummy, 1,
                                              LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW,
                                              &found)
            guard rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH, let entry = found,
                  let method = Self.method(knownHostMask: entry.pointee.typemask)
            else { continue }
            if !out.contains(where: { $0.0 == method }) { out.append((method, l.file, l.number)) }
        }
        return out
    }

    /// Exact lookup: OpenSSH matches `[host]:port` entries only off port 22 (libssh2 alone
    /// would also accept a plain `host` line for any port).
    func verify(name: String, key: [UInt8], hostKeyType: Int32) -> Verdict {
        guard let keyMask = Self.knownHostMask(hostKeyType: hostKeyType) else { return .notFound }
        var firstMismatch: Verdict?
        for l in lines {
            let rc = key.withUnsafeBufferPointer { buf in
                buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { p in
                    libssh2_knownhost_checkp(l.hosts, name, -1, p, buf.count,
                                             LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | keyMask,
                                             nil)
                }
            }
            if rc == LIBSSH2_KNOWNHOST_CHECK_MATCH { return .match }
            if rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH, firstMismatch == nil {
                firstMismatch = .mismatch(file: l.file, line: l.number)
            }
        }
        return firstMismatch ?? .notFound
    }

    /// Appends one line (never rewrites: libssh2's writefile would drop comments).
    static func append(name: String, keyType: String, key: [UInt8], to file: String) throws(SSHError) {
        let dir = parentDirectory(of: file)
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw .hostKeyFileError(file: file, reason: "cannot create \(dir): \(errorMessage(error))")
            }
        }
        let fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .hostKeyFileError(file: file, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        // Start on a fresh line if the file does not end with one.
        var prefix = ""
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > 0 {
            let rfd = open(file, O_RDONLY | O_CLOEXEC)
            if rfd >= 0 {
                var last: UInt8 = 0
                if pread(rfd, &last, 1, off_t(st.st_size - 1)) == 1, last != 10 { prefix = "\n" }
                close(rfd)
            }
        }
        let line = prefix + "\(name) \(keyType) \(Data(key).base64EncodedString())\n"
        let bytes = Array(line.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count {
            throw .hostKeyFileError(file: file, reason: "short write: \(String(cString: strerror(errno)))")
        }
    }

    static func method(knownHostMask mask: Int32) -> String? {
        switch mask & LIBSSH2_KNOWNHOST_KEY_MASK {
        case LIBSSH2_KNOWNHOST_KEY_ED25519: "ssh-ed25519"
        case LIBSSH2_KNOWNHOST_KEY_ECDSA_256: "ecdsa-sha2-nistp256"
        case LIBSSH2_KNOWNHOST_KEY_ECDSA_384: "ecdsa-sha2-nistp384"
        case LIBSSH2_KNOWNHOST_KEY_ECDSA_521: "ecdsa-sha2-nistp521"
        case LIBSSH2_KNOWNHOST_KEY_SSHRSA: "ssh-rsa"
        case LIBSSH2_KNOWNHOST_KEY_SSHDSS: "ssh-dss"
        default: nil
        }
    }

    static func knownHostMask(hostKeyType t: Int32) -> Int32? {
        switch t {
        case LIBSSH2_HOSTKEY_TYPE_ED25519: LIBSSH2_KNOWNHOST_KEY_ED25519
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: LIBSSH2_KNOWNHOST_KEY_ECDSA_256
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: LIBSSH2_KNOWNHOST_KEY_ECDSA_384
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: LIBSSH2_KNOWNHOST_KEY_ECDSA_521
        case LIBSSH2_HOSTKEY_TYPE_RSA: LIBSSH2_KNOWNHOST_KEY_SSHRSA
        case LIBSSH2_HOSTKEY_TYPE_DSS: LIBSSH2_KNOWNHOST_KEY_SSHDSS
        default: nil
        }
    }

    static func keyTypeName(hostKeyType t: Int32) -> String {
        knownHostMask(hostKeyType: t).flatMap { method(knownHostMask: $0) } ?? "unknown-key-type"
    }

    /// OpenSSH's form: "SHA256:" + unpadded base64 of the SHA-256 of the key blob.
    static func fingerprint(sha256: [UInt8]) -> String {
        var b64 = Data(sha256).base64EncodedString()
        while b64.hasSuffix("=") { b64.removeLast() }
        return "SHA256:" + b64
    }
}
