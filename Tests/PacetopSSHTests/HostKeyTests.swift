import Foundation
import Testing
import PacetopTestSupport
@testable import PacetopSSH

/// A connection to `server` with explicit known_hosts files.
func connect(_ server: TestSSHD, key: String, policy: HostKeyPolicy) -> SSHConnection {
    let ep = SSHEndpoint(host: server.address, port: server.port, user: localUser, identityFiles: [key])
    return SSHConnection(target: SSHTarget(endpoint: ep, connectTimeout: 5),
                         auth: SSHAuthOptions(useAgent: false), hostKeys: policy)
}

func bytes(_ path: String) -> [UInt8] {
    (FileManager.default.contents(atPath: path)).map(Array.init) ?? []
}

/// known_hosts semantics as OpenSSH has them (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"),
/// against a real sshd.
@Suite("Host keys against a real sshd", .serialized, .enabled(if: TestEnv.sshdAvailable, Comment(rawValue: TestEnv.skipReason)))
struct HostKeyTests {
    let keys: TempDir
    let key: String
    let server: TestSSHD
    var name: String { "[127.0.0.1]:\(server.port)" }

    init() throws {
        keys = try TempDir()
        key = try makeKey(keys, "id", type: "ed25519")
        server = try TestSSHD(authorized: [key], hostKeyTypes: ["ed25519"])
    }

    /// The server's ed25519 host key as "type base64".
    func hostKey() throws -> String {
        let pub = try String(contentsOfFile: server.dir.file("host_ed25519.pub"), encoding: .utf8).split(separator: " ")
        return "\(pub[0]) \(pub[1])"
    }

    func revoked(_ e: SSHError) -> Bool {
        guard case .hostKeyRevoked(let h, _, let fp, _, _) = e else { return false }
        return h == name && fp == (try? server.fingerprint("ed25519")) && e.description.contains("REVOKED")
    }

