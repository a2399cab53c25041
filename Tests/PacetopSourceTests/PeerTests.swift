import Foundation
import PacetopCore
import PacetopSSH
import Testing
import PacetopTestSupport
@testable import PacetopSource

/// Names that resolve nowhere (RFC 6761 `.invalid`): the operator's machine cannot reach the
/// peers by name, only by the addresses Corosync uses.
let peerNames = ["pt-a.invalid", "pt-b.invalid", "pt-c.invalid"]

/// Node a at 127.0.0.1, b at 127.0.0.2, c with a dead ring0 (nothing listens on 127.0.0.9)
/// and its ring1 at 127.0.0.3.
let peerNodelist: [(String, [String])] = [
    ("pt-a.invalid", ["127.0.0.1"]), ("pt-b.invalid", ["127.0.0.2"]), ("pt-c.invalid", ["127.0.0.9", "127.0.0.3"]),
]

/// An ssh_config with an entry for node 1 only (alias `node1`), as an operator has it.
func seedConfig(_ cluster: FakeCluster, extra: String = "") throws -> String {
    let cfg = cluster.keys.file("ssh_config")
    try """
        Host node1
            HostName 127.0.0.1
            Port \(cluster.nodes[0].sshd.port)
            User \(localUser)
            IdentityFile \(cluster.key)
            IdentitiesOnly yes
            UserKnownHostsFile \(cluster.knownHosts)
            ConnectTimeout 2
        \(extra)
        """.write(toFile: cfg, atomically: true, encoding: .utf8)
    return cfg
}

func seedSource(_ cluster: FakeCluster, acceptNew: Bool = false, memory: PeerMemory? = nil,
                extra: String = "") throws -> SSHClusterSource {
    try SSHClusterSource.make(SSHSourceOptions(nodes: ["node1"], sshConfigFile: try seedConfig(cluster, extra: extra),
                                               acceptNew: acceptNew, interval: 0.5, peerMemory: memory,
                                               useAgent: false, passphraseProvider: nil))
}

@Suite("Peers learned from the cluster, against real sshds", .serialized,
       .enabled(if: TestEnv.sshdAvailable, Comment(rawValue: TestEnv.skipReason)))
struct PeerDiscoveryTests {
    func cluster(corosync: String? = corosyncConf(peerNodelist), cmap: String? = nil,
                 status: (String) -> String = { _ in statusXML(dc: "pt-a.invalid", nodes: peerNames) }) throws -> FakeCluster {
        try FakeCluster(peerNames, loopback: true, corosync: corosync, cmap: cmap, status: status)
    }

    /// Given only node 1 (an alias), whose peers' names do not resolve: when node 1 dies, the
    /// peers are reached at their Corosync ring addresses, with node 1's user, port, key and
    /// known_hosts file, and a dead ring0 falls back to ring1.
    @Test func peersAreReachedAtTheirRingAddressesLikeNodeOne() throws {
        let c = try cluster()
        let source = try seedSource(c)
        defer { source.close() }
        #expect(source.poll().via == "node1")
        #expect(source.nodeNames == ["node1", "pt-b.invalid", "pt-c.invalid"], "pt-a.invalid is node1 itself (same address)")

        c.nodes[0].sshd.stop()
        let o = source.poll()
        #expect(o.via == "pt-b.invalid")
        #expect(try o.result.get().summary.dc == "pt-a.invalid")
        #expect(o.notes.contains("now reading from pt-b.invalid"))
        #expect(c.nodes[1].commands.contains { $0.hasSuffix("crm_mon --output-as=xml") })

        c.nodes[1].sshd.stop()
        let third = source.poll()
        #expect(third.via == "pt-c.invalid", "through ring1 (127.0.0.3): ring0 (127.0.0.9) refuses")
        #expect(throws: Never.self) { try third.result.get() }
    }

    /// Where ssh_config has no nodelist to offer, the running stack is asked.
    @Test func corosyncCmapctlIsTheFallbackWhenCorosyncConfIsUnreadable() throws {
        let cmap = """
            nodelist.local_node_pos (u32) = 0
            nodelist.node.0.name (str) = pt-a.invalid
            nodelist.node.0.nodeid (u32) = 1
            nodelist.node.0.ring0_addr (str) = 127.0.0.1
            nodelist.node.1.name (str) = pt-b.invalid
            nodelist.node.1.nodeid (u32) = 2
            nodelist.node.1.ring0_addr (str) = 127.0.0.2
            runtime.members.3.config_version (u64) = 0
            runtime.members.3.ip (str) = r(0) ip(127.0.0.3)
            runtime.members.3.status (str) = joined

            """
        let c = try cluster(corosync: nil, cmap: cmap)
        let source = try seedSource(c)
        defer { source.close() }
        #expect(source.poll().via == "node1")
        #expect(c.nodes[0].commands.contains { $0.hasSuffix("corosync-cmapctl") })
        c.nodes[0].sshd.stop()
        c.nodes[1].sshd.stop()
        let o = source.poll()
        #expect(o.via == "pt-c.invalid", "node id 3's runtime address, matched to crm_mon's node id")
        #expect(throws: Never.self) { try o.result.get() }
    }

