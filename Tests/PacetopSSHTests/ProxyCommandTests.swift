import Foundation
import Testing
import PacetopTestSupport
@testable import PacetopSSH

/// Sessions to real sshds reached the ways ssh_config describes: ProxyCommand (`ssh -W`
/// through a jump sshd), ProxyJump chains whose hops have their own ProxyJump or
/// ProxyCommand. Each case is resolved through both readers (`ssh -G` and pacetop's own).
@Suite("ProxyCommand and jump chains against real sshds", .serialized,
       .enabled(if: TestEnv.sshdAvailable, Comment(rawValue: TestEnv.skipReason)))
struct ProxyCommandTests {
    let dir: TempDir
    let key: String
    let knownHosts: String

    init() throws {
        dir = try TempDir()
        key = try makeKey(dir, "id", type: "ed25519")
        knownHosts = dir.file("known_hosts")
    }

    /// ssh_config lines every host shares: this test's key and known_hosts only.
    var common: String {
        """
        Host *
            User \(localUser)
            IdentityFile \(key)
            IdentitiesOnly yes
            UserKnownHostsFile \(knownHosts)
            GlobalKnownHostsFile /dev/null
            ConnectTimeout 5
            BatchMode yes
            LogLevel ERROR

        """
    }

    /// A client config for the proxy's own `ssh`, where host `jump` is `server`.
    func proxyConfig(_ server: TestSSHD) throws -> String {
        try dir.write("proxy_config", "Host jump\n    HostName \(server.address)\n    Port \(server.port)\n" + common)
        return dir.file("proxy_config")
    }

    func open(_ r: ResolvedTarget) -> SSHConnection {
        SSHConnection(target: r.target, auth: SSHAuthOptions(useAgent: false), hostKeys: r.hostKeys)
    }

