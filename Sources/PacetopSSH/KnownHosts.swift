import CLibssh2
import FoundationEssentials
import Glibc
import PacetopBase

/// known_hosts files read the way OpenSSH reads them (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"),
/// in Swift rather than through libssh2's knownhost API, which has no `@revoked`, no
/// `@cert-authority`, no wildcards or negations, and stops at the first line it does not
/// understand. Files are bytes: a comment in Latin-1 must not make every host "unknown".
struct KnownHosts {
    enum Marker: Equatable { case none, revoked, certAuthority }

    struct Entry: Equatable {
        var file: String
        var line: Int
        var marker: Marker
        /// The host field as written: patterns separated by commas, or one `|1|salt|hash`.
        var hosts: String
        /// The key blob; its type is the string it starts with.
        var key: [UInt8]
        var keyType: String
    }

    enum Verdict: Equatable {
        case match
        case revoked(file: String, line: Int)
        case mismatch(file: String, line: Int)
        /// Only `@cert-authority` lines name the host: libssh2 cannot check host certificates.
        case certificateOnly(file: String, line: Int)
        case notFound
    }

    private(set) var entries: [Entry] = []

    /// Reads `files` (missing ones are skipped, as in ssh) and the RevokedHostKeys files
    /// (which must all be readable). A file that exists but cannot be read, or a `@revoked`
    /// line that cannot be parsed, is an error: either could hide a refusal.
    static func load(files: [String], revokedHostKeysFiles: [String] = []) throws(SSHError) -> KnownHosts {
        var kh = KnownHosts()
        for file in files {
            guard let bytes = try readIfPresent(file) else { continue }
            try kh.add(bytes: bytes, file: file)
        }
        for file in revokedHostKeysFiles {
            guard let bytes = try readIfPresent(file) else {
                throw .hostKeyFileError(file: file, reason: "RevokedHostKeys file is missing; refusing to connect without it")
            }
            try kh.addRevokedKeys(bytes: bytes, file: file)
        }
        return kh
    }

    static func readIfPresent(_ file: String) throws(SSHError) -> [UInt8]? {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .hostKeyFileError(file: file, reason: "exists but cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw .hostKeyFileError(file: file, reason: "cannot be read: \(String(cString: strerror(errno)))") }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// One known_hosts file's bytes. Lines that are not understood are skipped (OpenSSH
    /// does the same), except `@revoked` ones, which fail the whole load.
    mutating func add(bytes: [UInt8], file: String) throws(SSHError) {
        var number = 0
        for raw in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            number += 1
            var fields = Self.fields(raw)
            guard let first = fields.first, first.first != UInt8(ascii: "#") else { continue }
            var marker = Marker.none
            if first.first == UInt8(ascii: "@") {
                switch String(decoding: first, as: UTF8.self) {
                case "@revoked": marker = .revoked
                case "@cert-authority": marker = .certAuthority
                default: continue
                }
                fields.removeFirst()
            }
            guard fields.count >= 3, let key = Self.decodeKey(type: fields[1], base64: fields[2]) else {
                if marker == .revoked {
                    throw .hostKeyFileError(file: file, reason: "line \(number): a @revoked line that cannot be parsed; "
                        + "refusing to connect until it is fixed (it may revoke this host's key)")
                }
                continue
            }
            entries.append(Entry(file: file, line: number, marker: marker,
                                 hosts: String(decoding: fields[0], as: UTF8.self), key: key.blob, keyType: key.type))
        }
    }

    /// A RevokedHostKeys file of public keys ("type base64 [comment]"). A binary KRL, or any
    /// line that is not a key, refuses: pacetop cannot tell what it would have revoked.
    mutating func addRevokedKeys(bytes: [UInt8], file: String) throws(SSHError) {
        if bytes.starts(with: Array("SSHKRL".utf8)) {
            throw .hostKeyFileError(file: file, reason: "RevokedHostKeys is a binary KRL, which pacetop cannot read; "
                + "list the revoked keys as public key lines instead")
        }
        var number = 0
        for raw in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            number += 1
            let fields = Self.fields(raw)
            guard let first = fields.first, first.first != UInt8(ascii: "#") else { continue }
            guard fields.count >= 2, let key = Self.decodeKey(type: fields[0], base64: fields[1]) else {
                throw .hostKeyFileError(file: file, reason: "line \(number) of RevokedHostKeys is not a public key; refusing to connect")
            }
            entries.append(Entry(file: file, line: number, marker: .revoked, hosts: "*", key: key.blob, keyType: key.type))
        }
    }