    /// --accept-new is for the nodes the user typed: a peer's unknown key is refused, the
    /// file is not touched.
    @Test func aPeersUnknownKeyIsNeverAcceptedNew() throws {
        let c = try cluster()
        try c.nodes[0].sshd.knownHostsLines().write(toFile: c.knownHosts, atomically: true, encoding: .utf8)
        let before = try String(contentsOfFile: c.knownHosts, encoding: .utf8)
        let source = try seedSource(c, acceptNew: true)
        defer { source.close() }
        #expect(source.poll().via == "node1")
        c.nodes[0].sshd.stop()
        guard case .failure(let e) = source.poll().result else { Issue.record("an unknown peer key must be refused"); return }
        #expect(e.kind == .hostKey)
        #expect(e.message.contains("127.0.0.2"))
        #expect(try String(contentsOfFile: c.knownHosts, encoding: .utf8) == before, "nothing was accepted")
        #expect(c.nodes[1].commands.isEmpty, "no command reached a peer whose key is unknown")
    }

    /// Node names come from the CIB, which anyone with write access to it controls.
    @Test func learnedNamesThatAreNotHostNamesAreNeverConnectedTo() throws {
        let hostile = ["evil@127.0.0.2", "-oProxyCommand=touch%20/tmp/pwned", "x;reboot", "a b", "pt-r.invalid"]
        let conf = corosyncConf([("pt-a.invalid", ["127.0.0.1"]), ("pt-r.invalid", ["127.0.0.2"]),
                                 ("pt-z.invalid", ["127.0.0.2"]), ("pt-y.invalid", ["127.0.0.2 -oProxyCommand=x"])])
        let c = try cluster(corosync: conf) { _ in
            statusXML(dc: "pt-a.invalid", nodes: ["pt-a.invalid", "pt-y.invalid"] + hostile, types: ["pt-r.invalid": "remote"])
        }
        let source = try seedSource(c)
        defer { source.close() }
        let o = source.poll()
        #expect(o.via == "node1")
        // Names that are not host names are refused whole, never split at '@'; a remote node
        // and a node only corosync.conf lists are not connected to; a bad address is dropped.
        #expect(source.nodeNames == ["node1", "pt-y.invalid"])
        for name in ["evil@127.0.0.2", "-oProxyCommand=touch%20/tmp/pwned", "x;reboot", "a b", "127.0.0.2 -oProxyCommand=x"] {
            #expect(o.notes.contains("not connecting to \(name.debugDescription), which the cluster names: not a plain host name or address"))
        }
        #expect(source.poll().notes.allSatisfy { !$0.hasPrefix("not connecting") }, "said once")
        c.nodes[0].sshd.stop()
        _ = source.poll()
        #expect(c.nodes[1].commands.isEmpty, "nothing reached 127.0.0.2")
    }

    /// A pacetop started after node 1 died still finds the others: peers are remembered per
    /// cluster in a 0600 file.
    @Test func rememberedPeersAreTriedWhenNodeOneIsAlreadyDead() throws {
        let c = try cluster()
        let state = try TempDir()
        let memory = PeerMemory(path: state.file("pacetop/peers.json"))
        do {
            let first = try seedSource(c, memory: memory)
            defer { first.close() }
            #expect(first.poll().via == "node1")
        }
        var st = stat()
        #expect(stat(memory.path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        let saved = state.read("pacetop/peers.json")
        #expect(saved.contains("fakecluster") && saved.contains("pt-b.invalid") && saved.contains("127.0.0.2"))

        c.nodes[0].sshd.stop()
        let late = try seedSource(c, memory: memory)
        defer { late.close() }
        #expect(late.nodeNames == ["node1", "pt-b.invalid", "pt-c.invalid"])
        let o = late.poll()
        #expect(o.via == "pt-b.invalid")
        #expect(throws: Never.self) { try o.result.get() }

        // Without the memory, the same start is blind.
        let blind = try seedSource(c)
        defer { blind.close() }
        guard case .failure = blind.poll().result else { Issue.record("no peers known: the poll must fail"); return }
    }
}

/// Backoff and the words of notes, with a clock the test moves.
@Suite("Reconnect backoff against real sshds", .serialized,
       .enabled(if: TestEnv.sshdAvailable, Comment(rawValue: TestEnv.skipReason)))