    @Test func revokedInTheUserFileWinsOverTheGlobalFileEvenWithAcceptNew() throws {
        let user = keys.file("known_hosts"), global = keys.file("global")
        try keys.write("known_hosts", "@revoked \(name) \(try hostKey())\n")
        try keys.write("global", try server.knownHostsLines())
        let c = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: [global], acceptNew: true))
        defer { c.close() }
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { revoked($0) }
        #expect(keys.read("known_hosts") == "@revoked \(name) \(try hostKey())\n")
        #expect(!server.log.contains("Accepted publickey"))
    }

    @Test func revokedInTheGlobalFileWinsOverTheUserFile() throws {
        let user = keys.file("known_hosts"), global = keys.file("global")
        try keys.write("known_hosts", try server.knownHostsLines())
        try keys.write("global", "# revoked for everyone\n@revoked * \(try hostKey())\n")
        let c = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: [global]))
        defer { c.close() }
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
            revoked(e) && e == .hostKeyRevoked(host: name, keyType: "ssh-ed25519", fingerprint: (try? server.fingerprint("ed25519")) ?? "",
                                               file: global, line: 2)
        }
    }

    @Test func revokedHostKeysFileRefusesAndMustBeReadable() throws {
        let user = keys.file("known_hosts")
        try keys.write("known_hosts", try server.knownHostsLines())
        try keys.write("revoked", "\(try hostKey()) old-key\n")
        let c = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: [], revokedHostKeysFiles: [keys.file("revoked")]))
        defer { c.close() }
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { revoked($0) }

        let missing = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: [], revokedHostKeysFiles: [keys.file("nope")]))
        defer { missing.close() }
        expectSSHError({ _ = try missing.exec("true", timeout: 10) }) { e in
            if case .hostKeyFileError(let f, let reason) = e { return f == keys.file("nope") && reason.contains("missing") }
            return false
        }
        #expect(!server.log.contains("Accepted publickey"))
    }

    @Test func anUnparsableRevokedLineRefuses() throws {
        let user = keys.file("known_hosts")
        try keys.write("known_hosts", try server.knownHostsLines() + "@revoked \(name) ssh-ed25519 not-base64!\n")
        let c = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: []))
        defer { c.close() }
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
            if case .hostKeyFileError(let f, let reason) = e { return f == user && reason.contains("line 2") && reason.contains("@revoked") }
            return false
        }
    }

    @Test func aCertificateAuthorityOnlyMatchIsRefusedWithAWayOut() throws {
        let user = keys.file("known_hosts")
        let ca = try makeKey(keys, "ca", type: "ed25519")
        let caPub = try String(contentsOfFile: ca + ".pub", encoding: .utf8).split(separator: " ")
        let text = "@cert-authority [127.0.0.1]:* \(caPub[0]) \(caPub[1])\n"
        try keys.write("known_hosts", text)
        let c = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: [], acceptNew: true))
        defer { c.close() }
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
            guard case .hostKeyCertificateOnly(let h, _, _, let f, let line) = e else { return false }
            return h == name && f == user && line == 1 && e.description.contains("libssh2 cannot verify host certificates")
                && e.description.contains("ssh-keyscan -t ssh-ed25519 -p \(server.port) 127.0.0.1")
        }
        #expect(keys.read("known_hosts") == text)
    }

    @Test func nonUTF8CommentsDoNotMakeKnownHostsUnknown() throws {
        let user = keys.file("known_hosts")
        // "# café" in Latin-1: not UTF-8.
        let content = Array("# caf".utf8) + [0xE9, 10] + Array(try server.knownHostsLines().utf8)
        #expect(FileManager.default.createFile(atPath: user, contents: Data(content)))
        let strict = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: []))
        defer { strict.close() }
        #expect(try strict.exec("echo known", timeout: 10).stdoutString == "known\n")
        let accepting = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: [], acceptNew: true))
        defer { accepting.close() }
        #expect(try accepting.exec("echo known", timeout: 10).stdoutString == "known\n")
        #expect(bytes(user) == content, "a known host must not be added again")
        #expect(accepting.takeNotices().isEmpty)
    }

    @Test func aChangedKeyInANonUTF8FileIsRefusedWithAcceptNewAndTheFileUntouched() throws {
        let user = keys.file("known_hosts")
        let impostor = try makeKey(keys, "impostor", type: "ed25519")
        let pub = try String(contentsOfFile: impostor + ".pub", encoding: .utf8).split(separator: " ")
        let content = Array("# Zürich in Latin-1: Z".utf8) + [0xFC, 10] + Array("\(name) \(pub[0]) \(pub[1])\n".utf8)
        #expect(FileManager.default.createFile(atPath: user, contents: Data(content)))
        let c = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: [], acceptNew: true))
        defer { c.close() }
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
            if case .hostKeyChanged(let h, _, _, let f, let line) = e { return h == name && f == user && line == 2 }
            return false
        }
        #expect(bytes(user) == content)
    }

    @Test func anUnreadableKnownHostsFileIsAnErrorNotAnEmptyFile() throws {
        // A directory where a file should be: open works, read fails (also as root, where
        // chmod 000 would not stop us).
        let broken = keys.file("broken_known_hosts")
        try FileManager.default.createDirectory(atPath: broken, withIntermediateDirectories: false)
        try keys.write("global", try server.knownHostsLines())
        for acceptNew in [false, true] {
            let c = connect(server, key: key, policy: HostKeyPolicy(files: [broken], globalFiles: [keys.file("global")],
                                                                    acceptNew: acceptNew))
            defer { c.close() }
            expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
                if case .hostKeyFileError(let f, let reason) = e { return f == broken && reason.contains("cannot be read") }
                return false
            }
        }
    }

    @Test func acceptNewHashesWhenAskedWritesAtomicallyAndReportsTheFingerprint() throws {
        let user = keys.file("sub/known_hosts")
        let c = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: [], hashKnownHosts: true, acceptNew: true))
        defer { c.close() }
        #expect(try c.exec("echo in", timeout: 10).stdoutString == "in\n")
        let text = keys.read("sub/known_hosts")
        #expect(text.hasPrefix("|1|"))
        #expect(!text.contains("127.0.0.1"))
        #expect(text.split(separator: "\n").count == 1)
        var st = stat()
        #expect(stat(user, &st) == 0 && st.st_mode & 0o777 == 0o600)
        let fp = try server.fingerprint("ed25519")
        #expect(c.takeNotices() == ["accepted new host key for \(name): ssh-ed25519 \(fp), recorded in \(user) (hashed)"])
        // ssh itself finds the hashed entry.
        #expect(try sh(["ssh-keygen", "-F", name, "-f", user]).contains("found: line 1"))
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: keys.file("sub")) == ["known_hosts"])

        let again = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: []))
        defer { again.close() }
        #expect(try again.exec("echo known", timeout: 10).stdoutString == "known\n")
    }

    @Test func acceptNewKeepsCommentsAndTheModeOfAnExistingFile() throws {
        let user = keys.file("known_hosts")
        let original = "# comment\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc3UFMHlkMGT1yrpEZ0SbzK9NlW1E7hO3M8y2Lzu1RM"
        try keys.write("known_hosts", original, mode: 0o640)
        let c = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: [], acceptNew: true))
        defer { c.close() }
        _ = try c.exec("true", timeout: 10)
        let after = keys.read("known_hosts")
        #expect(after == original + "\n\(name) \(try hostKey())\n")
        var st = stat()
        #expect(stat(user, &st) == 0 && st.st_mode & 0o777 == 0o640)
    }

    @Test func wildcardsAndNegationsAreHonoured() throws {
        let user = keys.file("known_hosts")
        try keys.write("known_hosts", "[127.0.0.?]:*,other \(try hostKey())\n")
        let c = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: []))
        defer { c.close() }
        #expect(try c.exec("echo wild", timeout: 10).stdoutString == "wild\n")

        try keys.write("known_hosts", "*,!\(name) \(try hostKey())\n")
        let negated = connect(server, key: key, policy: HostKeyPolicy(files: [user], globalFiles: []))
        defer { negated.close() }
        expectSSHError({ _ = try negated.exec("true", timeout: 10) }) {
            if case .hostKeyUnknown = $0 { return true }
            return false
        }
    }

    @Test func rsaHostKeyIsCheckedWithSHA2Signatures() throws {
        // OpenSSH 8.8+ no longer signs with ssh-rsa (SHA-1): only rsa-sha2-* work.
        let rsaServer = try TestSSHD(authorized: [key], hostKeyTypes: ["rsa"])
        let kh = keys.file("rsa_known_hosts")
        try rsaServer.knownHostsLines().write(toFile: kh, atomically: false, encoding: .utf8)
        let c = connect(rsaServer, key: key, policy: HostKeyPolicy(files: [kh], globalFiles: []))
        defer { c.close() }
        if LibSSH2.supportsRSASHA2 {
            #expect(try c.exec("echo rsa host", timeout: 10).stdoutString == "rsa host\n")
        } else {
            // libssh2 1.10 has no rsa-sha2: say so instead of "the key may have changed".
            expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
                guard case .handshakeFailed = e else { return false }
                return e.description.contains("libssh2 1.11") && e.description.contains("ssh-keyscan -t ed25519")
            }
        }
        #expect(KnownHosts.methods(forKeyType: "ssh-rsa") == ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"])
    }
}