    /// Fields separated by spaces or tabs; a trailing CR is dropped.
    static func fields(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(whereSeparator: { $0 == 32 || $0 == 9 || $0 == 13 })
    }

    /// The blob of a key field, which must say the same type as the field before it.
    static func decodeKey(type: ArraySlice<UInt8>, base64: ArraySlice<UInt8>) -> (type: String, blob: [UInt8])? {
        guard base64.allSatisfy({ $0 < 128 }),
              let blob = Data(base64Encoded: String(decoding: base64, as: UTF8.self)).map(Array.init),
              let inner = KeyFile.keyType(blob: blob), inner == String(decoding: type, as: UTF8.self)
        else { return nil }
        return (inner, blob)
    }

    /// Whether an entry's host field names `name` (`host`, or `[host]:port` off port 22).
    static func hostsMatch(_ hosts: String, _ name: String) -> Bool {
        let name = name.lowercased()
        if hosts.hasPrefix("|1|") {
            let parts = hosts.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == 4, let salt = Data(base64Encoded: String(parts[2])),
                  let hash = Data(base64Encoded: String(parts[3])) else { return false }
            return HMACSHA1.mac(key: Array(salt), message: Array(name.utf8)) == Array(hash)
        }
        var matched = false
        for pattern in hosts.lowercased().split(separator: ",") {
            if pattern.hasPrefix("!") {
                if Glob.matches(Array(pattern.utf8.dropFirst()), Array(name.utf8)) { return false }
            } else if Glob.matches(Array(pattern.utf8), Array(name.utf8)) {
                matched = true
            }
        }
        return matched
    }

    /// Key types known for `name`, in file order (plain lines only), with the first line of each.
    func knownKeyTypes(for name: String) -> [(method: String, file: String, line: Int)] {
        var out: [(String, String, Int)] = []
        for e in entries where e.marker == .none && Self.hostsMatch(e.hosts, name) {
            if !out.contains(where: { $0.0 == e.keyType }) { out.append((e.keyType, e.file, e.line)) }
        }
        return out
    }

    /// OpenSSH's order: a revoked key is refused whatever else any file says; then a listed
    /// key is trusted; then a different key of the same type is a changed key.
    func verify(name: String, key: [UInt8]) -> Verdict {
        let type = KeyFile.keyType(blob: key)
        var mismatch: Verdict?
        var ca: Verdict?
        var trusted = false
        for e in entries where Self.hostsMatch(e.hosts, name) {
            switch e.marker {
            case .revoked:
                if e.key == key { return .revoked(file: e.file, line: e.line) }
            case .certAuthority:
                if ca == nil { ca = .certificateOnly(file: e.file, line: e.line) }
            case .none:
                if e.key == key { trusted = true }
                else if e.keyType == type, mismatch == nil { mismatch = .mismatch(file: e.file, line: e.line) }
            }
        }
        if trusted { return .match }
        if let mismatch { return mismatch }
        if let ca, knownKeyTypes(for: name).isEmpty { return ca }
        return .notFound
    }

    /// The line to record for a newly accepted key: hashed (`|1|salt|hash`) under
    /// HashKnownHosts, as ssh writes it.
    static func line(name: String, key: [UInt8], keyType: String, hashed: Bool) -> String {
        var host = name
        if hashed {
            var rng = SystemRandomNumberGenerator()
            let salt = (0..<20).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let mac = HMACSHA1.mac(key: salt, message: Array(name.lowercased().utf8))
            host = "|1|\(Data(salt).base64EncodedString())|\(Data(mac).base64EncodedString())"
        }
        return "\(host) \(keyType) \(Data(key).base64EncodedString())\n"
    }

