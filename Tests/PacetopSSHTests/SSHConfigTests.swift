import Foundation
import Testing
import PacetopTestSupport
@testable import PacetopSSH

@Suite("ssh_config")
struct SSHConfigTests {
    static let text = """
        # cluster
        Host node? !node9
            HostName ip-172-31-16-13%h.eu-west-1.compute.internal
            User ubuntu
            IdentityFile ~/.ssh/pbx_%r
        Host node1
            User admin
            Port 2222
            ProxyJump ops@bastion:2200,inner
        Host node2 node3
            ConnectTimeout 3
            ProxyJump none
        Host bastion
            HostName bastion.example.com
            IdentityFile %d/.ssh/bastion
            IdentitiesOnly yes
        Host odd
            ProxyCommand ssh -W %h:%p gw
            StrictHostKeyChecking no
            UserKnownHostsFile=/tmp/kh1 "/tmp/k h2"
        Match host foo
            User matched
        Host *
            User fallback
            ServerAliveInterval 7
            Include ~/.ssh/more.conf
            StrictHostKeyChecking accept-new
        """

    let config = SSHConfig.parse(text, file: "cfg")

    @Test func patternsNegationAndFirstMatchWins() throws {
        let n1 = config.settings(for: "node1")
        #expect(n1.hostName == "ip-172-31-16-13%h.eu-west-1.compute.internal")
        #expect(n1.user == "ubuntu") // the first matching block wins over "Host node1"
        #expect(n1.port == 2222)
        #expect(n1.proxyJump == ["ops@bastion:2200", "inner"])
        #expect(n1.serverAliveInterval == 7)
        #expect(n1.acceptNew)
        let n9 = config.settings(for: "node9")
        #expect(n9.hostName == nil)
        #expect(n9.user == "fallback")
        #expect(config.settings(for: "NODE2").connectTimeout == 3)
        #expect(config.settings(for: "node2").proxyJump == [])
    }

    @Test func resolveExpandsTokensAndBuildsTheJumpChain() throws {
        let r = try config.resolve("node1")
        #expect(r.target.endpoint.host == "ip-172-31-16-13node1.eu-west-1.compute.internal")
        #expect(r.target.endpoint.user == "ubuntu")
        #expect(r.target.endpoint.port == 2222)
        #expect(r.target.endpoint.identityFiles == [SSHPaths.home + "/.ssh/pbx_ubuntu"])
        #expect(r.target.jumps.count == 2)
        #expect(r.target.jumps[0] == SSHEndpoint(name: "bastion", host: "bastion.example.com", port: 2200, user: "ops",
                                                 identityFiles: [SSHPaths.home + "/.ssh/bastion"], identitiesOnly: true))
        #expect(r.target.jumps[1].host == "inner")
        #expect(r.target.jumps[1].user == "fallback")
        #expect(r.target.serverAliveInterval == 7)
        #expect(r.hostKeys.acceptNew)
    }

    @Test func commandLineOverridesConfig() throws {
        let r = try config.resolve("node2", SSHOverrides(user: "root", port: 22, identityFiles: ["/k/id"], jump: "j@jh:2022",
                                                         userKnownHostsFiles: ["/tmp/kh"], connectTimeout: 4))
        #expect(r.target.endpoint.user == "root")
        #expect(r.target.endpoint.identityFiles == ["/k/id", SSHPaths.home + "/.ssh/pbx_root"])
        #expect(r.target.jumps == [SSHEndpoint(name: "jh", host: "jh", port: 2022, user: "j", identityFiles: ["/k/id"])])
        #expect(r.target.connectTimeout == 4)
        #expect(r.hostKeys.files == ["/tmp/kh"])
    }

    @Test func userAtHostLikeSSH() throws {
        let r = try config.resolve("ops@node2")
        #expect(r.target.endpoint.user == "ops")
        #expect(r.target.endpoint.name == "node2")
        #expect(r.target.endpoint.host == "ip-172-31-16-13node2.eu-west-1.compute.internal")
        #expect(try config.resolve("ops@node2", SSHOverrides(user: "root")).target.endpoint.user == "root")
    }

    @Test func defaultsWhenNothingMatches() throws {
        let r = try SSHConfig().resolve("plainhost")
        #expect(r.target.endpoint.host == "plainhost")
        #expect(r.target.endpoint.port == 22)
        #expect(r.target.endpoint.identityFiles == ["id_ed25519", "id_ecdsa", "id_rsa"].map { SSHPaths.home + "/.ssh/" + $0 })
        #expect(r.target.jumps.isEmpty)
        #expect(r.hostKeys == HostKeyPolicy())
    }

    @Test func unsupportedThingsAreReportedWithFileAndLine() throws {
        #expect(config.warnings.contains("cfg:21: Match is not supported by pacetop; the settings under it (up to the next Host) were ignored"))
        #expect(config.warnings.contains { $0.hasPrefix("cfg:26: Include is not supported") })
        #expect(config.settings(for: "foo").user == "fallback")
        let odd = config.settings(for: "odd")
        #expect(odd.userKnownHostsFiles == ["/tmp/kh1", "/tmp/k h2"])
        #expect(odd.warnings.contains { $0.hasPrefix("cfg:18: ProxyCommand is not supported") })
        #expect(odd.warnings.contains { $0.hasPrefix("cfg:19: StrictHostKeyChecking no is not honoured") })
        #expect(!odd.acceptNew)
    }

    @Test func badJumpSpecAndMissingExplicitFile() {
        #expect(throws: SSHError.self) { try SSHConfig().resolve("x", SSHOverrides(jump: "host:notaport")) }
        #expect(throws: SSHError.configError(file: "/nonexistent/cfg", reason: "cannot read the file")) {
            try SSHConfig.load(path: "/nonexistent/cfg")
        }
    }

    @Test func globs() {
        #expect(SSHConfig.glob("ip-*-13?", "ip-172-31-16-133"))
        #expect(!SSHConfig.glob("ip-*-13?", "ip-172-31-16-1333"))
        #expect(SSHConfig.matches("db1", patterns: ["*", "!web*"]))
        #expect(!SSHConfig.matches("web1", patterns: ["*", "!web*"]))
        #expect(!SSHConfig.matches("web1", patterns: ["!web*"]))
    }
}
