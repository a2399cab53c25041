import Foundation
import PacetopCore
import PacetopSSH
import Testing
import PacetopTestSupport
@testable import PacetopSource

let localUser: String = String(cString: getpwuid(getuid())!.pointee.pw_name)

/// A fake cluster node: a real sshd whose ForceCommand script plays crm_mon, cibadmin,
/// crm_resource and what Corosync says (`cat corosync.conf`, `corosync-cmapctl`, `crm_node -l`)
/// from files the test controls, and logs every command it gets.
final class FakeNode: @unchecked Sendable {
    let name: String
    let sshd: TestSSHD
    var dir: TempDir { sshd.dir }

    init(_ name: String, key: String, status: String, legacy: Bool = false, address: String = "127.0.0.1",
         port: Int? = nil, corosync: String? = nil, cmap: String? = nil) throws {
        let d = try TempDir()
        try status.write(toFile: d.file("status.xml"), atomically: true, encoding: .utf8)
        try constraintsXML.write(toFile: d.file("constraints.xml"), atomically: true, encoding: .utf8)
        if legacy { try "".write(toFile: d.file("legacy"), atomically: true, encoding: .utf8) }
        if let corosync { try d.write("corosync.conf", corosync) }
        if let cmap { try d.write("cmap.txt", cmap) }
        try d.write("node.sh", """
            #!/bin/sh
            d=\(d.path)
            echo "$SSH_ORIGINAL_COMMAND" >> $d/commands.log
            case "$SSH_ORIGINAL_COMMAND" in
              *crm_mon*--output-as=xml*)
                if [ -f $d/legacy ]; then echo "crm_mon: unrecognized option '--output-as=xml'" >&2; exit 64; fi
                if [ -f $d/notconnected ]; then echo "crm_mon: Error: cluster is not available on this node" >&2; exit 102; fi
                cat $d/status.xml ;;
              *crm_mon*--as-xml*) cat $d/status.xml ;;
              *"cibadmin --query --scope constraints") cat $d/constraints.xml ;;
              *"crm_attribute --type crm_config --name cluster-name --query --quiet") echo "fakecluster" ;;
              *"cat /etc/corosync/corosync.conf") cat $d/corosync.conf || exit 1 ;;
              *corosync-cmapctl) cat $d/cmap.txt 2>/dev/null || { echo "Failed to initialize the cmap API. Error CS_ERR_ACCESS" >&2; exit 1; } ;;
              *"crm_node -l") echo "crm_node: connection refused" >&2; exit 102 ;;
              *crm_resource*) while [ -f $d/slow ]; do sleep 0.05; done; echo "ran on \(name)"; exit 0 ;;
              *) echo "unexpected: $SSH_ORIGINAL_COMMAND" >&2; exit 99 ;;
            esac

            """, mode: 0o755)
        self.name = name
        // The script lives in a dir that outlives sshd's own temp dir.
        scriptDir = d
        sshd = try TestSSHD(address: address, authorized: [key], extra: "ForceCommand \(d.file("node.sh"))", port: port)
    }

    let scriptDir: TempDir
    var commands: [String] { scriptDir.read("commands.log").split(separator: "\n").map(String.init) }
    func setStatus(_ xml: String) throws { try xml.write(toFile: scriptDir.file("status.xml"), atomically: true, encoding: .utf8) }
    func flag(_ name: String, _ on: Bool) throws {
        if on { try "".write(toFile: scriptDir.file(name), atomically: true, encoding: .utf8) } else { unlink(scriptDir.file(name)) }
    }
}

/// Two (or more) fake nodes and a resolver that maps node names to them.
struct FakeCluster {
    let keys: TempDir
    let key: String
    let nodes: [FakeNode]
    let knownHosts: String