    /// Adds one line without disturbing the others: the old bytes plus the line go to a
    /// temporary file next to it, which then replaces it (rename), so a crash or a full disk
    /// never leaves half a file. A new file is 0600; an existing one keeps its mode.
    static func append(_ line: String, to file: String) throws(SSHError) {
        let dir = parentDirectory(of: file)
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw .hostKeyFileError(file: file, reason: "cannot create \(dir): \(errorMessage(error))")
            }
        }
        // Write through a symlink to its target, as an appending ssh would.
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: file)).map {
            $0.hasPrefix("/") ? $0 : appendingPathComponent($0, to: dir)
        } ?? file
        var old = try readIfPresent(target) ?? []
        var st = stat()
        let mode = stat(target, &st) == 0 ? mode_t(st.st_mode & 0o7777) : 0o600
        if let last = old.last, last != 10 { old.append(10) }
        old.append(contentsOf: Array(line.utf8))
        var template = Array((target + ".pacetop-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw .hostKeyFileError(file: target, reason: "cannot write next to it: \(String(cString: strerror(errno)))") }
        let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        func fail(_ what: String) -> SSHError {
            let reason = "\(what): \(String(cString: strerror(errno)))"
            close(fd)
            unlink(tmp)
            return .hostKeyFileError(file: target, reason: reason)
        }
        guard fchmod(fd, mode) == 0 else { throw fail("chmod") }
        var written = 0
        while written < old.count {
            let n = old[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw fail("write") }
            written += n
        }
        guard fsync(fd) == 0 else { throw fail("fsync") }
        close(fd)
        guard rename(tmp, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw .hostKeyFileError(file: target, reason: "rename: \(reason)")
        }
    }

    /// The host key methods to offer for a key type known_hosts holds. An RSA key is offered
    /// with SHA-2 signatures first: OpenSSH 8.8+ servers refuse ssh-rsa (SHA-1), and libssh2
    /// drops names it does not support from a preference list.
    static func methods(forKeyType t: String) -> [String] {
        t == "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [t]
    }

    /// OpenSSH's form: "SHA256:" + unpadded base64 of the SHA-256 of the key blob.
    static func fingerprint(sha256: [UInt8]) -> String {
        var b64 = Data(sha256).base64EncodedString()
        while b64.hasSuffix("=") { b64.removeLast() }
        return "SHA256:" + b64
    }
}

/// OpenSSH's `match_pattern`: `*` any run of characters, `?` any one character.
enum Glob {
    static func matches(_ p: [UInt8], _ s: [UInt8]) -> Bool {
        var pi = 0, si = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count && (p[pi] == UInt8(ascii: "?") || p[pi] == s[si]) {
                pi += 1; si += 1
            } else if pi < p.count && p[pi] == UInt8(ascii: "*") {
                starP = pi; starS = si; pi += 1
            } else if starP >= 0 {
                pi = starP + 1; starS += 1; si = starS
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

/// HMAC-SHA1 (RFC 2104) for hashed known_hosts names; nothing else in pacetop needs SHA-1.
enum HMACSHA1 {
    static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var k = key.count > 64 ? sha1(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        return sha1(k.map { $0 ^ 0x5c } + sha1(k.map { $0 ^ 0x36 } + message))
    }

    static func sha1(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
        var m = message
        let bits = UInt64(message.count) * 8
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        for i in (0..<8).reversed() { m.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: m.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + i * 4
                w[i] = UInt32(m[j]) << 24 | UInt32(m[j + 1]) << 16 | UInt32(m[j + 2]) << 8 | UInt32(m[j + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4]
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32) = switch i {
                case 0..<20: ((b & c) | (~b & d), 0x5A827999)
                case 20..<40: (b ^ c ^ d, 0x6ED9EBA1)
                case 40..<60: ((b & c) | (b & d) | (c & d), 0x8F1BBCDC)
                default: (b ^ c ^ d, 0xCA62C1D6)
                }
                let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                e = d; d = c; c = b << 30 | b >> 2; b = a; a = t
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e
        }
        return h.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - $0 * 8)) } }
    }
}
