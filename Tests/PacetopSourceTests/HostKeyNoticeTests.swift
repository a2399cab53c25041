import Foundation
import PacetopCore
import PacetopSSH
import Testing
import PacetopTestSupport
@testable import PacetopSource

@Suite("Accepted host keys are announced", .serialized, .enabled(if: TestEnv.sshdAvailable, Comment(rawValue: TestEnv.skipReason)))
struct HostKeyNoticeTests {
    @Test func anAcceptedKeyIsInTheNextPollsNotesOnceAndInTheSourcesList() throws {
        let keys = try TempDir()
        let key = try makeKey(keys, "id", type: "ed25519")
        let node = try FakeNode("node1", key: key, status: statusXML(nodes: ["node1"]))
        let kh = keys.file("known_hosts")
        let port = node.sshd.port
        let source = try SSHClusterSource(nodes: ["node1"], resolver: { (name: String) throws(SSHError) -> ResolvedTarget in
            let ep = SSHEndpoint(name: name, host: "127.0.0.1", port: port, user: localUser, identityFiles: [key])
            return ResolvedTarget(target: SSHTarget(endpoint: ep, connectTimeout: 2),
                                  hostKeys: HostKeyPolicy(files: [kh], globalFiles: [], acceptNew: true),
                                  agentSocket: nil, useAgent: false, warnings: [])
        }, interval: 0.5, useAgent: false, commandTimeout: 15)
        defer { source.close() }
        // libssh2 picks one of the server's two host keys; the notice names the one it got.
        let expectedOptions = try [("ssh-ed25519", "ed25519"), ("ecdsa-sha2-nistp256", "ecdsa")].map { type, file in
            "accepted new host key for [127.0.0.1]:\(port): \(type) \(try node.sshd.fingerprint(file)), recorded in \(kh)"
        }
        let first = source.poll()
        #expect(try first.result.get().summary.dc == "node1")
        let expected = try #require(first.notes.first { expectedOptions.contains($0) }, "\(first.notes)")
        #expect(source.acceptedHostKeys == [expected])
        #expect(!source.poll().notes.contains(expected), "announced once")
    }
}