struct BackoffTests {
    final class ManualClock: @unchecked Sendable {
        private let lock = NSLock()
        private let start = ContinuousClock.now
        private var offset = Duration.zero
        func advance(_ seconds: Double) { lock.withLock { offset += .milliseconds(Int64(seconds * 1000)) } }
        func set(_ seconds: Double) { lock.withLock { offset = .milliseconds(Int64(seconds * 1000)) } }
        func now() -> ContinuousClock.Instant { lock.withLock { start + offset } }
    }

    /// A dead node is tried 1, 2, 4 … 30 s apart, always in the same words; the node after it
    /// is read every poll meanwhile; its return is one note.
    @Test func aDeadNodeIsRetriedWithBackoffWithoutDelayingTheOthers() throws {
        let c = try FakeCluster()
        let clock = ManualClock()
        let source = try SSHClusterSource(nodes: ["node1", "node2"], resolver: c.resolver(), interval: 0.5, useAgent: false,
                                          commandTimeout: 20, clock: { clock.now() })
        defer { source.close() }
        c.nodes[0].sshd.stop()
        // Just before and at each expected retry (1, 2, 4 … then 30 s apart), and between.
        let times: [Double] = [0, 0.5, 0.9, 1, 2, 2.9, 3, 5, 6.9, 7, 10, 14.9, 15, 20, 25, 30.9, 31, 45, 60.9, 61, 75, 90.9]
        var tried: [Double] = []
        var noteTexts = Set<String>()
        for t in times {
            clock.set(t)
            let o = source.poll()
            #expect(o.via == "node2")
            #expect(throws: Never.self) { try o.result.get() }
            for n in o.notes where n.hasPrefix("node1") { tried.append(t); noteTexts.insert(n) }
        }
        #expect(tried == [0, 1, 3, 7, 15, 31, 61])
        #expect(noteTexts == ["node1 not answering (connect refused)"])

        try c.nodes[0].sshd.start()
        clock.set(91)
        let back = source.poll()
        #expect(back.via == "node1")
        #expect(back.notes == ["now reading from node1"], "its return is one note")
    }

    /// Every node down: the poll failure reads the same each poll (tried or waiting), and the
    /// first answer afterwards is one note.
    @Test func allDownReadsTheSameEachPollAndRecoveryIsOneNote() throws {
        let c = try FakeCluster(["node1"], status: { _ in statusXML(nodes: ["node1"]) })
        let clock = ManualClock()
        let source = try SSHClusterSource(nodes: ["node1"], resolver: c.resolver(), interval: 0.5, useAgent: false,
                                          commandTimeout: 20, clock: { clock.now() })
        defer { source.close() }
        #expect(source.poll().via == "node1")
        c.nodes[0].sshd.stop()
        var messages = Set<String>()
        for _ in 0..<12 {
            guard case .failure(let e) = source.poll().result else { Issue.record("node1 is down"); return }
            // The session's own end may be seen first (between polls): said once, then the
            // reason every later try gives.
            if !e.message.hasPrefix("connection to node1 lost:") { messages.insert(e.message) }
            clock.advance(0.5)
        }
        #expect(messages.count == 1, "\(messages)")
        try c.nodes[0].sshd.start()
        clock.advance(30)
        let o = source.poll()
        #expect(throws: Never.self) { try o.result.get() }
        #expect(o.notes == ["node1 answering again"])
        #expect(source.poll().notes.isEmpty)
    }
}

