import Foundation
import Testing
import PacetopTestSupport
@testable import PacetopSSH

/// Bounded buffers and key-file hygiene, against a real sshd.
@Suite("SSH limits against a real sshd", .serialized, .enabled(if: TestEnv.sshdAvailable, Comment(rawValue: TestEnv.skipReason)))
struct LimitsTests {
    @Test func aHundredMegabytesOfOutputFailsTheCommandNotTheProcess() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let c = try connect(fixture.server, keys: [fixture.key])
        defer { c.close() }
        let limit = SSHConnection.maxOutputBytes
        #expect(limit == 64 * 1_048_576)
        expectSSHError({ _ = try c.exec("head -c 104857600 /dev/zero", timeout: 60) }) { e in
            e == .outputTooLarge(host: "127.0.0.1", stream: "stdout", limit: limit) && e.description.contains("64 MB")
        }
        expectSSHError({ _ = try c.exec("head -c 104857600 /dev/zero >&2", timeout: 60) }) {
            $0 == .outputTooLarge(host: "127.0.0.1", stream: "stderr", limit: limit)
        }
        // The session survives: only that command failed.
        #expect(try c.exec("echo after", timeout: 10).stdoutString == "after\n")
    }

    @Test func aPrivateKeyOthersCanReadIsIgnoredWithOpenSSHsMessage() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        chmod(fixture.key, 0o644)
        let c = try connect(fixture.server, keys: [fixture.key])
        defer { c.close() }
        expectSSHError({ _ = try c.exec("true", timeout: 10) }) { e in
            e == .keyFileTooOpen(key: fixture.key, mode: "0644")
                && e.description.contains("Permissions 0644 for '\(fixture.key)' are too open.")
                && e.description.contains("This private key will be ignored.")
        }
        #expect(!fixture.server.log.contains("Accepted publickey"))
        chmod(fixture.key, 0o600)
        let ok = try connect(fixture.server, keys: [fixture.key])
        defer { ok.close() }
        #expect(try ok.exec("echo private", timeout: 10).stdoutString == "private\n")
    }
}