    @Test func proxyCommandReachesANodeWhoseNameOnlyTheProxyKnows() throws {
        let target = try TestSSHD(address: "127.0.0.2", authorized: [key + ".pub"])
        let jump = try TestSSHD(authorized: [key + ".pub"], extra: "PermitOpen 127.0.0.2:\(target.port)", logLevel: "DEBUG1")
        let proxyConfig = try proxyConfig(jump)
        // The proxy maps a name no resolver knows to the node, as an SSM or corporate proxy would.
        try dir.write("proxy.sh", """
            #!/bin/sh
            echo $$ > \(dir.file("proxy.pid"))
            case "$1" in
              node1.pacetop.invalid) exec ssh -F \(proxyConfig) -W 127.0.0.2:"$2" jump ;;
              *) echo "proxy.sh: no route to $1 port $2" >&2; exit 3 ;;
            esac

            """, mode: 0o755)
        // The key is known under the HostKeyAlias (an instance id, as SSM users keep it) and
        // under the address the plain `ssh -W %h:%p` case uses.
        try (target.knownHostsLines(name: "i-0123456789abcdef0") + target.knownHostsLines() + jump.knownHostsLines())
            .write(toFile: knownHosts, atomically: true, encoding: .utf8)
        try dir.write("config", """
            Host node1
                HostName node1.pacetop.invalid
                Port \(target.port)
                HostKeyAlias i-0123456789abcdef0
                ProxyCommand \(dir.file("proxy.sh")) %h %p
            Host node2
                HostName 127.0.0.2
                Port \(target.port)
                ProxyCommand ssh -F \(proxyConfig) -W %h:%p jump
            Host broken
                HostName nowhere.pacetop.invalid
                ProxyCommand \(dir.file("proxy.sh")) %h %p
            \(common)
            """)
        for reader in readers() {
            let resolver = try SSHResolver(configFile: dir.file("config"), reader: reader)
            let r = try resolver.resolve("node1")
            #expect(r.target.endpoint.proxyCommand == "\(dir.file("proxy.sh")) node1.pacetop.invalid \(target.port)", "\(reader)")
            let c = open(r)
            #expect(try c.exec("echo through the proxy", timeout: 15).stdoutString == "through the proxy\n", "\(reader)")
            #expect(jump.log.contains("target 127.0.0.2 port \(target.port)"), "\(reader)")
            let pid = pid_t(dir.read("proxy.pid").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            #expect(pid > 0 && kill(pid, 0) == 0, "the proxy runs while the session is up (\(reader))")
            c.close()
            // Closing the session ends and reaps the proxy.
            #expect(waitUntil { kill(pid, 0) != 0 && errno == ESRCH }, "proxy \(pid) still there after close (\(reader))")

            // A proxy killed under a running command: the command fails saying so.
            let busy = open(r)
            defer { busy.close() }
            #expect(try busy.exec("echo up", timeout: 15).exitStatus == 0, "\(reader)")
            let busyProxy = pid_t(dir.read("proxy.pid").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            let box = ResultBox.exec(busy, "touch \(dir.file("started")); sleep 20", timeout: 30)
            #expect(waitUntil { FileManager.default.fileExists(atPath: dir.file("started")) }, "\(reader)")
            unlink(dir.file("started"))
            kill(busyProxy, SIGKILL)
            let result = box.wait(20)?.0 ?? "no result"
            #expect(result.contains("ProxyCommand") && result.contains("was killed by signal 9"), "\(result) (\(reader))")

            // A proxy that dies under an idle session: the next command reconnects through a new one.
            let again = open(r)
            defer { again.close() }
            #expect(try again.exec("echo first", timeout: 15).stdoutString == "first\n", "\(reader)")
            let firstProxy = pid_t(dir.read("proxy.pid").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            kill(firstProxy, SIGKILL)
            #expect(try again.exec("echo second", timeout: 15).stdoutString == "second\n", "\(reader)")
            #expect(pid_t(dir.read("proxy.pid").trimmingCharacters(in: .whitespacesAndNewlines)) != firstProxy, "\(reader)")

            let plain = open(try resolver.resolve("node2"))
            defer { plain.close() }
            #expect(try plain.exec("echo via ssh -W", timeout: 15).stdoutString == "via ssh -W\n", "\(reader)")

            let broken = open(try resolver.resolve("broken"))
            defer { broken.close() }
            expectSSHError({ _ = try broken.exec("true", timeout: 15) }) { e in
                guard case .proxyCommandFailed(let command, let reason, let stderr) = e else { return false }
                return command.hasSuffix("proxy.sh nowhere.pacetop.invalid 22")
                    && reason.contains("exited with status 3")
                    && stderr == "proxy.sh: no route to nowhere.pacetop.invalid port 22"
                    && e.description.contains("It said: proxy.sh: no route")
            }
        }
    }

    @Test func aJumpHostsOwnProxyJumpAndProxyCommandAreFollowed() throws {
        let inner = try TestSSHD(address: "127.0.0.2", authorized: [key + ".pub"])
        let middle = try TestSSHD(address: "127.0.0.3", authorized: [key + ".pub"],
                                  extra: "PermitOpen 127.0.0.2:\(inner.port)", logLevel: "DEBUG1")
        let outer = try TestSSHD(authorized: [key + ".pub"], extra: "PermitOpen 127.0.0.3:\(middle.port)", logLevel: "DEBUG1")
        try (outer.knownHostsLines() + middle.knownHostsLines() + inner.knownHostsLines())
            .write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let proxyConfig = try proxyConfig(outer)
        try dir.write("config", """
            Host target
                HostName 127.0.0.2
                Port \(inner.port)
                ProxyJump middle
            Host target2
                HostName 127.0.0.2
                Port \(inner.port)
                ProxyJump middle2
            Host middle middle2
                HostName 127.0.0.3
                Port \(middle.port)
            Host middle
                ProxyJump outer
            Host middle2
                ProxyCommand ssh -F \(proxyConfig) -W %h:%p jump
            Host outer
                HostName 127.0.0.1
                Port \(outer.port)
            \(common)
            """)
        for reader in readers() {
            let resolver = try SSHResolver(configFile: dir.file("config"), reader: reader)
            let r = try resolver.resolve("target")
            #expect(r.target.jumps.map(\.name) == ["outer", "middle"], "\(reader)")
            let c = open(r)
            defer { c.close() }
            #expect(try c.exec("echo two hops", timeout: 20).stdoutString == "two hops\n", "\(reader)")
            #expect(outer.log.contains("target 127.0.0.3 port \(middle.port)"), "\(reader)")
            #expect(middle.log.contains("target 127.0.0.2 port \(inner.port)"), "\(reader)")

            let r2 = try resolver.resolve("target2")
            #expect(r2.target.jumps.map(\.name) == ["middle2"], "\(reader)")
            #expect(r2.target.jumps.first?.proxyCommand == "ssh -F \(proxyConfig) -W 127.0.0.3:\(middle.port) jump", "\(reader)")
            let c2 = open(r2)
            defer { c2.close() }
            #expect(try c2.exec("echo proxy then jump", timeout: 20).stdoutString == "proxy then jump\n", "\(reader)")
        }
    }

    /// CheckHostIP applies only off loopback and when the host name is not the address
    /// itself; no name resolves to this machine's own address here, so the endpoint is
    /// built by hand with the address written as one number (the resolver, like ssh, would
    /// normalise it).
    @Test(.enabled(if: nonLoopbackIPv4() != nil, "needs a non-loopback IPv4 address on this machine"))
    func checkHostIPRefusesAKeyTheAddressEntryContradicts() throws {
        let ip = try #require(nonLoopbackIPv4())
        let server = try TestSSHD(address: ip, authorized: [key + ".pub"])
        let other = try TestSSHD(authorized: [key + ".pub"])  // only for a different host key
        // The address as one 32-bit number: another string for the same address.
        let name = String(ip.split(separator: ".").reduce(UInt32(0)) { $0 << 8 | (UInt32($1) ?? 0) })
        let byName = try server.knownHostsLines(name: "[\(name)]:\(server.port)")
        try (byName + other.knownHostsLines(name: "[\(ip)]:\(server.port)")).write(toFile: knownHosts, atomically: true, encoding: .utf8)
        func connection(checkHostIP: Bool) -> SSHConnection {
            let ep = SSHEndpoint(host: name, port: server.port, user: localUser, identityFiles: [key], checkHostIP: checkHostIP)
            return SSHConnection(target: SSHTarget(endpoint: ep, connectTimeout: 5), auth: SSHAuthOptions(useAgent: false),
                                 hostKeys: HostKeyPolicy(files: [knownHosts], globalFiles: []))
        }
        let checked = connection(checkHostIP: true)
        defer { checked.close() }
        expectSSHError({ _ = try checked.exec("true", timeout: 15) }) { e in
            guard case .hostKeyChanged(let host, _, _, let file, let line) = e else { return false }
            return host == "[\(name)]:\(server.port) (address [\(ip)]:\(server.port), CheckHostIP)" && file == knownHosts && line == 3
        }
        let unchecked = connection(checkHostIP: false)
        defer { unchecked.close() }
        #expect(try unchecked.exec("echo ok", timeout: 15).stdoutString == "ok\n")
        // No entry for the address: nothing to contradict, and pacetop does not add one.
        try byName.write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let noEntry = connection(checkHostIP: true)
        defer { noEntry.close() }
        #expect(try noEntry.exec("echo ok", timeout: 15).stdoutString == "ok\n")
        #expect(dir.read("known_hosts") == byName)
    }
}

/// The first IPv4 address of this machine that is not loopback.
func nonLoopbackIPv4() -> String? {
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0 else { return nil }
    defer { freeifaddrs(list) }
    var p = list
    while let a = p {
        p = a.pointee.ifa_next
        guard let sa = a.pointee.ifa_addr, sa.pointee.sa_family == sa_family_t(AF_INET) else { continue }
        let addr = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        let s = String(cString: inet_ntoa(addr))
        if !s.hasPrefix("127.") { return s }
    }
    return nil
}