    /// `loopback`: node i listens on 127.0.0.(i+1), all on one port, as real nodes share port
    /// 22 on their own addresses; every node serves `corosync` (or `cmap`) when given.
    init(_ names: [String] = ["node1", "node2"], passphrase: String = "", loopback: Bool = false,
         corosync: String? = nil, cmap: String? = nil, status: (String) -> String = { _ in statusXML() }) throws {
        keys = try TempDir()
        key = try makeKey(keys, "id_ed25519", type: "ed25519", passphrase: passphrase)
        let k = key
        let port = loopback ? freePort() : nil
        nodes = try names.enumerated().map { i, n in
            try FakeNode(n, key: k, status: status(n), address: loopback ? "127.0.0.\(i + 1)" : "127.0.0.1", port: port,
                         corosync: corosync, cmap: cmap)
        }
        knownHosts = keys.file("known_hosts")
        try nodes.map { try $0.sshd.knownHostsLines() }.joined().write(toFile: knownHosts, atomically: true, encoding: .utf8)
    }

    func resolver(connectTimeout: Double = 10, alive: Double = 1) -> SSHClusterSource.Resolver {
        let ports = Dictionary(uniqueKeysWithValues: nodes.map { ($0.name, $0.sshd.port) })
        let key = self.key, kh = knownHosts
        return { (name: String) throws(SSHError) -> ResolvedTarget in
            guard let port = ports[name] else { throw .resolveFailed(host: name, reason: "not in this test") }
            let ep = SSHEndpoint(name: name, host: "127.0.0.1", port: port, user: localUser, identityFiles: [key])
            return ResolvedTarget(target: SSHTarget(endpoint: ep, connectTimeout: connectTimeout, serverAliveInterval: alive,
                                                    serverAliveCountMax: 3),
                                  hostKeys: HostKeyPolicy(files: [kh], globalFiles: []), agentSocket: nil,
                                  useAgent: false, warnings: [])
        }
    }

    func source(_ given: [String] = ["node1"], sudo: Bool = false,
                passphrase: PassphraseProvider? = nil) throws -> SSHClusterSource {
        try SSHClusterSource(nodes: given, resolver: resolver(), interval: 0.5, sudo: sudo, useAgent: false,
                             passphraseProvider: passphrase, commandTimeout: 15)
    }
}

