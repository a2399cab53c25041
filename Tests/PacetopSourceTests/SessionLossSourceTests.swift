import Foundation
import PacetopCore
import PacetopSSH
import Testing
import PacetopTestSupport
@testable import PacetopSource

/// The session to the node polls read from breaks between polls (a long interval, so only the
/// break itself can bring the next poll forward): the source asks for a poll at once, and that
/// poll says why and reads from the next node; node 1 is tried again after its backoff.
@Suite("SSHClusterSource: a session lost between polls", .serialized,
       .enabled(if: TestEnv.sshdAvailable, Comment(rawValue: TestEnv.skipReason)))
struct SessionLossSourceTests {
    func source(_ cluster: FakeCluster) throws -> SSHClusterSource {
        // Keepalives every 60 s: they cannot be what notices the loss.
        try SSHClusterSource(nodes: ["node1"], resolver: cluster.resolver(alive: 60), interval: 60, useAgent: false,
                             commandTimeout: 15)
    }

    @Test func aNodeWhoseSSHDiesIsLeftAtOnceForTheNextNode() throws {
        let cluster = try FakeCluster()
        let source = try source(cluster)
        defer { source.close() }
        let wanted = Counter()
        source.whenPollNeeded { wanted.add() }
        #expect(source.poll().via == "node1")
        #expect(source.nodeNames == ["node1", "node2"])
        cluster.nodes[0].sshd.stop()
        #expect(waitUntil(20) { wanted.value > 0 }, "the source asks for a poll without waiting for the interval")
        let o = source.poll()
        #expect(o.via == "node2")
        #expect(try o.result.get().summary.dc == "node1")
        // Killed with unread data in its socket, the server's kernel may answer with a reset.
        let why = ["the server closed the connection", "the connection was reset"]
        #expect(o.notes.contains { n in why.contains { n == "ssh to node1 lost: \($0)" } }, "\(o.notes)")
        #expect(o.notes.contains("now reading from node2"))
        #expect(!o.notes.contains { $0.hasPrefix("node1 not answering") }, "node1 waits out its backoff: \(o.notes)")
        #expect(source.poll().notes.isEmpty, "the loss is said once")
    }

    @Test func theOnlyNodeIsReadAgainAfterItsBackoff() throws {
        let cluster = try FakeCluster(["node1"], status: { _ in statusXML(dc: "node1", nodes: ["node1"]) })
        let source = try source(cluster)
        defer { source.close() }
        let wanted = Counter()
        source.whenPollNeeded { wanted.add() }
        #expect(source.poll().via == "node1")
        // sshd itself stays up: only the session serving pacetop ends.
        cluster.nodes[0].sshd.dropSessions()
        #expect(waitUntil(20) { wanted.value > 0 })
        let o = source.poll()
        let why = ["the server closed the connection", "the connection was reset"]
        #expect(o.notes.contains { n in why.contains { n == "ssh to node1 lost: \($0)" } }, "\(o.notes)")
        guard case .failure(let error) = o.result else { Issue.record("read from a node waiting out its backoff"); return }
        #expect(why.contains { error.message == "connection to node1 lost: \($0)" }, "\(error.message)")
        var back: PollOutcome?
        #expect(waitUntil(20) {
            let p = source.poll()
            if case .success = p.result { back = p; return true }
            return false
        })
        #expect(back?.notes == ["node1 answering again"])
        #expect(wanted.value == 1)
    }
}