@Suite("Corosync's nodelist and how peers are reached")
struct PeerRoutingTests {
    @Test func nodelistRingsAndNamesAreRead() {
        let conf = corosyncConf([("n1", ["10.0.0.1", "192.168.0.1"]), ("n2", ["fe80::2"])])
            + "nodelist {\n  node {\n    ring0_addr: n3 # a name, no name: key\n    nodeid: 3\n  }\n}\n"
        let nodes = CorosyncConfig.nodelist(conf)
        #expect(nodes == [
            CorosyncNode(name: "n1", nodeid: "1", addresses: ["10.0.0.1", "192.168.0.1"]),
            CorosyncNode(name: "n2", nodeid: "2", addresses: ["fe80::2"]),
            CorosyncNode(name: nil, nodeid: "3", addresses: ["n3"]),
        ])
        #expect(CorosyncConfig.clusterName(conf) == "fakecluster")
        #expect(CorosyncConfig.detectionSeconds(conf, nodes: 2) == 6.6)
        #expect(nodes[2].isNode("n3", id: nil))
        #expect(CorosyncConfig.crmNodeList("1 n1 member\n2 n2 lost\n") == [
            CorosyncNode(name: "n1", nodeid: "1", addresses: []), CorosyncNode(name: "n2", nodeid: "2", addresses: []),
        ])
    }

    @Test func addressesAreHostsOrIPLiterals() {
        for ok in ["10.0.0.1", "fe80::1", "::ffff:10.0.0.1", "ip-172-31-16-134", "node2.example.com"] {
            #expect(throws: Never.self) { try Validate.address(ok) }
        }
        for bad in ["user@10.0.0.1", "-oProxyCommand=x", "10.0.0.1 x", "a;b", "", "g::1"] {
            #expect(throws: ActionError.invalidAddress(bad)) { try Validate.address(bad) }
        }
    }

    /// A peer inherits node 1's settings unless ssh_config has an entry of its own for it.
    @Test func aPeerInheritsTheSeedUnlessSSHConfigHasItsOwnEntry() throws {
        let dir = try TempDir("pacetop-peers")
        try dir.write("ssh_config", """
            Host node1
                HostName 10.0.0.1
                User ubuntu
                Port 2222
                IdentityFile /keys/cluster
                ProxyJump jumper
            Host pt-c.invalid
                User other
            Host *
                ServerAliveInterval 7

            """)
        let config = try SSHResolver(configFile: dir.file("ssh_config"), reader: .builtin(systemFile: nil))
        let resolver: SSHClusterSource.Resolver = { (h: String) throws(SSHError) -> ResolvedTarget in
            var r = try config.resolve(h)
            r.hostKeys.acceptNew = true
            return r
        }
        let routes = PeerRoutes(resolver: resolver, seed: try resolver("node1"))
        let b = routes.targets(for: ClusterPeer(name: "pt-b.invalid", addresses: ["10.0.0.2"]))
        #expect(b.map(\.target.endpoint.host) == ["pt-b.invalid", "10.0.0.2"])
        for t in b {
            #expect(t.target.endpoint.user == "ubuntu" && t.target.endpoint.port == 2222)
            #expect(t.target.endpoint.identityFiles == ["/keys/cluster"])
            #expect(t.target.jumps.map(\.host) == ["jumper"], "reached through node 1's jump host")
            #expect(!t.hostKeys.acceptNew)
        }
        let own = routes.targets(for: ClusterPeer(name: "pt-c.invalid", addresses: ["10.0.0.3"]))
        #expect(own[0].target.endpoint.user == "other" && own[0].target.endpoint.port == 22 && own[0].target.jumps.isEmpty)
        #expect(!own[0].hostKeys.acceptNew)
        #expect(own[1].target.endpoint.user == "ubuntu", "the address has no entry of its own")
    }

    @Test func aPeerNeverInheritsTheSeedsProxyCommandOrHostKeyAlias() throws {
        // The seed's ProxyCommand has the seed's name expanded into it, and its HostKeyAlias
        // names the seed's key: inherited as they are, a "peer" would be the seed again.
        let dir = try TempDir("pacetop-peers")
        try dir.write("ssh_config", """
            Host node1
                HostName i-0seed
                HostKeyAlias i-0seed
                ProxyCommand ssm-proxy %h %p
            Host other1
                HostName 10.0.0.1
                ProxyCommand corp-proxy %h %p
            Host *
                User ubuntu

            """)
        let config = try SSHResolver(configFile: dir.file("ssh_config"), reader: .builtin(systemFile: nil))
        let resolver: SSHClusterSource.Resolver = { (h: String) throws(SSHError) -> ResolvedTarget in try config.resolve(h) }
        let routes = PeerRoutes(resolver: resolver, seed: try resolver("node1"))
        for t in routes.targets(for: ClusterPeer(name: "pt-b.invalid", addresses: ["10.0.0.2"])) {
            #expect(t.target.endpoint.proxyCommand == nil, "\(t.target.endpoint)")
            #expect(t.target.endpoint.hostKeyAlias == nil)
            #expect(t.target.endpoint.knownHostsName == t.target.endpoint.host)
        }
        // A ProxyCommand every host gets (Host *) is expanded for the peer itself.
        try dir.write("all", "Host *\n    ProxyCommand corp-proxy %h %p\n")
        let everyone = try SSHResolver(configFile: dir.file("all"), reader: .builtin(systemFile: nil))
        let r2: SSHClusterSource.Resolver = { (h: String) throws(SSHError) -> ResolvedTarget in try everyone.resolve(h) }
        let peers = PeerRoutes(resolver: r2, seed: try r2("node1")).targets(for: ClusterPeer(name: "pt-b.invalid"))
        #expect(peers.map(\.target.endpoint.proxyCommand) == ["corp-proxy pt-b.invalid 22"])
    }
}