@Suite("SSHClusterSource against real sshds", .serialized, .enabled(if: TestEnv.sshdAvailable, Comment(rawValue: TestEnv.skipReason)))
struct SSHClusterSourceTests {
    @Test func pollParsesStatusAndFetchesConstraintsOnlyWhenTheCIBChanges() throws {
        let cluster = try FakeCluster(["node1"], status: { _ in statusXML(nodes: ["node1"]) })
        let source = try cluster.source()
        defer { source.close() }
        #expect(source.label == "ssh \(localUser)@node1")
        let first = source.poll()
        #expect(first.via == "node1")
        let status = try first.result.get()
        #expect(status.summary.dc == "node1")
        #expect(status.cliConstraints?.map(\.id) == ["cli-prefer-pbx", "cli-ban-vip-on-node1", "cli-prefer-ebs", "cli-ban-a&b-on-n"])
        #expect(try source.poll().result.get().cliConstraints?.count == 4)
        let node = cluster.nodes[0]
        #expect(node.commands.filter { $0.contains("cibadmin") }.count == 1)
        #expect(status.clusterName == "fakecluster", "from crm_attribute: this node has no corosync.conf")
        // Absolute paths, no `env`; only the constraints and the cluster's name from the CIB
        // (never --scope configuration, which holds fence-device passwords).
        #expect(Array(node.commands.prefix(4)) == [
            "TZ=UTC LC_ALL=C /usr/sbin/crm_mon --output-as=xml",
            "TZ=UTC LC_ALL=C /usr/sbin/cibadmin --query --scope constraints",
            "TZ=UTC LC_ALL=C /usr/sbin/crm_attribute --type crm_config --name cluster-name --query --quiet",
            "/bin/cat /etc/corosync/corosync.conf",
        ])
        #expect(!node.commands.contains { $0.contains("configuration") })
        try node.setStatus(statusXML(lastChange: "Mon Nov 24 11:11:11 2026", nodes: ["node1"]))
        _ = source.poll()
        #expect(node.commands.filter { $0.contains("cibadmin") }.count == 2)
    }

    @Test func oldPacemakerSwitchesToAsXMLForGood() throws {
        let cluster = try FakeCluster(["node1"], status: { _ in statusXML(nodes: ["node1"]) })
        try cluster.nodes[0].flag("legacy", true)
        let source = try cluster.source()
        defer { source.close() }
        #expect(try source.poll().result.get().summary.dc == "node1")
        #expect(try source.poll().result.get().summary.dc == "node1")
        let crm = cluster.nodes[0].commands.filter { $0.contains("crm_mon") }
        #expect(crm.filter { $0.hasSuffix("--output-as=xml") }.count == 1)
        #expect(crm.filter { $0.hasSuffix("--as-xml") }.count == 2)
    }

    @Test func failsOverToALearnedNodeAndComesBack() throws {
        let cluster = try FakeCluster()
        let source = try cluster.source(["node1"])
        defer { source.close() }
        #expect(source.poll().via == "node1")
        #expect(source.nodeNames == ["node1", "node2"], "node2 is learned from crm_mon")

        cluster.nodes[0].sshd.stop()
        let outcome = source.poll()
        #expect(outcome.via == "node2", "the same poll moves on to the next node")
        #expect(try outcome.result.get().summary.dc == "node1")
        // Whichever comes first: the session's end seen between polls, or the poll's own try.
        #expect(outcome.notes.contains { $0.hasPrefix("node1 not answering (") || $0.hasPrefix("ssh to node1 lost: ") },
                "\(outcome.notes)")
        #expect(outcome.notes.contains("now reading from node2"))
        #expect(source.poll().via == "node2")

        // Node 1 returns: preferred again once its backoff has passed.
        try cluster.nodes[0].sshd.start()
        var back: PollOutcome?
        for _ in 0..<40 {
            let o = source.poll()
            if o.via == "node1", case .success = o.result { back = o; break }
            usleep(200_000)
        }
        #expect(back?.notes.contains("now reading from node2") == false)
        #expect(back?.notes.contains("now reading from node1") == true)
    }

    @Test func firstNodeRefusedFailsOverWithANote() throws {
        let cluster = try FakeCluster()
        cluster.nodes[0].sshd.stop()
        let source = try cluster.source(["node1", "node2"])
        defer { source.close() }
        let o = source.poll()
        #expect(o.via == "node2")
        #expect(o.notes.contains("node1 not answering (connect refused)"))
    }

    @Test func aHungNodeFailsOverWithinIntervalPlusConnectTimeout() throws {
        let cluster = try FakeCluster(["node2"], status: { _ in statusXML(dc: "node2", nodes: ["node1", "node2"]) })
        // node1 accepts TCP and never speaks SSH: a hung sshd, or a half-dead VM.
        let hung = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(hung) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(hung, $0, len) + listen(hung, 8) + getsockname(hung, $0, &len) }
        }
        let hungPort = Int(UInt16(bigEndian: addr.sin_port))
        let real = cluster.resolver(connectTimeout: 1)
        let resolver: SSHClusterSource.Resolver = { (name: String) throws(SSHError) -> ResolvedTarget in
            var r = try real("node2")
            if name == "node1" {
                r.target.endpoint = SSHEndpoint(name: "node1", host: "127.0.0.1", port: hungPort, user: localUser)
            }
            return r
        }
        let source = try SSHClusterSource(nodes: ["node1", "node2"], resolver: resolver, interval: 0.5, useAgent: false,
                                          commandTimeout: 3)
        defer { source.close() }
        // The handshake's own timeout (1 s), not the command's (3 s), ends node1's attempt.
        let o = source.poll()
        #expect(o.via == "node2")
        #expect(try o.result.get().summary.dc == "node2")
        #expect(o.notes.contains("node1 not answering (timed out: SSH handshake)"))
    }

    @Test func notConnectedCrmMonFailsOver() throws {
        let cluster = try FakeCluster()
        try cluster.nodes[0].flag("notconnected", true)
        let source = try cluster.source(["node1", "node2"])
        defer { source.close() }
        let o = source.poll()
        #expect(o.via == "node2")
        #expect(o.notes.contains("node1 not answering (crm_mon not connected to the cluster)"))
    }

    @Test func aPartitionedNodeDoesNotHideTheQuorateSide() throws {
        let cluster = try FakeCluster(status: { name in
            name == "node1" ? statusXML(dc: "node1", quorum: false) : statusXML(dc: "node2", quorum: true)
        })
        // Only node1 is given: node2 is learned from node1's (non-quorate) view in the same poll.
        let source = try cluster.source(["node1"])
        defer { source.close() }
        let o = source.poll()
        #expect(o.via == "node2")
        #expect(try o.result.get().summary.quorum == true)
        #expect(o.notes.contains("node1 has no quorum; looking for a node that has"))

        // Nobody has quorum: show the first one's view and say so.
        try cluster.nodes[1].setStatus(statusXML(dc: "node2", quorum: false))
        let none = source.poll()
        #expect(none.via == "node1")
        #expect(none.notes.contains("no node with quorum answered; showing node1's view"))
    }

    @Test func hostKeyRefusalIsLoudAndTheNodeIsNotUsed() throws {
        let cluster = try FakeCluster()
        // node1's entry is replaced by someone else's key.
        let impostor = try makeKey(cluster.keys, "impostor", type: "ed25519")
        let pub = try String(contentsOfFile: impostor + ".pub", encoding: .utf8).split(separator: " ")
        try ("[127.0.0.1]:\(cluster.nodes[0].sshd.port) \(pub[0]) \(pub[1])\n" + cluster.nodes[1].sshd.knownHostsLines())
            .write(toFile: cluster.knownHosts, atomically: true, encoding: .utf8)
        let source = try cluster.source(["node1", "node2"])
        defer { source.close() }
        let first = source.poll()
        guard case .failure(let e) = first.result else { Issue.record("a changed host key must fail the poll"); return }
        #expect(e.kind == .hostKey)
        #expect(e.message.contains("HAS CHANGED"))
        #expect(OnceExitCode.forFailure(e) == .hostKeyRefused)
        let second = source.poll()
        #expect(second.via == "node2")
        #expect(second.notes.contains { $0.hasPrefix("node1 is not used: WARNING: HOST KEY OF") })
    }

    @Test func performRunsOnTheCurrentNodeWithSudo() throws {
        let cluster = try FakeCluster()
        let source = try cluster.source(["node1", "node2"], sudo: true)
        defer { source.close() }
        _ = source.poll()
        let command = try PreparedAction(.move(resource: "pbx", node: "node2"), remote: source.remote, node: "node1")
        let line = command.commandLine
        // sudo keeps TZ and LC_* (its env_check list), so the sudoers rule names the tool itself.
        #expect(line == "TZ=UTC LC_ALL=C sudo -n /usr/sbin/crm_resource --move -r pbx -N node2")
        #expect(cluster.nodes[0].commands.contains("TZ=UTC LC_ALL=C sudo -n /usr/sbin/crm_mon --output-as=xml"))
        let outcome = source.perform(command)
        #expect(outcome.succeeded)
        #expect(outcome.via == "node1")
        #expect(outcome.stdout == "ran on node1\n")
        #expect(outcome.commandLine == line)
        #expect(cluster.nodes[0].commands.contains(line))

        #expect(throws: ActionError.self) { try PreparedAction(.restart(resource: "-rf"), remote: source.remote, node: "node1") }
    }

    /// The pane was shown for node1; node1 died and polls moved to node2. Confirming must not
    /// run the command on node2 behind the user's back: it is refused and nothing is sent.
    @Test func aCommandPreparedForANodeThatIsGoneIsNotSent() throws {
        let cluster = try FakeCluster()
        let source = try cluster.source(["node1", "node2"])
        defer { source.close() }
        #expect(source.poll().via == "node1")
        let command = try PreparedAction(.restart(resource: "pbx"), remote: source.remote, node: "node1")
        cluster.nodes[0].sshd.stop()
        #expect(source.poll().via == "node2")
        let outcome = source.perform(command)
        #expect(!outcome.sent)
        #expect(outcome.error?.contains("node1 is no longer the node pacetop reads from (now node2); the command was not sent") == true)
        #expect(outcome.auditResult.hasPrefix("not sent: "))
        #expect(outcome.summary.contains("not sent"))
        #expect(!cluster.nodes[1].commands.contains(command.commandLine), "nothing reached node2")

        // Prepared again for node2 (what the pane shows after it follows the poll), it runs there.
        let again = source.perform(try PreparedAction(.restart(resource: "pbx"), remote: source.remote, node: "node2"))
        #expect(again.succeeded)
        #expect(again.via == "node2")
        #expect(cluster.nodes[1].commands.contains(command.commandLine))
    }

    /// A line that is not what this source would build for the action is refused.
    @Test func aCommandLineThatDoesNotMatchItsActionIsNotSent() throws {
        let cluster = try FakeCluster()
        let source = try cluster.source(["node1"])
        defer { source.close() }
        _ = source.poll()
        var command = try PreparedAction(.restart(resource: "pbx"), remote: source.remote, node: "node1")
        command.commandLine += "; reboot"
        let outcome = source.perform(command)
        #expect(!outcome.sent)
        #expect(!cluster.nodes[0].commands.contains(command.commandLine))
    }

    @Test func pollsKeepRunningDuringALongAction() throws {
        let cluster = try FakeCluster()
        try cluster.nodes[0].flag("slow", true)
        let source = try cluster.source(["node1"])
        defer { source.close() }
        _ = source.poll()
        let done = Box()
        let command = try PreparedAction(.restart(resource: "pbx"), remote: source.remote, node: "node1")
        let t = Thread { done.set(source.perform(command)) }
        t.start()
        // Polls complete while the restart has been sent and is still running.
        let sent = Date().addingTimeInterval(10)
        while !cluster.nodes[0].commands.contains(command.commandLine), Date() < sent { usleep(20_000) }
        for _ in 0..<3 {
            let o = source.poll()
            #expect(o.via == "node1")
            #expect(throws: Never.self) { try o.result.get() }
        }
        #expect(done.get() == nil, "the restart is still running")
        try cluster.nodes[0].flag("slow", false)  // now let it finish
        let deadline = Date().addingTimeInterval(30)
        while done.get() == nil, Date() < deadline { usleep(20_000) }
        #expect(done.get()?.succeeded == true)
        #expect(done.get()?.stdout == "ran on node1\n")
    }

    @Test func aPassphraseIsAskedOnceForAllNodesAndNeverAfterTheScreenStarts() throws {
        let cluster = try FakeCluster(passphrase: "s3cret")
        let asked = Counter()
        let provider: PassphraseProvider = { _, _ in asked.add(); return "s3cret" }
        let source = try cluster.source(["node1", "node2"], passphrase: provider)
        defer { source.close() }
        try source.connectFirst()
        #expect(asked.value == 1)
        source.stopPrompting()
        #expect(source.poll().via == "node1")
        cluster.nodes[0].sshd.stop()
        let o = source.poll()
        #expect(o.via == "node2", "the failover reuses the passphrase typed before the screen started")
        #expect(asked.value == 1)

        let late = try cluster.source(["node1", "node2"], passphrase: provider)
        defer { late.close() }
        late.stopPrompting()
        guard case .failure(let e) = late.poll().result else { Issue.record("expected a login failure"); return }
        #expect(e.kind == .connect)
        #expect(e.message.contains("ssh-add"))
        #expect(asked.value == 1)
    }

    @Test func makeReadsAnSSHConfigFileWithIncludeAndMatchThroughBothReaders() throws {
        let cluster = try FakeCluster(["node1"], status: { _ in statusXML(nodes: ["node1"]) })
        let cfg = cluster.keys.file("ssh_config")
        try """
            Host pbx1
                HostName 127.0.0.1
                Port \(cluster.nodes[0].sshd.port)
                IdentityFile \(cluster.key)
                StrictHostKeyChecking no
            Match host 127.0.0.1
                User \(localUser)
            Match all
                User nobody

            """.write(toFile: cfg, atomically: true, encoding: .utf8)
        try "Include \(cfg)\nHost *\n    UserKnownHostsFile \(cluster.knownHosts)\n"
            .write(toFile: cluster.keys.file("main"), atomically: true, encoding: .utf8)
        var readers: [SSHResolver.Reader] = [.builtin(systemFile: nil)]
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh") { readers.append(.openSSH("/usr/bin/ssh")) }
        for reader in readers {
            let source = try SSHClusterSource.make(SSHSourceOptions(nodes: ["pbx1"], sshConfigFile: cluster.keys.file("main"),
                                                                    interval: 1, configReader: reader, useAgent: false,
                                                                    passphraseProvider: nil))
            defer { source.close() }
            #expect(source.warnings.contains { $0.contains("StrictHostKeyChecking no is treated as ask") }, "\(reader)")
            let o = source.poll()
            #expect(o.via == "pbx1", "\(reader)")
            #expect(try o.result.get().summary.dc == "node1", "\(reader)")
        }

        #expect(throws: SourceError.self) { try SSHClusterSource.make(SSHSourceOptions(nodes: [])) }
        #expect(throws: SourceError(.connect, "--interval must be at least 0.5 s (got 0.1)")) {
            try SSHClusterSource.make(SSHSourceOptions(nodes: ["x"], interval: 0.1))
        }
        #expect(throws: SourceError(.connect, "--accept-new contradicts -o StrictHostKeyChecking=yes")) {
            try SSHClusterSource.make(SSHSourceOptions(nodes: ["x"], options: ["StrictHostKeyChecking=yes"], acceptNew: true))
        }
        #expect(SSHSourceOptions.problem(withOption: "StrictHostKeyChecking=no")?.contains("always checks host keys") == true)
        #expect(SSHSourceOptions.problem(withOption: "StrictHostKeyChecking=accept-new") == nil)
    }

    /// `--connect-timeout 2` (a Double) must reach ssh -G as a time value it accepts, not "2.0".
    @Test func connectTimeoutFlagIsAcceptedByBothReaders() throws {
        let cluster = try FakeCluster(["node1"], status: { _ in statusXML(nodes: ["node1"]) })
        let cfg = cluster.keys.file("ssh_config")
        try "Host pbx1\n    HostName 127.0.0.1\n    Port \(cluster.nodes[0].sshd.port)\n    IdentityFile \(cluster.key)\n    UserKnownHostsFile \(cluster.knownHosts)\n"
            .write(toFile: cfg, atomically: true, encoding: .utf8)
        var readers: [SSHResolver.Reader] = [.builtin(systemFile: nil)]
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh") { readers.append(.openSSH("/usr/bin/ssh")) }
        for reader in readers {
            for t in [2.0, 1.5] {
                let source = try SSHClusterSource.make(SSHSourceOptions(nodes: ["pbx1"], sshConfigFile: cfg, interval: 1,
                                                                        connectTimeout: t, configReader: reader,
                                                                        useAgent: false, passphraseProvider: nil))
                defer { source.close() }
                #expect(source.poll().via == "pbx1", "\(reader) \(t)")
            }
        }
        for bad in [Double.infinity, .nan, 0, -1] {
            #expect(throws: SourceError.self) { try SSHClusterSource.make(SSHSourceOptions(nodes: ["x"], connectTimeout: bad)) }
        }
    }
}

final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ActionOutcome?
    func set(_ v: ActionOutcome) { lock.lock(); value = v; lock.unlock() }
    func get() -> ActionOutcome? { lock.lock(); defer { lock.unlock() }; return value }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