@Suite("known_hosts reader")
struct KnownHostsReaderTests {
    @Test func hmacSHA1MatchesRFC2202() {
        let mac = HMACSHA1.mac(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
        #expect(mac.map { String(format: "%02x", $0) }.joined() == "b617318655057264e28bc0b6fb378c8ef146be00")
        let long = HMACSHA1.mac(key: [UInt8](repeating: 0xaa, count: 80),
                                message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        #expect(long.map { String(format: "%02x", $0) }.joined() == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
    }

    @Test func hashedLinesFromSSHKeygenMatchOnlyTheirHost() throws {
        let dir = try TempDir()
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc3UFMHlkMGT1yrpEZ0SbzK9NlW1E7hO3M8y2Lzu1RM"
        try dir.write("kh", "node1.example,[10.0.0.1]:2222 \(key)\n")
        try sh(["ssh-keygen", "-H", "-f", dir.file("kh")])
        let kh = try KnownHosts.load(files: [dir.file("kh")])
        #expect(kh.entries.allSatisfy { $0.hosts.hasPrefix("|1|") })
        #expect(kh.knownKeyTypes(for: "node1.example").map(\.method) == ["ssh-ed25519"])
        #expect(kh.knownKeyTypes(for: "[10.0.0.1]:2222").map(\.method) == ["ssh-ed25519"])
        #expect(kh.knownKeyTypes(for: "node2.example").isEmpty)
        #expect(kh.knownKeyTypes(for: "10.0.0.1").isEmpty)
    }

    @Test func aKeyWhoseTypeDisagreesWithItsFieldIsIgnored() throws {
        var kh = KnownHosts()
        try kh.add(bytes: Array("h ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIHc3UFMHlkMGT1yrpEZ0SbzK9NlW1E7hO3M8y2Lzu1RM\n".utf8), file: "f")
        #expect(kh.entries.isEmpty)
    }

    @Test func globsFollowOpenSSH() {
        func m(_ p: String, _ s: String) -> Bool { Glob.matches(Array(p.utf8), Array(s.utf8)) }
        #expect(m("*", "anything"))
        #expect(m("node?.example", "node1.example"))
        #expect(!m("node?.example", "node10.example"))
        #expect(m("*.example", "a.b.example"))
        #expect(!m("*.example", "example"))
        #expect(m("a*b*c", "aXXbYYc"))
        #expect(!m("a*b*c", "aXXbYY"))
    }
}
